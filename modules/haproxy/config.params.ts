/** haproxy_config's parameters: what validates a call without loading the module's code (config.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition } from '../../runner/module.js';
import { configIssues, haproxyConfigSchema } from './config.schema.js';
import type { HaproxyConfig } from './config.types.js';

export interface HaproxyConfigParams {
  /** The whole configuration. */
  config: HaproxyConfig;
  /** The configuration file. @default '/etc/haproxy/haproxy.cfg' */
  dest?: string;
  /** Keep the old file as `dest.<pid>.<timestamp>~`. @default false */
  backup?: boolean;
  /** After a change, reload HAProxy (start it when it is not running). @default true */
  reload?: boolean;
  /** The service's name. @default 'haproxy' */
  service?: string;
  /** The service manager: 'auto' picks from facts.service_mgr. @default 'auto' */
  use?: 'auto' | 'systemd' | 'sysvinit';
  /** SysV: the pidfile of the init script (the master's pid in master-worker mode). @default '/run/haproxy.pid' */
  pidfile?: string;
}

export const schema: JSONSchemaType<HaproxyConfigParams> = {
  type: 'object',
  properties: {
    config: haproxyConfigSchema,
    dest: { type: 'string', nullable: true, minLength: 1, default: '/etc/haproxy/haproxy.cfg' },
    backup: { type: 'boolean', nullable: true, default: false },
    reload: { type: 'boolean', nullable: true, default: true },
    service: { type: 'string', nullable: true, pattern: '^[A-Za-z0-9_.@-]+$', default: 'haproxy' },
    use: { type: 'string', nullable: true, enum: ['auto', 'systemd', 'sysvinit'], default: 'auto' },
    pidfile: { type: 'string', nullable: true, pattern: '^/', default: '/run/haproxy.pid' },
  },
  required: ['config'],
  additionalProperties: false,
};

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const haproxyConfigDefinition: ModuleDefinition<HaproxyConfigParams> = { name: 'haproxy_config', schema, check: (p) => configIssues(p.config) };
