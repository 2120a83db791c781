/**
 * Parsers and pure decisions for the apt backend, tested on recorded dpkg-query, apt-cache policy
 * and apt-get simulation output (test/unit/modules/apt.test.ts).
 */
import { fnmatchToRegExp } from '../../runner/inventory/patterns.js';

/** `dpkg-query -W -f '${Package}\t${db:Status-Abbrev}\t${Version}\n'` lines. */
export interface DpkgStatus {
  /** Desired action and state letters, e.g. 'ii', 'rc', 'hi'. */
  abbrev: string;
  version: string;
}

export function parseDpkgQuery(out: string): Map<string, DpkgStatus> {
  const m = new Map<string, DpkgStatus>();
  for (const line of out.split('\n')) {
    const [name, abbrev, version] = line.split('\t');
    if (name && abbrev !== undefined) m.set(name, { abbrev: abbrev.trim(), version: version ?? '' });
  }
  return m;
}

/** Installed in dpkg's sense: unpacked at least (not `not-installed`, not only config files). */
export function isInstalled(s: DpkgStatus | undefined): boolean {
  const state = s?.abbrev[1];
  return state !== undefined && state !== 'n' && state !== 'c';
}

/** Only the configuration files are left (removed, not purged). */
export function hasConfigOnly(s: DpkgStatus | undefined): boolean {
  return s?.abbrev[1] === 'c';
}

/** One package's `apt-cache policy` block. */
export interface Policy {
  installed?: string;
  candidate?: string;
  /** Versions in the version table, in apt's order (highest first). */
  versions: string[];
}

export function parsePolicy(out: string): Map<string, Policy> {
  const m = new Map<string, Policy>();
  let cur: Policy | undefined;
  let inTable = false;
  for (const line of out.split('\n')) {
    const head = /^(\S+):$/.exec(line);
    if (head) {
      cur = { versions: [] };
      m.set(head[1]!, cur);
      inTable = false;
      continue;
    }
    if (!cur) continue;
    const kv = /^ {2}(Installed|Candidate): (.*)$/.exec(line);
    if (kv) {
      const v = kv[2]!.trim();
      if (v !== '(none)') cur[kv[1] === 'Installed' ? 'installed' : 'candidate'] = v;
      continue;
    }
    if (/^ {2}Version table:/.test(line)) {
      inTable = true;
      continue;
    }
    // Version lines: ` *** 1.2-3 500` or `     1.2-3 500`; their sources are indented further.
    const ver = inTable ? /^ (?:\*\*\*| {3}) (\S+) -?\d+$/.exec(line) : null;
    if (ver) cur.versions.push(ver[1]!);
  }
  return m;
}

/** A requested package: `nginx`, `nginx=1.22*` (fnmatch pattern on the version). */
export interface PackageSpec {
  name: string;
  version?: string;
}

export function parseSpec(spec: string): PackageSpec {
  const s = spec.trim();
  const eq = s.indexOf('=');
  return eq > 0 ? { name: s.slice(0, eq), version: s.slice(eq + 1) } : { name: s };
}

/** Python's fnmatch on a version: `*`, `?` and `[...]`, the whole string (the inventory's translation of it). */
export function fnmatch(value: string, pattern: string): boolean {
  return fnmatchToRegExp(pattern).test(value);
}

/**
 * The version to install for a pattern: the candidate when it matches, else the first matching
 * version of the table (Ansible's package_status picks the same).
 */
export function versionFor(policy: Policy, pattern: string): string | undefined {
  if (policy.candidate && fnmatch(policy.candidate, pattern)) return policy.candidate;
  return policy.versions.find((v) => fnmatch(v, pattern));
}

/** One line of an apt-get simulation that changes a package. */
export interface SimStep {
  op: 'install' | 'upgrade' | 'downgrade' | 'reinstall' | 'remove' | 'purge';
  name: string;
  /** The version installed before, if any. */
  from?: string;
  /** The version after (installs and upgrades). */
  to?: string;
}

/**
 * `apt-get -s` lines: `Inst name [old] (new Release [arch])`, `Inst name (new ...)`,
 * `Remv name [old]`, `Purg name [old]`. `Conf` lines repeat `Inst` and are skipped.
 */
export function parseSimulation(out: string): SimStep[] {
  const steps: SimStep[] = [];
  for (const line of out.split('\n')) {
    const inst = /^Inst (\S+)(?: \[([^\]]+)\])? \((\S+)/.exec(line);
    if (inst) {
      const [, name, from, to] = inst;
      const op = from === undefined ? 'install' : from === to ? 'reinstall' : compareVersions(to!, from) > 0 ? 'upgrade' : 'downgrade';
      steps.push({ op, name: name!, ...(from !== undefined ? { from } : {}), to: to! });
      continue;
    }
    const rm = /^(Remv|Purg) (\S+)(?: \[([^\]]+)\])?/.exec(line);
    if (rm) steps.push({ op: rm[1] === 'Purg' ? 'purge' : 'remove', name: rm[2]!, ...(rm[3] !== undefined ? { from: rm[3] } : {}) });
  }
  return steps;
}

/** Debian version comparison (epoch:upstream-revision, `~` sorts before everything). */
export function compareVersions(a: string, b: string): number {
  const split = (v: string): [number, string, string] => {
    const colon = v.indexOf(':');
    const epoch = colon > 0 ? Number(v.slice(0, colon)) : 0;
    const rest = colon > 0 ? v.slice(colon + 1) : v;
    const dash = rest.lastIndexOf('-');
    return dash > 0 ? [epoch, rest.slice(0, dash), rest.slice(dash + 1)] : [epoch, rest, ''];
  };
  const [ea, ua, ra] = split(a);
  const [eb, ub, rb] = split(b);
  if (ea !== eb) return ea - eb;
  return comparePart(ua, ub) || comparePart(ra, rb);
}

function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

function comparePart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // The non-digit prefix, compared character by character in dpkg's order.
    while ((i < a.length && !/\d/.test(a[i]!)) || (j < b.length && !/\d/.test(b[j]!))) {
      const ca = i < a.length && !/\d/.test(a[i]!) ? a[i] : undefined;
      const cb = j < b.length && !/\d/.test(b[j]!) ? b[j] : undefined;
      const d = order(ca) - order(cb);
      if (d !== 0) return d;
      if (ca !== undefined) i++;
      if (cb !== undefined) j++;
    }
    let na = '';
    let nb = '';
    while (i < a.length && /\d/.test(a[i]!)) na += a[i++];
    while (j < b.length && /\d/.test(b[j]!)) nb += b[j++];
    const d = Number(na || '0') - Number(nb || '0');
    if (d !== 0) return d;
  }
  return 0;
}
