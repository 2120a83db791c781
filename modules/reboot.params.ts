/** reboot's parameters: what validates a call without loading the module's code (reboot.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../runner/module.js';

export const SEARCH_PATHS = ['/sbin', '/bin', '/usr/sbin', '/usr/bin', '/usr/local/sbin'];

export interface RebootParams {
  /** Seconds before the reboot, passed to shutdown in whole minutes (rounded down). @default 0 */
  pre_reboot_delay?: number;
  /** Seconds to wait after the reboot command before checking the host. @default 0 */
  post_reboot_delay?: number;
  /** Seconds to wait for the new boot, and again for test_command. @default 600 */
  reboot_timeout?: number;
  /** Seconds each connection attempt may take. @default the run's connection timeout */
  connect_timeout?: number;
  /** Must succeed on the rebooted host before the task is done. @default 'whoami' */
  test_command?: string;
  /** Shown to logged-in users by shutdown. @default 'Reboot initiated by Ansible' */
  msg?: string;
  /** Where to look for `shutdown` (PATH is not used). @default ['/sbin', '/bin', '/usr/sbin', '/usr/bin', '/usr/local/sbin'] */
  search_paths?: string[];
  /** Prints a string unique to this boot. @default 'cat /proc/sys/kernel/random/boot_id' */
  boot_time_command?: string;
  /** The whole reboot command instead of shutdown (then pre_reboot_delay and msg are not used). @default shutdown -r ... */
  reboot_command?: string;
}

export const schema: JSONSchemaType<RebootParams> = {
  type: 'object',
  properties: {
    pre_reboot_delay: { type: 'integer', nullable: true, default: 0 },
    post_reboot_delay: { type: 'integer', nullable: true, default: 0 },
    reboot_timeout: { type: 'integer', minimum: 1, nullable: true, default: 600 },
    connect_timeout: { type: 'integer', minimum: 1, nullable: true },
    test_command: { type: 'string', minLength: 1, nullable: true, default: 'whoami' },
    msg: { type: 'string', nullable: true, default: 'Reboot initiated by Ansible' },
    search_paths: { type: 'array', items: { type: 'string' }, nullable: true, default: SEARCH_PATHS },
    boot_time_command: { type: 'string', minLength: 1, nullable: true, default: 'cat /proc/sys/kernel/random/boot_id' },
    reboot_command: { type: 'string', minLength: 1, nullable: true },
  },
  required: [],
  additionalProperties: false,
};

export function check(p: RebootParams): ParamIssue[] {
  const bad = p.search_paths?.find((d) => !d.startsWith('/'));
  return bad !== undefined ? [{ field: 'search_paths', message: `'${bad}' is not an absolute path` }] : [];
}

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const rebootDefinition: ModuleDefinition<RebootParams> = { name: 'reboot', schema, check };
