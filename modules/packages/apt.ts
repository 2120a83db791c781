/**
 * apt: Debian packages, with ansible-core's apt parameters, states and defaults.
 *
 * Observe: one round trip reads dpkg's status and `apt-cache policy` of the named packages (and,
 * when the cache is older than cache_valid_time, first refreshes a private copy of the package
 * lists in a temp directory, so the plan is made against what the run will see without touching
 * the host's own lists). When something is to be done, a second round trip asks apt for the
 * transaction (`apt-get -s`, the same options as the run): the plan is exactly that list of
 * installs, upgrades and removals with their versions, and the diff shows it.
 * Apply: one script with DEBIAN_FRONTEND=noninteractive, dpkg's confdef/confold (existing config
 * files are kept), every name in one apt-get call, waiting up to lock_timeout for a held lock.
 *
 * The cache's age is judged by the stamp written after every successful update
 * (/var/lib/apt/periodic/update-success-stamp, which Ansible reads too), not by the lists
 * directory's mtime (ansible#27798: apt does not touch that directory when nothing changed); a
 * host without the stamp has a cache of unknown age, which is refreshed. Refreshing the cache is
 * a change of its own.
 */
import { defineModule } from '../../runner/module.js';
import type { Plan, Probe } from '../../runner/module.types.js';
import { raw, sh } from '../../runner/shell.js';
import { fnmatch, hasConfigOnly, isInstalled, parseDpkgQuery, parsePolicy, parseSimulation, parseSpec, versionFor, type DpkgStatus, type Policy, type SimStep } from './apt-parse.js';
import { contentsArgs, contentsScript, parseContents, type Contents } from './apt-contents.js';
import { packageDiff, packageResult } from './transaction.js';
import { aptEffects, overlayApt } from './predict.js';
import { aptDefinition, type AptParams, nameList } from './apt.params.js';

export { aptSchema, aptIssues, nameList } from './apt.params.js';
export type { AptParams } from './apt.params.js';

export const UPDATE_STAMP = '/var/lib/apt/periodic/update-success-stamp';

export interface AptState {
  /** The cache must be refreshed (older than cache_valid_time, or update_cache without one). */
  cacheStale: boolean;
  dpkg: Map<string, DpkgStatus>;
  policy: Map<string, Policy>;
  /** apt's transaction for the planned command (empty when nothing is to be done). */
  steps: SimStep[];
  /** The apt-get arguments after `install`/`remove`, as planned before simulating. */
  request?: AptRequest;
  /** Why the task cannot proceed (unknown package, apt's refusal, a failed refresh). */
  problem?: string;
  /** Check mode: what the transaction's packages bring (apt-contents.ts). */
  contents?: Contents;
}

export interface AptRequest {
  verb: 'install' | 'remove' | 'autoremove';
  args: string[];
}

const ENV = 'export DEBIAN_FRONTEND=noninteractive DEBIAN_PRIORITY=critical LC_ALL=C LANG=C';

/**
 * The opening `if` of a shell test that holds when the cache must be refreshed. Ansible's rule:
 * refresh unless the stamp's mtime + cache_valid_time >= now, compared with sub-second times, so
 * with cache_valid_time 0 it always refreshes; whole seconds here would skip the refresh in the
 * second the stamp was touched (a quick run after an earlier update did). No stamp: age unknown, refresh.
 */
export function cacheStaleIf(validSeconds: number, stamp: string): string[] {
  return [
    sh`valid=${validSeconds}; stamp=${stamp}`,
    `now=$(date +%s); t=0; if [ -e "$stamp" ]; then t=$(stat -c %Y -- "$stamp"); fi`,
    `if [ "$valid" -eq 0 ] || [ "$t" -eq 0 ] || [ $((t + valid)) -lt "$now" ]; then`,
  ];
}

/**
 * The first probe: whether the cache is stale (and if so, a refreshed private copy of the lists),
 * then dpkg's status and apt's policy of the packages `names` (bare names, no versions).
 */
export function aptStatusScript(p: AptParams, names: string[]): string {
  const wantsUpdate = Boolean(p.update_cache) || (p.cache_valid_time ?? 0) > 0;
  const lines = [ENV, 'lists=; o='];
  if (wantsUpdate) {
    lines.push(
      ...cacheStaleIf(p.cache_valid_time ?? 0, UPDATE_STAMP),
      `  echo stale yes`,
      `  lists=$(mktemp -d /tmp/.hostwright-apt.XXXXXXXX) || exit 1`,
      `  cp -a /var/lib/apt/lists/. "$lists"/ 2>/dev/null; rm -f "$lists/lock"; mkdir -p "$lists/partial"`,
      `  o="-o Dir::State::Lists=$lists -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache="`,
      `  echo "lists $lists"`,
      `  if ! err=$(apt-get -q $o -o APT::Sandbox::User=root update --error-on=any 2>&1 >/dev/null); then printf 'updatefail %s\\n' "$err" | tr '\\n' ' '; echo; fi`,
      `else echo stale no; fi`,
    );
  }
  if (names.length > 0) {
    lines.push(
      `echo '::dpkg::'`,
      sh`dpkg-query -W -f '\${Package}\\t\${db:Status-Abbrev}\\t\${Version}\\n' ${names} 2>/dev/null`,
      `echo '::policy::'`,
      sh`apt-cache $o policy ${names}`,
    );
  }
  return lines.join('\n') + '\n';
}

export interface StatusOutput {
  stale: boolean;
  lists?: string;
  updateError?: string;
  dpkg: Map<string, DpkgStatus>;
  policy: Map<string, Policy>;
}

export function parseStatusOutput(out: string): StatusOutput {
  const [head = '', rest = ''] = splitOnce(out, '::dpkg::\n');
  const [dpkgText = '', policyText = ''] = splitOnce(rest, '::policy::\n');
  const fields = new Map<string, string>();
  for (const l of head.split('\n')) {
    const sp = l.indexOf(' ');
    if (sp > 0) fields.set(l.slice(0, sp), l.slice(sp + 1));
  }
  const lists = fields.get('lists');
  const err = fields.get('updatefail');
  return {
    stale: fields.get('stale') === 'yes',
    ...(lists ? { lists } : {}),
    ...(err !== undefined ? { updateError: err.trim() } : {}),
    dpkg: parseDpkgQuery(dpkgText),
    policy: parsePolicy(policyText),
  };
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + sep.length)];
}

/** apt-get options shared by the simulation and the run, so both plan the same transaction. */
export function aptOptions(p: AptParams): string[] {
  const o = (p.dpkg_options ?? 'force-confdef,force-confold').split(',').filter(Boolean).flatMap((d) => ['-o', `Dpkg::Options::=--${d}`]);
  if (p.install_recommends !== undefined) o.push('-o', `APT::Install-Recommends=${p.install_recommends ? 'yes' : 'no'}`);
  if (p.allow_downgrade) o.push('--allow-downgrades');
  if (p.autoremove) o.push('--auto-remove');
  if (p.purge && p.state === 'absent') o.push('--purge');
  return o;
}

/**
 * What to ask apt for, from dpkg's status and the policy (Ansible's package_status rules): the
 * packages to install (pinned to the version chosen for a pattern) or to remove.
 */
export function aptRequest(p: AptParams, names: string[], dpkg: Map<string, DpkgStatus>, policy: Map<string, Policy>): AptRequest | { failed: string } | undefined {
  const args: string[] = [];
  for (const n of names) {
    const spec = parseSpec(n);
    const status = dpkg.get(spec.name);
    const pol = policy.get(spec.name);
    if (p.state === 'absent') {
      if (isInstalled(status) || (p.purge && hasConfigOnly(status))) args.push(spec.name);
      continue;
    }
    const installed = isInstalled(status) ? status!.version : undefined;
    if (spec.version !== undefined) {
      // An installed version matching the pattern is present (also for latest, as in Ansible).
      if (installed !== undefined && fnmatch(installed, spec.version)) continue;
      const version = pol ? versionFor(pol, spec.version) : undefined;
      if (version === undefined) return { failed: `no available installation candidate for ${n}` };
      args.push(`${spec.name}=${version}`);
      continue;
    }
    if (!pol || (pol.candidate === undefined && installed === undefined)) return { failed: `No package matching '${spec.name}' is available` };
    if (installed === undefined || (p.state === 'latest' && pol.candidate !== undefined && pol.candidate !== installed)) args.push(spec.name);
  }
  if (args.length > 0) return { verb: p.state === 'absent' ? 'remove' : 'install', args };
  if (p.autoremove) return { verb: 'autoremove', args: [] };
  return undefined;
}

/** `keepLists`: a later probe (apt-contents) still needs the refreshed private lists. */
export function simulateScript(p: AptParams, req: AptRequest, lists: string | undefined, keepLists = false): string {
  const o = lists ? sh`-o Dir::State::Lists=${lists} -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=` : '';
  return [
    ENV,
    sh`apt-get -s -q ${raw(o)} ${aptOptions(p)} ${req.verb} ${req.args}; rc=$?`,
    lists && !keepLists ? sh`rm -rf -- ${lists}` : '',
    'exit $rc',
  ].filter(Boolean).join('\n') + '\n';
}

export async function gatherApt(p: AptParams, probe: Probe, check = false): Promise<AptState> {
  const names = nameList(p.name);
  const first = await probe.run(aptStatusScript(p, [...new Set(names.map((n) => parseSpec(n).name))]));
  const status = parseStatusOutput(first.stdout);
  const base = { cacheStale: status.stale, dpkg: status.dpkg, policy: status.policy, steps: [] as SimStep[] };
  const cleanup = async (): Promise<void> => {
    if (status.lists) await probe.run(sh`rm -rf -- ${status.lists}`);
  };
  if (first.rc !== 0) {
    await cleanup();
    return { ...base, problem: `reading the package state failed: ${first.stderr.trim()}` };
  }
  if (status.updateError !== undefined) {
    await cleanup();
    return { ...base, problem: `Failed to update apt cache: ${status.updateError || 'unknown reason'}` };
  }
  const req = aptRequest(p, names, status.dpkg, status.policy);
  if (req === undefined || 'failed' in req) {
    await cleanup();
    return req ? { ...base, problem: req.failed } : base;
  }
  // Only a check run reads what new packages bring (for later tasks' predictions): it needs the lists once more.
  const readContents = check && req.verb === 'install';
  const sim = await probe.run(simulateScript(p, req, status.lists, readContents));
  if (sim.rc !== 0) {
    if (readContents) await cleanup();
    return { ...base, request: req, problem: `'apt-get ${req.verb}' would fail: ${(sim.stderr.trim() || sim.stdout.trim()).split('\n').filter((l) => l.startsWith('E:')).join(' ') || sim.stderr.trim()}` };
  }
  const steps = parseSimulation(sim.stdout);
  let contents: Contents | undefined;
  if (readContents) {
    if (steps.some((st) => st.op === 'install')) contents = await gatherContents(probe, contentsArgs(status.lists, aptOptions(p), req.args));
    await cleanup();
  }
  // apt-get -s does not refuse a downgrade the way the run does: say now what the run would say.
  if (!p.allow_downgrade && steps.some((st) => st.op === 'downgrade')) {
    return { ...base, request: req, problem: `'apt-get ${req.verb}' would fail: E: Packages were downgraded and -y was used without --allow-downgrades.` };
  }
  return { ...base, request: req, steps, ...(contents ? { contents } : {}) };
}

/** What the transaction's new packages bring; nothing (no prediction) when apt cannot download them. */
async function gatherContents(probe: Probe, args: string): Promise<Contents | undefined> {
  const out = await probe.run(contentsScript(args));
  if (out.rc !== 0) return undefined;
  const parsed = parseContents(out.stdout);
  return 'packages' in parsed ? parsed : undefined;
}

/** The run: refresh (waiting for the lists lock), stamp, then one apt-get call with every name. */
export function applyScript(p: AptParams, update: boolean, req: AptRequest | undefined): string {
  const timeout = p.lock_timeout ?? 60;
  const lines = [ENV, sh`deadline=$(($(date +%s) + ${timeout}))`];
  if (update) {
    lines.push(
      // apt-get update has no lock timeout of its own: retry while another process holds the lock.
      `while ! err=$(apt-get -q update --error-on=any 2>&1 >/dev/null); do`,
      `  case $err in *'Could not get lock'*|*'Unable to lock'*) [ "$(date +%s)" -lt "$deadline" ] && { sleep 1; continue; } ;; esac`,
      `  printf '%s\\n' "$err" >&2; exit 1`,
      `done`,
      sh`mkdir -p /var/lib/apt/periodic && touch ${UPDATE_STAMP}`,
    );
  }
  if (req) {
    lines.push(
      `left=$((deadline - $(date +%s))); [ "$left" -gt 0 ] || left=0`,
      sh`apt-get -y -q -o DPkg::Lock::Timeout="$left" ${aptOptions(p)} ${req.verb} ${req.args}`,
    );
  }
  return lines.join('\n') + '\n';
}

export function planApt(p: AptParams, s: AptState): Plan {
  const result: Record<string, unknown> = { cache_updated: s.cacheStale };
  if (s.problem) return { changed: false, actions: [], failed: s.problem, result: { ...result, cache_updated: false } };
  const steps = s.steps;
  if (!s.cacheStale && steps.length === 0) return { changed: false, actions: [], result: { ...result, ...packageResult(steps) } };
  const script = applyScript(p, s.cacheStale, steps.length > 0 ? s.request : undefined);
  const what = [s.cacheStale ? 'update the package cache' : '', steps.length > 0 ? `${s.request!.verb} ${steps.length} package(s)` : ''].filter(Boolean).join(', then ');
  return {
    changed: true,
    actions: [{ kind: 'run', script, describe: `apt: ${what}` }],
    ...(steps.length > 0 ? { diffs: [packageDiff(steps)] } : {}),
    summary: what,
    result: { ...result, ...packageResult(steps) },
    effects: aptEffects(s),
  };
}

export const apt = defineModule<AptParams, AptState>({
  ...aptDefinition,
  gather: (p, probe, ctx) => gatherApt(p, probe, ctx.check),
  plan: (p, s) => planApt(p, s),
  overlay: (s, predicted, p) => overlayApt(s, predicted, p),
});
