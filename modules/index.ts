/**
 * The modules playbooks use: `import { copy, file } from '../modules/index.js'`.
 *
 * A module with a separate definition (ModuleDefinition: name, schema, checks) is exported as a
 * lazyModule: its calls are validated at once, while the playbook loads, and its gather/plan code
 * is imported only when a run uses it (issue 18: loading every module's code cost each start
 * ~0.13 s of CPU). Its function has the type of the module's own export.
 */
import { lazyModule } from '../runner/module.js';
import { firewalldDefinition } from './firewalld/params.js';
import { firewalldSettingsDefinition } from './firewalld/settings.params.js';
import { aptDefinition } from './packages/apt.params.js';
import { aptRepositoryDefinition } from './packages/apt_repository.params.js';
import { aptSigningKeyDefinition } from './packages/apt_signing_key.params.js';
import { deb822RepositoryDefinition } from './packages/deb822_repository.params.js';
import { dnfDefinition } from './packages/dnf.params.js';
import { packageDefinition } from './packages/package.params.js';
import { ufwDefinition } from './ufw/ufw.params.js';
import { unarchiveDefinition } from './unarchive/params.js';

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
export { git_publish, type GitPublishParams } from './git_publish.js';
export const firewalld: typeof import('./firewalld/firewalld.js').firewalld = lazyModule(firewalldDefinition, async () => (await import('./firewalld/firewalld.js')).firewalld);
export type { FirewalldParams } from './firewalld/firewalld.js';
export const firewalld_settings: typeof import('./firewalld/settings.js').firewalld_settings = lazyModule(firewalldSettingsDefinition, async () => (await import('./firewalld/settings.js')).firewalld_settings);
export type { FirewalldSettingsParams } from './firewalld/settings.params.js';
export { debug, type DebugParams } from './debug.js';
export { assert, type AssertParams, type Condition } from './assert.js';
export { fail, type FailParams } from './fail.js';
export { set_fact, type SetFactResult } from './set_fact.js';
export { pause, type PauseParams, type PauseResult } from './pause.js';
export { haproxy, haproxy_config, type HaproxyParams, type HaproxyConfigParams, type HaproxyConfig } from './haproxy/index.js';
export const pkg: typeof import('./packages/package.js').pkg = lazyModule(packageDefinition, async () => (await import('./packages/package.js')).pkg);
export type { PackageParams } from './packages/package.params.js';
export const apt: typeof import('./packages/apt.js').apt = lazyModule(aptDefinition, async () => (await import('./packages/apt.js')).apt);
export type { AptParams } from './packages/apt.params.js';
export const apt_repository: typeof import('./packages/apt_repository.js').apt_repository = lazyModule(aptRepositoryDefinition, async () => (await import('./packages/apt_repository.js')).apt_repository);
export type { AptRepositoryParams } from './packages/apt_repository.params.js';
export const deb822_repository: typeof import('./packages/deb822_repository.js').deb822_repository = lazyModule(deb822RepositoryDefinition, async () => (await import('./packages/deb822_repository.js')).deb822_repository);
export type { Deb822RepositoryParams } from './packages/deb822_repository.params.js';
export const apt_signing_key: typeof import('./packages/apt_signing_key.js').apt_signing_key = lazyModule(aptSigningKeyDefinition, async () => (await import('./packages/apt_signing_key.js')).apt_signing_key);
export type { AptSigningKeyParams } from './packages/apt_signing_key.params.js';
export const dnf: typeof import('./packages/dnf.js').dnf = lazyModule(dnfDefinition, async () => (await import('./packages/dnf.js')).dnf);
export type { DnfParams } from './packages/dnf.params.js';
export { cron, type CronParams } from './cron.js';
export { user, type UserParams } from './user.js';
export { group, type GroupParams } from './group.js';
export { authorized_key, type AuthorizedKeyParams } from './authorized_key.js';
export { uri, type UriParams, type UriResult } from './uri.js';
export { wait_for, type WaitForParams, type WaitForResult } from './wait_for.js';
export { fetch, type FetchParams, type FetchResult } from './fetch.js';
export * from './podman/index.js';
export const ufw: typeof import('./ufw/ufw.js').ufw = lazyModule(ufwDefinition, async () => (await import('./ufw/ufw.js')).ufw);
export type { UfwParams } from './ufw/ufw.params.js';
export { get_url, type GetUrlParams, type GetUrlResult } from './get_url.js';
export const unarchive: typeof import('./unarchive/index.js').unarchive = lazyModule(unarchiveDefinition, async () => (await import('./unarchive/index.js')).unarchive);
export type { UnarchiveParams } from './unarchive/params.js';
export type { UnarchiveResult } from './unarchive/index.js';
export { mount, type MountParams } from './mount.js';
export * from './backup/index.js';
export { timezone, type TimezoneParams } from './timezone.js';
export { sysctl, type SysctlParams } from './sysctl.js';
export { hostname, type HostnameParams } from './hostname.js';
export { systemd_service, type SystemdServiceParams, type SystemdServiceResult } from './systemd_service.js';
export { reboot, type RebootParams, type RebootResult } from './reboot.js';
