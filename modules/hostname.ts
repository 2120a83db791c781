/**
 * hostname: the host's name, with ansible.builtin.hostname's strategies for Debian: on a host that
 * systemd manages (`/run/systemd/system` exists) the static name through `hostnamectl --pretty
 * --static set-hostname` and then the running (transient) one; otherwise Debian's file strategy,
 * which writes /etc/hostname only (as Ansible's does: the running name changes at the next boot).
 * Like Ansible it leaves /etc/hosts alone. Registers `name` and Ansible's `ansible_facts`
 * (ansible_hostname, ansible_nodename, ansible_fqdn, ansible_domain; fqdn as Python's
 * socket.getfqdn() finds it on the host after the change); the diff is `hostname = NAME`.
 */
import type { ExecResult } from '../runner/connection/types.js';
import { defineModule } from '../runner/module.js';
import type { Action, ModuleContext, Plan, Predicted } from '../runner/module.types.js';
import { sh } from '../runner/shell.js';
import { fieldLine, parseProbe, runProbe, textFileLine } from './_lib/probe.js';
import { hostnameDefinition, type HostnameParams } from './hostname.params.js';

export type { HostnameParams } from './hostname.params.js';

export interface HostnameState {
  strategy: 'systemd' | 'file';
  /** The running name (systemd: transient) and the permanent one (systemd: static; file: /etc/hostname). */
  current: string;
  permanent: string;
  /** socket.getfqdn() of the running name, before any change. */
  fqdn: string;
}

/**
 * Python's socket.getfqdn() in sh: the running name, resolved (getaddrinfo, as getent ahosts) and
 * looked up by address; the first of the canonical name and its aliases that has a dot, else the
 * canonical name; the running name itself when either lookup fails.
 */
const FQDN = [
  'n=$(hostname); f=$n',
  'if a=$(getent ahosts -- "$n"); then set -- $a',
  '  if r=$(getent hosts -- "$1"); then set -- $r; shift; f=$1; for x in "$@"; do case $x in *.*) f=$x; break ;; esac; done; fi',
  'fi',
  fieldLine('fqdn', '"$f"'),
].join('\n');

export function hostnameProbeScript(p: HostnameParams): string {
  const systemd = p.use === 'systemd' || p.use === 'debian' ? 'true' : '[ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1';
  return [
    `if ${systemd}; then`,
    '  echo strategy systemd',
    `  t=$(hostnamectl --transient status) && s=$(hostnamectl --static status) || exit`,
    `  ${fieldLine('current', '"$t"')}; ${fieldLine('permanent', '"$s"')}`,
    'else',
    '  echo strategy file',
    `  ${textFileLine('file', '/etc/hostname')}`,
    'fi',
    FQDN,
  ].join('\n');
}

export function parseHostnameProbe(out: Buffer): HostnameState {
  const { fields } = parseProbe(out);
  const strategy = fields.get('strategy') === 'systemd' ? 'systemd' : 'file';
  // Ansible's get_file_content(strip=True) / the command's output .strip().
  const permanent = (strategy === 'systemd' ? fields.get('permanent') : fields.get('file'))?.trim() ?? '';
  const current = strategy === 'systemd' ? (fields.get('current') ?? '').trim() : permanent;
  return { strategy, current, permanent, fqdn: (fields.get('fqdn') ?? '').trim() };
}

function factsFor(name: string, fqdn: string): Record<string, unknown> {
  return { ansible_hostname: name.split('.')[0], ansible_nodename: name, ansible_fqdn: fqdn, ansible_domain: fqdn.split('.').slice(1).join('.') };
}

export function planHostname(p: HostnameParams, s: HostnameState, ctx: Pick<ModuleContext, 'facts'>): Plan {
  if (s.strategy === 'file' && ctx.facts.os_family !== 'Debian') {
    return { changed: false, actions: [], failed: `hostname module cannot be used on platform Linux (${ctx.facts.distribution})` };
  }
  if (s.strategy === 'systemd' && p.name.length > 64) {
    return { changed: false, actions: [], failed: 'name cannot be longer than 64 characters on systemd servers, try a shorter name' };
  }
  const actions: Action[] = [];
  if (s.strategy === 'systemd') {
    // Ansible's order: the permanent name first (NetworkManager objects to the other way round).
    if (s.permanent !== p.name) actions.push({ kind: 'run', script: sh`hostnamectl --pretty --static set-hostname ${p.name}` });
    if (s.current !== p.name) actions.push({ kind: 'run', script: sh`hostnamectl --transient set-hostname ${p.name}` });
  } else if (s.permanent !== p.name) {
    actions.push({ kind: 'write', path: '/etc/hostname', content: `${p.name}\n` });
  }
  const changed = actions.length > 0;
  if (!changed) return { changed, actions, result: { name: p.name, ansible_facts: factsFor(p.name, s.fqdn) } };
  // The fqdn Ansible registers is looked up after the change: one more command, read into the result.
  actions.push({ kind: 'run', script: FQDN, describe: 'looking up the fqdn', result: (exec: ExecResult) => ({ ansible_facts: factsFor(p.name, (parseProbe(exec.stdoutBytes).fields.get('fqdn') ?? '').trim()) }) });
  const before = p.name !== s.current ? s.current : s.permanent;
  return {
    changed,
    actions,
    diffs: [{ before: `hostname = ${before}\n`, after: `hostname = ${p.name}\n` }],
    result: { name: p.name },
    effects: [
      { kind: 'resource', type: 'hostname', key: 'name', state: 'present', attrs: { name: p.name } },
      ...(s.strategy === 'file' ? [{ kind: 'path' as const, path: '/etc/hostname', state: 'file' as const, content: Buffer.from(`${p.name}\n`) }] : []),
    ],
  };
}

/** Check mode: the name an earlier hostname task would set is the host's. */
export function overlayHostname(s: HostnameState, predicted: Predicted): HostnameState {
  const set = predicted.resource('hostname', 'name');
  if (!set) return s;
  const name = String(set.attrs?.name);
  return { ...s, permanent: name, current: name };
}

export const hostname = defineModule<HostnameParams, HostnameState>({
  ...hostnameDefinition,
  async gather(p, probe) {
    const out = await runProbe(probe, hostnameProbeScript(p), 'the hostname');
    return parseHostnameProbe(out.stdoutBytes);
  },
  plan: (p, s, ctx) => planHostname(p, s, ctx),
  overlay: (s, predicted) => overlayHostname(s, predicted),
});
