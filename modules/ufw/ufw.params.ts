/** ufw's parameters: what validates a call without loading the module's code (ufw.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../../runner/module.js';

export interface UfwParams {
  /** enabled/disabled are idempotent; reloaded and reset always act. */
  state?: 'enabled' | 'disabled' | 'reloaded' | 'reset';
  /** Default policy (for `direction`, incoming when not given). */
  default?: 'allow' | 'deny' | 'reject';
  /** Logging level; `on` is low unless logging is already on. */
  logging?: 'on' | 'off' | 'low' | 'medium' | 'high' | 'full';
  /** in/out for rules; incoming/outgoing/routed for default. @default 'in' for rules */
  direction?: 'in' | 'incoming' | 'out' | 'outgoing' | 'routed';
  /** Delete the rule instead of adding it. @default false */
  delete?: boolean;
  /** A routed (forwarding) rule. @default false */
  route?: boolean;
  rule?: 'allow' | 'deny' | 'limit' | 'reject';
  /** Interface, with `direction`. */
  interface?: string;
  interface_in?: string;
  interface_out?: string;
  /** Log packets matching the rule. @default false */
  log?: boolean;
  /** @default 'any' */
  from_ip?: string;
  from_port?: string;
  /** @default 'any' */
  to_ip?: string;
  /** Destination port: a port, `a:b` range or `a,b` list. */
  to_port?: string;
  proto?: 'ah' | 'any' | 'esp' | 'ipv6' | 'tcp' | 'udp' | 'gre' | 'igmp';
  comment?: string;
  /** Let the change go ahead even when it would refuse a new SSH connection from the controller. @default false */
  allow_ssh_lockout?: boolean;
}

export const WORD = '^[^\\s\'"]+$';

export const schema: JSONSchemaType<UfwParams> = {
  type: 'object',
  properties: {
    state: { type: 'string', enum: ['enabled', 'disabled', 'reloaded', 'reset'], nullable: true },
    default: { type: 'string', enum: ['allow', 'deny', 'reject'], nullable: true },
    logging: { type: 'string', enum: ['on', 'off', 'low', 'medium', 'high', 'full'], nullable: true },
    direction: { type: 'string', enum: ['in', 'incoming', 'out', 'outgoing', 'routed'], nullable: true },
    delete: { type: 'boolean', nullable: true, default: false },
    route: { type: 'boolean', nullable: true, default: false },
    rule: { type: 'string', enum: ['allow', 'deny', 'limit', 'reject'], nullable: true },
    interface: { type: 'string', pattern: WORD, nullable: true },
    interface_in: { type: 'string', pattern: WORD, nullable: true },
    interface_out: { type: 'string', pattern: WORD, nullable: true },
    log: { type: 'boolean', nullable: true, default: false },
    from_ip: { type: 'string', pattern: WORD, nullable: true },
    from_port: { type: 'string', pattern: '^\\d+([:-]\\d+)?(,\\d+([:-]\\d+)?)*$', nullable: true },
    to_ip: { type: 'string', pattern: WORD, nullable: true },
    to_port: { type: 'string', pattern: '^\\d+([:-]\\d+)?(,\\d+([:-]\\d+)?)*$', nullable: true },
    proto: { type: 'string', enum: ['ah', 'any', 'esp', 'ipv6', 'tcp', 'udp', 'gre', 'igmp'], nullable: true },
    comment: { type: 'string', pattern: "^[^'\\n]*$", nullable: true },
    allow_ssh_lockout: { type: 'boolean', nullable: true, default: false },
  },
  required: [],
  additionalProperties: false,
};

export function check(p: UfwParams): ParamIssue[] {
  const issues: ParamIssue[] = [];
  if (p.state === undefined && p.default === undefined && p.rule === undefined && p.logging === undefined) {
    issues.push({ field: '', message: 'one of the following is required: state, default, rule, logging' });
  }
  if (p.interface !== undefined && p.direction === undefined) issues.push({ field: 'direction', message: "missing parameter(s) required by 'interface': direction" });
  if (p.rule !== undefined && p.direction !== undefined && !['in', 'out'].includes(p.direction)) {
    issues.push({ field: 'direction', message: 'For rules, direction must be one of "in" and "out", or direction must not be specified.' });
  }
  if (p.default !== undefined && p.direction !== undefined && !['incoming', 'outgoing', 'routed'].includes(p.direction)) {
    issues.push({ field: 'direction', message: 'For default, direction must be one of "outgoing", "incoming" and "routed", or direction must not be specified.' });
  }
  if (!p.route && p.interface_in && p.interface_out) issues.push({ field: 'interface_out', message: 'Only route rules can combine interface_in and interface_out' });
  if ((p.direction !== undefined && p.rule !== undefined) && (p.interface_in || p.interface_out)) issues.push({ field: 'direction', message: 'parameters are mutually exclusive: direction|interface_in, direction|interface_out' });
  if ((p.to_port !== undefined || p.from_port !== undefined) && /[,:]/.test(`${p.to_port ?? ''}${p.from_port ?? ''}`) && !['tcp', 'udp'].includes(p.proto ?? '')) {
    issues.push({ field: 'proto', message: 'port ranges and lists need proto tcp or udp' });
  }
  return issues;
}

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const ufwDefinition: ModuleDefinition<UfwParams> = { name: 'ufw', schema, check };
