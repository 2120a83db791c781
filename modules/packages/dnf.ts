/**
 * dnf: RPM packages on Fedora/RHEL, with ansible-core's dnf parameter names and states.
 *
 * Observe: one round trip asks rpm which installed packages match each name (`rpm -qa` takes the
 * name-version globs dnf takes: `nginx-1.22*`); a converged host stops there. Otherwise dnf
 * resolves the transaction without doing it (`--assumeno`, the same options as the run), and
 * the plan is that table: packages installed, upgraded, downgraded and removed, with versions.
 * Apply: one `dnf -y` call per verb (install for missing packages, upgrade for state=latest,
 * remove for absent), every name in it.
 * Tested from rpm/dnf output recorded on a lab host (test/unit/modules/dnf.test.ts); run by hand
 * on a lab host with Debian's dnf 4.14 and a createrepo_c repository (not in the e2e suite:
 * installing dnf there costs about a minute per CI run).
 */
import { defineModule } from '../../runner/module.js';
import type { Plan, Probe } from '../../runner/module.types.js';
import { sh } from '../../runner/shell.js';
import { packageDiff, packageResult, type TransactionStep } from './transaction.js';
import { packageEffects } from './predict.js';
import { dnfDefinition, type DnfParams, SPEC, dnfNames } from './dnf.params.js';

export { dnfIssues, dnfNames } from './dnf.params.js';
export type { DnfParams } from './dnf.params.js';

export interface DnfState {
  /** For each spec, the installed packages matching it (`name epoch:version-release.arch`). */
  installed: Map<string, string[]>;
  steps: TransactionStep[];
  verbs: DnfVerb[];
  problem?: string;
}

export interface DnfVerb {
  verb: 'install' | 'upgrade' | 'remove' | 'autoremove';
  specs: string[];
}

/**
 * `rpm -q` per spec (it matches name-version globs as dnf does); each installed match is printed
 * as `SPEC NAME|EPOCH:VERSION-RELEASE.ARCH` (a spec that matches nothing prints "package ... is
 * not installed", which has no `|`).
 */
export function rpmQueryScript(specs: string[]): string {
  return specs.map((s) => sh`rpm -q --qf ${`${s} %{NAME}|%{EPOCHNUM}:%{VERSION}-%{RELEASE}.%{ARCH}\n`} -- ${s} 2>/dev/null`).join('\n') + '\ntrue\n';
}

export function parseRpmQuery(out: string, specs: string[]): Map<string, string[]> {
  const m = new Map<string, string[]>(specs.map((s) => [s, []]));
  for (const line of out.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp < 0 || !line.includes('|')) continue;
    m.get(line.slice(0, sp))?.push(line.slice(sp + 1).replace('|', ' '));
  }
  return m;
}

/** The dnf commands the state asks for, from what rpm reported. */
export function dnfVerbs(p: DnfParams, installed: Map<string, string[]>): DnfVerb[] {
  const has = (s: string): boolean => (installed.get(s) ?? []).length > 0;
  const specs = [...installed.keys()];
  const verbs: DnfVerb[] = [];
  if (p.state === 'absent') {
    const rm = specs.filter(has);
    if (rm.length) verbs.push({ verb: 'remove', specs: rm });
  } else {
    const missing = specs.filter((s) => !has(s));
    if (missing.length) verbs.push({ verb: 'install', specs: missing });
    // latest: dnf decides whether an installed package has an upgrade (its transaction may be empty).
    const present = specs.filter(has);
    if (p.state === 'latest' && present.length) verbs.push({ verb: 'upgrade', specs: present });
  }
  if (p.autoremove && verbs.length === 0) verbs.push({ verb: 'autoremove', specs: [] });
  return verbs;
}

export function dnfOptions(p: DnfParams): string[] {
  return [`--setopt=install_weak_deps=${p.install_weak_deps === false ? 'False' : 'True'}`];
}

/**
 * dnf's transaction table (`dnf --assumeno ...`): section headers (`Installing:`, `Upgrading:`,
 * `Installing dependencies:`, `Removing:`, `Downgrading:`, ...) followed by
 * ` name  arch  version  repo  size` rows; `replacing` rows name the version an upgrade replaces.
 */
export function parseDnfTransaction(out: string): TransactionStep[] {
  const steps: TransactionStep[] = [];
  let op: TransactionStep['op'] | undefined;
  for (const line of out.split('\n')) {
    const section = /^([A-Z][a-z]+(?: [a-z ]+)?):$/.exec(line);
    if (section) {
      const word = section[1]!.split(' ')[0];
      op = word === 'Installing' ? 'install' : word === 'Upgrading' ? 'upgrade' : word === 'Downgrading' ? 'downgrade' : word === 'Reinstalling' ? 'reinstall' : word === 'Removing' || word === 'Erasing' ? 'remove' : undefined;
      continue;
    }
    if (!op || !line.startsWith(' ')) {
      if (!line.startsWith(' ')) op = line.trim() === '' ? op : undefined;
      continue;
    }
    const cols = line.trim().split(/\s+/);
    if (cols[0] === 'replacing') {
      const last = steps[steps.length - 1];
      if (last && cols[1]?.startsWith(`${last.name}.`)) last.from = cols[2]!;
      continue;
    }
    if (cols.length < 4) continue;
    const [name, , version] = cols;
    steps.push(op === 'remove' ? { op, name: name!, from: version! } : { op, name: name!, to: version! });
  }
  return steps;
}

export async function gatherDnf(p: DnfParams, probe: Probe): Promise<DnfState> {
  const specs = dnfNames(p.name);
  const q = await probe.run(rpmQueryScript(specs));
  const installed = parseRpmQuery(q.stdout, specs);
  if (q.rc !== 0) return { installed, steps: [], verbs: [], problem: `rpm query failed: ${q.stderr.trim()}` };
  const verbs = dnfVerbs(p, installed);
  if (verbs.length === 0) return { installed, steps: [], verbs };
  // Not -q: dnf prints its transaction table only without it.
  const script = verbs.map((v) => sh`LC_ALL=C dnf --assumeno ${dnfOptions(p)} ${v.verb} ${v.specs} 2>&1`).join('\n') + '\ntrue\n';
  const sim = await probe.run(script);
  const errors = sim.stdout.split('\n').filter((l) => /^(Error|No match for argument)/.test(l));
  if (errors.length > 0) return { installed, steps: [], verbs, problem: errors.join(' ') };
  return { installed, steps: withInstalledVersions(parseDnfTransaction(sim.stdout), installed), verbs };
}

/** dnf's table names only the new version of an upgrade or downgrade: the old one comes from rpm. */
export function withInstalledVersions(steps: TransactionStep[], installed: Map<string, string[]>): TransactionStep[] {
  const versions = new Map<string, string>();
  for (const list of installed.values()) {
    for (const entry of list) {
      const [name, evra] = entry.split(' ');
      // `0:2.0-1.noarch` → `2.0-1` (dnf's table shows no epoch 0 and no arch).
      if (name && evra) versions.set(name, evra.replace(/^0:/, '').replace(/\.[^.]+$/, ''));
    }
  }
  return steps.map((s) => ((s.op === 'upgrade' || s.op === 'downgrade') && versions.has(s.name) ? { ...s, from: versions.get(s.name)! } : s));
}

export function planDnf(p: DnfParams, s: DnfState): Plan {
  if (s.problem) return { changed: false, actions: [], failed: s.problem };
  if (s.steps.length === 0 && !p.update_cache) return { changed: false, actions: [], result: { results: [] } };
  const lines = ['export LC_ALL=C'];
  if (p.update_cache) lines.push('dnf -q makecache');
  for (const v of s.verbs) lines.push(sh`dnf -y -q ${dnfOptions(p)} ${v.verb} ${v.specs}`);
  return {
    changed: true,
    actions: [{ kind: 'run', script: lines.join(' && \\\n') + '\n', describe: `dnf: ${s.verbs.map((v) => v.verb).join(', ') || 'makecache'}` }],
    ...(s.steps.length > 0 ? { diffs: [packageDiff(s.steps)] } : {}),
    result: packageResult(s.steps),
    effects: packageEffects(s.steps),
  };
}

export const dnf = defineModule<DnfParams, DnfState>({
  ...dnfDefinition,
  gather: (p, probe) => gatherDnf(p, probe),
  plan: (p, s) => planDnf(p, s),
});
