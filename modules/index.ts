/** The modules playbooks use: `import { copy, file } from '../modules/index.js'`. */
export { command, type CommandParams } from './command.js';
export { shell, type ShellParams } from './shell.js';
export { file, type FileParams, type FileState } from './file.js';
export { copy, type CopyParams } from './copy.js';
export { template, type TemplateParams, type RenderedTemplateParams } from './template.js';
export { lineinfile, type LineinfileParams } from './lineinfile.js';
export { blockinfile, type BlockinfileParams } from './blockinfile.js';
export { stat, type StatParams } from './stat.js';
export { service, type ServiceParams } from './service.js';
export { git, type GitParams, type GitTaskResult } from './git.js';
export { deploy, type DeployParams, type DeployTaskResult } from './deploy.js';
export { firewalld, type FirewalldParams } from './firewalld/firewalld.js';
export { firewalld_settings, type FirewalldSettingsParams } from './firewalld/settings.js';
export { debug, type DebugParams } from './debug.js';
export { assert, type AssertParams, type Condition } from './assert.js';
export { fail, type FailParams } from './fail.js';
export { set_fact, type SetFactResult } from './set_fact.js';
export { pause, type PauseParams, type PauseResult } from './pause.js';
