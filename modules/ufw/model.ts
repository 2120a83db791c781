/**
 * ufw as data: what its files hold (the `### tuple ###` lines of user.rules and user6.rules,
 * ufw.conf's ENABLED and LOGLEVEL, /etc/default/ufw's policies), read in one round trip without
 * running ufw (a Python start-up per call). A rule's tuple is computed the way ufw writes it:
 * `<action> <proto> <dport> <dst> <sport> <src> <direction>[ comment=<hex>]`, so a task's rule is
 * compared with the files directly; the e2e parity test holds this against ufw itself.
 */
import { ipv4Network, isIpv4, parseSshPath, SSH_PATH_PROBE, type SshPath } from '../_lib/ssh-path.js';

export interface UfwRule {
  /** allow, deny, reject, limit, with `_log`/`_log-all`, `route:` for routed rules. */
  action: string;
  proto: string;
  dport: string;
  dst: string;
  sport: string;
  src: string;
  /** `in`, `out`, `in_eth0`, `in_eth0!out_eth1`. */
  direction: string;
  /** Hex of the UTF-8 comment, '' without one. */
  comment: string;
}

export interface UfwState {
  installed: boolean;
  enabled: boolean;
  /** off, low, medium, high, full. */
  logLevel: string;
  ipv6: boolean;
  /** DEFAULT_INPUT/OUTPUT/FORWARD_POLICY: DROP, ACCEPT or REJECT. */
  policy: { incoming: string; outgoing: string; routed: string };
  v4: UfwRule[];
  v6: UfwRule[];
  ssh?: SshPath;
}

export function parseTuple(line: string): UfwRule | undefined {
  const words = line.replace(/^### tuple ###\s*/, '').trim().split(/\s+/);
  if (words.length < 7) return undefined;
  const [action, proto, dport, dst, sport, src, direction, ...rest] = words as [string, string, string, string, string, string, string, ...string[]];
  const comment = rest.find((w) => w.startsWith('comment='))?.slice('comment='.length) ?? '';
  return { action, proto, dport, dst, sport, src, direction, comment };
}

export function tupleText(r: UfwRule): string {
  return `### tuple ### ${r.action} ${r.proto} ${r.dport} ${r.dst} ${r.sport} ${r.src} ${r.direction}${r.comment ? ` comment=${r.comment}` : ''}`;
}

/** Everything ufw matches an existing rule by: a rule with the same key is updated in place. */
export const ruleKey = (r: UfwRule): string => [r.action.startsWith('route:') ? 'route' : '', r.proto, r.dport, r.dst, r.sport, r.src, r.direction].join(' ');

const POLICIES: Record<string, string> = { DROP: 'deny', ACCEPT: 'allow', REJECT: 'reject' };
export const policyWord = (p: string): string => POLICIES[p] ?? p.toLowerCase();

export const UFW_PROBE = [
  'if ! command -v ufw >/dev/null 2>&1; then echo @@missing; fi',
  "echo @@v4; grep -h '^### tuple' /etc/ufw/user.rules 2>/dev/null",
  "echo @@v6; grep -h '^### tuple' /etc/ufw/user6.rules 2>/dev/null",
  "echo @@conf; grep -h -E '^(ENABLED|LOGLEVEL|IPV6|DEFAULT_[A-Z]+_POLICY)=' /etc/ufw/ufw.conf /etc/default/ufw 2>/dev/null",
  SSH_PATH_PROBE,
].join('\n');

export function parseUfwProbe(out: string): UfwState {
  const blocks = new Map<string, string[]>();
  let current = '';
  let ssh = '';
  for (const line of out.split('\n')) {
    if (line.startsWith('@@ssh')) ssh = line.slice('@@ssh'.length);
    else if (line.startsWith('@@')) blocks.set((current = line.slice(2).trim()), []);
    else blocks.get(current)?.push(line);
  }
  const conf = new Map((blocks.get('conf') ?? []).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).replace(/^"|"$/g, '')]));
  const rules = (key: string) => (blocks.get(key) ?? []).map(parseTuple).filter((r): r is UfwRule => r !== undefined);
  const path = parseSshPath(ssh, (blocks.get('addr') ?? []).join('\n'));
  return {
    installed: !blocks.has('missing'),
    enabled: conf.get('ENABLED') === 'yes',
    logLevel: conf.get('LOGLEVEL') ?? 'off',
    ipv6: conf.get('IPV6') !== 'no',
    policy: { incoming: conf.get('DEFAULT_INPUT_POLICY') ?? 'DROP', outgoing: conf.get('DEFAULT_OUTPUT_POLICY') ?? 'ACCEPT', routed: conf.get('DEFAULT_FORWARD_POLICY') ?? 'DROP' },
    v4: rules('v4'),
    v6: rules('v6'),
    ...(path ? { ssh: path } : {}),
  };
}

export interface RuleSpec {
  rule: string;
  log?: 'log' | 'log-all';
  route?: boolean;
  direction?: 'in' | 'out';
  interface?: string;
  interface_in?: string;
  interface_out?: string;
  from_ip?: string;
  from_port?: string;
  to_ip?: string;
  to_port?: string;
  proto?: string;
  comment?: string;
}

const hex = (s: string): string => Buffer.from(s, 'utf8').toString('hex');

/** The tuples ufw writes for a rule: IPv4 and/or IPv6 by its addresses (both when neither names one). */
export function ruleTuples(spec: RuleSpec, ipv6: boolean): { v4?: UfwRule; v6?: UfwRule } {
  const from = spec.from_ip ?? 'any';
  const to = spec.to_ip ?? 'any';
  const named = [from, to].filter((a) => a !== 'any');
  const wantV4 = named.length === 0 || named.every(isIpv4);
  const wantV6 = named.length === 0 ? ipv6 : named.every((a) => !isIpv4(a));
  let direction: string = spec.direction ?? 'in';
  if (spec.interface_in || spec.interface_out) {
    direction = [spec.interface_in ? `in_${spec.interface_in}` : '', spec.interface_out ? `out_${spec.interface_out}` : ''].filter(Boolean).join('!');
  } else if (spec.interface) direction = `${direction}_${spec.interface}`;
  const action = `${spec.route ? 'route:' : ''}${spec.rule}${spec.log ? `_${spec.log}` : ''}`;
  const make = (anyAddress: string): UfwRule => ({
    action,
    proto: spec.proto ?? 'any',
    dport: (spec.to_port ?? 'any').replace(/-/g, ':'),
    dst: to === 'any' ? anyAddress : ipv4Network(to),
    sport: (spec.from_port ?? 'any').replace(/-/g, ':'),
    src: from === 'any' ? anyAddress : ipv4Network(from),
    direction,
    comment: spec.comment ? hex(spec.comment) : '',
  });
  return { ...(wantV4 ? { v4: make('0.0.0.0/0') } : {}), ...(wantV6 ? { v6: make('::/0') } : {}) };
}
