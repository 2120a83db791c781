/** firewalld_settings's parameters: what validates a call without loading the module's code (settings.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../../runner/module.js';

export type LogDenied = 'all' | 'unicast' | 'broadcast' | 'multicast' | 'off';

export interface FirewalldSettingsParams {
  /** Log denied packets: all, unicast, broadcast, multicast or off. @default unchanged */
  log_denied?: LogDenied;
  /** The zone for connections no source or interface binding claims. @default unchanged */
  default_zone?: string;
  /** Let a default zone change go ahead even when it would cut the run's SSH connection. @default false */
  allow_ssh_lockout?: boolean;
}

export const schema: JSONSchemaType<FirewalldSettingsParams> = {
  type: 'object',
  properties: {
    log_denied: { type: 'string', enum: ['all', 'unicast', 'broadcast', 'multicast', 'off'], nullable: true },
    default_zone: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,17}$', nullable: true },
    allow_ssh_lockout: { type: 'boolean', nullable: true, default: false },
  },
  required: [],
  additionalProperties: false,
};

export function check(p: FirewalldSettingsParams): ParamIssue[] {
  return p.log_denied === undefined && p.default_zone === undefined ? [{ field: '', message: 'one of log_denied, default_zone is required' }] : [];
}

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const firewalldSettingsDefinition: ModuleDefinition<FirewalldSettingsParams> = { name: 'firewalld_settings', schema, check };
