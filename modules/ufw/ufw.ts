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
import { defineModule } from '../../runner/module.js';
import type { Action, Plan } from '../../runner/module.types.js';
import { inNetwork, portSpecCovers } from '../_lib/ssh-path.js';
import { parseUfwProbe, policyWord, ruleKey, ruleTuples, tupleText, UFW_PROBE, type UfwRule, type UfwState } from './model.js';
import { ufwDefinition, type UfwParams } from './ufw.params.js';

export type { UfwParams } from './ufw.params.js';

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
  ...ufwDefinition,
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
