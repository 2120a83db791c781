/**
 * The modules playbooks use: `import { copy, file } from '../modules/index.js'`.
 *
 * A module with a separate definition (`X.params.ts`: its params type, schema and checks as a
 * ModuleDefinition) is exported as a lazyModule (runner/module.ts): a call is validated at once,
 * while the playbook loads, with file:line, task and field as before, and the module's gather and
 * plan code is imported only when a run uses it (issue 18: loading every module's code cost each
 * start ~0.13 s of CPU). Its function has the type of the module's own export. The modules nearly
 * every playbook uses (command, shell, file, copy, template, lineinfile, blockinfile, stat,
 * service) and the tiny control ones (debug, assert, fail, set_fact) are exported as they are: a
 * separate definition would only add a file to their load (bench/README.md).
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
import { authorizedKeyDefinition } from './authorized_key.params.js';
import { cronDefinition } from './cron.params.js';
import { deployDefinition } from './deploy.params.js';
import { fetchDefinition } from './fetch.params.js';
import { getUrlDefinition } from './get_url.params.js';
import { gitDefinition } from './git.params.js';
import { gitPublishDefinition } from './git_publish.params.js';
import { groupDefinition } from './group.params.js';
import { hostnameDefinition } from './hostname.params.js';
import { mountDefinition } from './mount.params.js';
import { pauseDefinition } from './pause.params.js';
import { rebootDefinition } from './reboot.params.js';
import { sysctlDefinition } from './sysctl.params.js';
import { systemdServiceDefinition } from './systemd_service.params.js';
import { timezoneDefinition } from './timezone.params.js';
import { uriDefinition } from './uri.params.js';
import { userDefinition } from './user.params.js';
import { waitForDefinition } from './wait_for.params.js';

export { command, type CommandParams } from './command.js';
export { shell, type ShellParams } from './shell.js';
export { file, type FileParams, type FileState } from './file.js';
export { copy, type CopyParams } from './copy.js';
export { template, type TemplateParams, type RenderedTemplateParams } from './template.js';
export { lineinfile, type LineinfileParams } from './lineinfile.js';
export { blockinfile, type BlockinfileParams } from './blockinfile.js';
export { stat, type StatParams } from './stat.js';
export { service, type ServiceParams } from './service.js';
export const git: typeof import('./git.js').git = lazyModule(gitDefinition, import.meta.url, './git.js', 'git');
export type { GitParams } from './git.params.js';
export type { GitTaskResult } from './git.js';
export const deploy: typeof import('./deploy.js').deploy = lazyModule(deployDefinition, import.meta.url, './deploy.js', 'deploy');
export type { DeployParams } from './deploy.params.js';
export type { DeployTaskResult } from './deploy.js';
export const git_publish: typeof import('./git_publish.js').git_publish = lazyModule(gitPublishDefinition, import.meta.url, './git_publish.js', 'git_publish');
export type { GitPublishParams } from './git_publish.params.js';
export const firewalld: typeof import('./firewalld/firewalld.js').firewalld = lazyModule(firewalldDefinition, import.meta.url, './firewalld/firewalld.js', 'firewalld');
export type { FirewalldParams } from './firewalld/firewalld.js';
export const firewalld_settings: typeof import('./firewalld/settings.js').firewalld_settings = lazyModule(firewalldSettingsDefinition, import.meta.url, './firewalld/settings.js', 'firewalld_settings');
export type { FirewalldSettingsParams } from './firewalld/settings.params.js';
export { debug, type DebugParams } from './debug.js';
export { assert, type AssertParams, type Condition } from './assert.js';
export { fail, type FailParams } from './fail.js';
export { set_fact, type SetFactResult } from './set_fact.js';
export const pause: typeof import('./pause.js').pause = lazyModule(pauseDefinition, import.meta.url, './pause.js', 'pause');
export type { PauseParams } from './pause.params.js';
export type { PauseResult } from './pause.js';
export { haproxy, haproxy_config, type HaproxyParams, type HaproxyConfigParams, type HaproxyConfig } from './haproxy/index.js';
export const pkg: typeof import('./packages/package.js').pkg = lazyModule(packageDefinition, import.meta.url, './packages/package.js', 'pkg');
export type { PackageParams } from './packages/package.params.js';
export const apt: typeof import('./packages/apt.js').apt = lazyModule(aptDefinition, import.meta.url, './packages/apt.js', 'apt');
export type { AptParams } from './packages/apt.params.js';
export const apt_repository: typeof import('./packages/apt_repository.js').apt_repository = lazyModule(aptRepositoryDefinition, import.meta.url, './packages/apt_repository.js', 'apt_repository');
export type { AptRepositoryParams } from './packages/apt_repository.params.js';
export const deb822_repository: typeof import('./packages/deb822_repository.js').deb822_repository = lazyModule(deb822RepositoryDefinition, import.meta.url, './packages/deb822_repository.js', 'deb822_repository');
export type { Deb822RepositoryParams } from './packages/deb822_repository.params.js';
export const apt_signing_key: typeof import('./packages/apt_signing_key.js').apt_signing_key = lazyModule(aptSigningKeyDefinition, import.meta.url, './packages/apt_signing_key.js', 'apt_signing_key');
export type { AptSigningKeyParams } from './packages/apt_signing_key.params.js';
export const dnf: typeof import('./packages/dnf.js').dnf = lazyModule(dnfDefinition, import.meta.url, './packages/dnf.js', 'dnf');
export type { DnfParams } from './packages/dnf.params.js';
export const cron: typeof import('./cron.js').cron = lazyModule(cronDefinition, import.meta.url, './cron.js', 'cron');
export type { CronParams } from './cron.params.js';
export const user: typeof import('./user.js').user = lazyModule(userDefinition, import.meta.url, './user.js', 'user');
export type { UserParams } from './user.params.js';
export const group: typeof import('./group.js').group = lazyModule(groupDefinition, import.meta.url, './group.js', 'group');
export type { GroupParams } from './group.params.js';
export const authorized_key: typeof import('./authorized_key.js').authorized_key = lazyModule(authorizedKeyDefinition, import.meta.url, './authorized_key.js', 'authorized_key');
export type { AuthorizedKeyParams } from './authorized_key.params.js';
export const uri: typeof import('./uri.js').uri = lazyModule(uriDefinition, import.meta.url, './uri.js', 'uri');
export type { UriParams } from './uri.params.js';
export type { UriResult } from './uri.js';
export const wait_for: typeof import('./wait_for.js').wait_for = lazyModule(waitForDefinition, import.meta.url, './wait_for.js', 'wait_for');
export type { WaitForParams } from './wait_for.params.js';
export type { WaitForResult } from './wait_for.js';
export const fetch: typeof import('./fetch.js').fetch = lazyModule(fetchDefinition, import.meta.url, './fetch.js', 'fetch');
export type { FetchParams } from './fetch.params.js';
export type { FetchResult } from './fetch.js';
export * from './podman/index.js';
export const ufw: typeof import('./ufw/ufw.js').ufw = lazyModule(ufwDefinition, import.meta.url, './ufw/ufw.js', 'ufw');
export type { UfwParams } from './ufw/ufw.params.js';
export const get_url: typeof import('./get_url.js').get_url = lazyModule(getUrlDefinition, import.meta.url, './get_url.js', 'get_url');
export type { GetUrlParams } from './get_url.params.js';
export type { GetUrlResult } from './get_url.js';
export const unarchive: typeof import('./unarchive/index.js').unarchive = lazyModule(unarchiveDefinition, import.meta.url, './unarchive/index.js', 'unarchive');
export type { UnarchiveParams } from './unarchive/params.js';
export type { UnarchiveResult } from './unarchive/index.js';
export const mount: typeof import('./mount.js').mount = lazyModule(mountDefinition, import.meta.url, './mount.js', 'mount');
export type { MountParams } from './mount.params.js';
export * from './backup/index.js';
export const timezone: typeof import('./timezone.js').timezone = lazyModule(timezoneDefinition, import.meta.url, './timezone.js', 'timezone');
export type { TimezoneParams } from './timezone.params.js';
export const sysctl: typeof import('./sysctl.js').sysctl = lazyModule(sysctlDefinition, import.meta.url, './sysctl.js', 'sysctl');
export type { SysctlParams } from './sysctl.params.js';
export const hostname: typeof import('./hostname.js').hostname = lazyModule(hostnameDefinition, import.meta.url, './hostname.js', 'hostname');
export type { HostnameParams } from './hostname.params.js';
export const systemd_service: typeof import('./systemd_service.js').systemd_service = lazyModule(systemdServiceDefinition, import.meta.url, './systemd_service.js', 'systemd_service');
export type { SystemdServiceParams } from './systemd_service.params.js';
export type { SystemdServiceResult } from './systemd_service.js';
export const reboot: typeof import('./reboot.js').reboot = lazyModule(rebootDefinition, import.meta.url, './reboot.js', 'reboot');
export type { RebootParams } from './reboot.params.js';
export type { RebootResult } from './reboot.js';
