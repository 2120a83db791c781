/** systemd_service's parameters: what validates a call without loading the module's code (systemd_service.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../runner/module.js';

export interface SystemdServiceParams {
  /** The unit (`nginx` means nginx.service). Ansible's aliases: service, unit. Required with state, enabled or masked. */
  name?: string;
  /** started/stopped act only when needed; restarted and reloaded always act. @default unchanged */
  state?: 'started' | 'stopped' | 'restarted' | 'reloaded';
  /** Whether the unit starts at boot. @default unchanged */
  enabled?: boolean;
  /** Masked units cannot be started at all. @default unchanged */
  masked?: boolean;
  /** `systemctl daemon-reload` first (after unit files changed). Not a change by itself. @default false */
  daemon_reload?: boolean;
  /** `systemctl daemon-reexec` first. Not a change by itself. @default false */
  daemon_reexec?: boolean;
  /** Whose manager: the system's, the task user's (`--user`, XDG_RUNTIME_DIR set to /run/user/UID when missing), or every user's (`--global`, enable/disable only). @default 'system' */
  scope?: 'system' | 'user' | 'global';
  /** Do not wait for the job to finish (`--no-block`). @default false */
  no_block?: boolean;
  /** `--force` on the systemctl commands (enable over conflicting symlinks). @default unset */
  force?: boolean;
}

export const schema: JSONSchemaType<SystemdServiceParams> = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, nullable: true },
    state: { type: 'string', enum: ['started', 'stopped', 'restarted', 'reloaded'], nullable: true },
    enabled: { type: 'boolean', nullable: true },
    masked: { type: 'boolean', nullable: true },
    daemon_reload: { type: 'boolean', nullable: true, default: false },
    daemon_reexec: { type: 'boolean', nullable: true, default: false },
    scope: { type: 'string', enum: ['system', 'user', 'global'], nullable: true, default: 'system' },
    no_block: { type: 'boolean', nullable: true, default: false },
    force: { type: 'boolean', nullable: true },
  },
  required: [],
  additionalProperties: false,
};

export function check(p: SystemdServiceParams): ParamIssue[] {
  if (p.state === undefined && p.enabled === undefined && p.masked === undefined && !p.daemon_reload && !p.daemon_reexec) {
    return [{ field: '', message: 'one of the following is required: state, enabled, masked, daemon_reload, daemon_reexec' }];
  }
  const needName = (['state', 'enabled', 'masked'] as const).filter((k) => p[k] !== undefined);
  if (p.name === undefined && needName.length > 0) return [{ field: 'name', message: `missing parameter(s) required by '${needName[0]}': name` }];
  const glob = ['*', '?', '['].find((g) => p.name?.includes(g));
  if (glob) return [{ field: 'name', message: `This module does not currently support using glob patterns, found '${glob}' in service name: ${p.name}` }];
  return [];
}

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const systemdServiceDefinition: ModuleDefinition<SystemdServiceParams> = { name: 'systemd_service', probeAhead: true, schema, check };
