/**
 * ufw with community.general.ufw's main parameters: state (enabled/disabled/reloaded/reset),
 * default policy with direction, logging, and rules (allow/deny/reject/limit, from/to address and
 * port, proto, direction, interface, route, log, comment, delete). Observed from ufw's own files in
 * one round trip; a rule task changes only when its tuple is missing or differs (action, comment).
 * The diff is the rule files' tuples and the status lines before and after. A change that would
 * refuse a new SSH connection from the controller (enabling ufw without an allow for it, a
 * deny/reject rule or a default policy that catches it, deleting its allow rule) is refused unless
 * allow_ssh_lockout is set.
 * Not implemented: insert/insert_relative_to, application profiles (`name`).
 */
import type { JSONSchemaType } from 'ajv';
import { defineModule, type ParamIssue } from '../../runner/module.js';
import type { Action, Plan } from '../../runner/module.types.js';
import { inNetwork, portSpecCovers } from '../_lib/ssh-path.js';
import { parseUfwProbe, policyWord, ruleKey, ruleTuples, tupleText, UFW_PROBE, type UfwRule, type UfwState } from './model.js';

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

const WORD = '^[^\\s\'"]+$';
const schema: JSONSchemaType<UfwParams> = {
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

function check(p: UfwParams): ParamIssue[] {
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

type Model = Pick<UfwState, 'enabled' | 'logLevel' | 'policy' | 'v4' | 'v6'>;

/** Whether a new TCP connection from the controller to sshd would be let in. */
function sshAllowed(m: Model, s: UfwState): boolean {
  const path = s.ssh!;
  if (!m.enabled) return true;
  const rules = path.client.includes(':') ? m.v6 : m.v4;
  for (const r of rules) {
    if (r.action.startsWith('route:')) continue;
    const [dir, iface] = r.direction.split('_');
    if (dir !== 'in' || (iface && iface !== path.iface)) continue;
    if (!['any', 'tcp'].includes(r.proto) || !portSpecCovers(r.dport, path.port)) continue;
    if (r.sport !== 'any') continue;
    if (!['0.0.0.0/0', '::/0'].includes(r.src) && !inNetwork(path.client, r.src)) continue;
    if (!['0.0.0.0/0', '::/0'].includes(r.dst) && !inNetwork(path.serverAddress, r.dst)) continue;
    return r.action.startsWith('allow') || r.action.startsWith('limit');
  }
  return m.policy.incoming === 'ACCEPT';
}

function modelText(m: Model): string {
  return [
    `Status: ${m.enabled ? 'active' : 'inactive'}`,
    `Logging: ${m.logLevel === 'off' ? 'off' : `on (${m.logLevel})`}`,
    `Default: ${policyWord(m.policy.incoming)} (incoming), ${policyWord(m.policy.outgoing)} (outgoing), ${policyWord(m.policy.routed)} (routed)`,
    ...m.v4.map(tupleText),
    ...m.v6.map((r) => `${tupleText(r)} (v6)`),
    '',
  ].join('\n');
}

/** The rule files after adding (or updating in place) or deleting one tuple. */
function withRule(rules: UfwRule[], r: UfwRule | undefined, del: boolean): UfwRule[] {
  if (!r) return rules;
  const i = rules.findIndex((x) => ruleKey(x) === ruleKey(r));
  if (del) return i >= 0 && rules[i]!.action === r.action ? rules.filter((_, j) => j !== i) : rules;
  if (i < 0) return [...rules, r];
  if (tupleText(rules[i]!) === tupleText(r)) return rules;
  return rules.map((x, j) => (j === i ? r : x));
}

const POLICY_VALUES = { allow: 'ACCEPT', deny: 'DROP', reject: 'REJECT' } as const;

function ruleCommand(p: UfwParams): string {
  const words = ['ufw'];
  if (p.route) words.push('route');
  if (p.delete) words.push('delete');
  words.push(p.rule!);
  if (p.direction) words.push(p.direction);
  if (p.interface) words.push('on', p.interface);
  if (p.interface_in) words.push('in', 'on', p.interface_in);
  if (p.interface_out) words.push('out', 'on', p.interface_out);
  if (p.log) words.push('log');
  words.push('from', p.from_ip ?? 'any');
  if (p.from_port) words.push('port', p.from_port.replace(/-/g, ':'));
  words.push('to', p.to_ip ?? 'any');
  if (p.to_port) words.push('port', p.to_port.replace(/-/g, ':'));
  if (p.proto) words.push('proto', p.proto);
  // The pattern keeps quotes and newlines out of comments, so single quotes hold it whole.
  if (p.comment) words.push(`comment '${p.comment}'`);
  return words.join(' ');
}

export function planUfw(p: UfwParams, s: UfwState): Plan {
  const fail = (msg: string): Plan => ({ changed: false, actions: [], failed: msg });
  if (!s.installed) return fail('ufw is not installed on this host');
  const actions: Action[] = [];
  const after: Model = { enabled: s.enabled, logLevel: s.logLevel, policy: { ...s.policy }, v4: s.v4, v6: s.v6 };
  let nonIdempotent = false;
  if (p.logging !== undefined) {
    const level = p.logging === 'on' ? (s.logLevel === 'off' ? 'low' : s.logLevel) : p.logging;
    if (level !== s.logLevel) {
      actions.push({ kind: 'run', script: `ufw logging ${p.logging}` });
      after.logLevel = level;
    }
  }
  if (p.default !== undefined) {
    const direction = (p.direction ?? 'incoming') as 'incoming' | 'outgoing' | 'routed';
    if (s.policy[direction] !== POLICY_VALUES[p.default]) {
      actions.push({ kind: 'run', script: `ufw default ${p.default} ${direction}` });
      after.policy[direction] = POLICY_VALUES[p.default];
    }
  }
  if (p.rule !== undefined) {
    const { log, direction, ...rest } = p;
    const spec = { ...rest, rule: p.rule, ...(log ? { log: 'log' as const } : {}), ...(direction ? { direction: direction as 'in' | 'out' } : {}) };
    const { v4, v6 } = ruleTuples(spec, s.ipv6);
    after.v4 = withRule(s.v4, v4, p.delete ?? false);
    after.v6 = withRule(s.v6, v6, p.delete ?? false);
    if (after.v4 !== s.v4 || after.v6 !== s.v6) actions.push({ kind: 'run', script: ruleCommand(p) });
  }
  if (p.state === 'enabled' && !s.enabled) {
    actions.push({ kind: 'run', script: 'ufw --force enable' });
    after.enabled = true;
  } else if (p.state === 'disabled' && s.enabled) {
    actions.push({ kind: 'run', script: 'ufw disable' });
    after.enabled = false;
  } else if (p.state === 'reloaded') {
    actions.push({ kind: 'run', script: 'ufw reload' });
    nonIdempotent = true;
  } else if (p.state === 'reset') {
    actions.push({ kind: 'run', script: 'ufw --force reset' });
    Object.assign(after, { enabled: false, v4: [], v6: [] });
    nonIdempotent = true;
  }
  const before = modelText(s);
  const afterText = modelText(after);
  const diffs = before === afterText ? [] : [{ before, after: afterText, before_header: 'ufw', after_header: 'ufw' }];
  if (s.ssh && !p.allow_ssh_lockout && sshAllowed(s, s) && !sshAllowed(after, s)) {
    return {
      ...fail(`refused: this would refuse new SSH connections from the controller (${s.ssh.client} → ${s.ssh.serverAddress}:${s.ssh.port}): no ufw rule would allow them and the incoming policy is ${policyWord(after.policy.incoming)}. Set allow_ssh_lockout: true if this is intended`),
      diffs,
    };
  }
  return {
    changed: actions.length > 0,
    actions,
    diffs,
    nonIdempotent,
    summary: actions.length > 0 ? actions.map((a) => (a.kind === 'run' ? a.script : '')).join('; ') : 'ufw as wanted',
    result: { commands: actions.map((a) => (a.kind === 'run' ? a.script : '')) },
    effects: [{ kind: 'resource', type: 'ufw', key: 'ufw', state: 'present', attrs: { model: after } }],
  };
}

export const ufw = defineModule<UfwParams, UfwState>({
  name: 'ufw',
  schema,
  check,
  async gather(_p, probe) {
    const out = await probe.run(UFW_PROBE);
    return parseUfwProbe(out.stdout);
  },
  plan: (p, s) => planUfw(p, s),
  overlay(s, predicted) {
    const pkg = predicted.package('ufw');
    if (!s.installed && pkg?.state === 'present') predicted.unpredictable(pkg.by, "ufw's configuration once it is installed");
    const model = predicted.resource('ufw', 'ufw')?.attrs?.model as Model | undefined;
    return model ? { ...s, ...model } : s;
  },
});
