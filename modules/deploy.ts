/**
 * deploy: Capistrano-style releases of a git repository under `path`:
 *
 *   path/releases/<release>   one checkout per release (the commit's first 12 hex digits by default)
 *   path/current              a relative symlink to the live release
 *   path/revisions.log        one line per switch: time, deployed|rolled-back, release, commit, previous
 *
 * `state: present` checks `version` out into a new release (or reuses the release of that
 * commit), switches `current` to it and keeps `keep_releases` releases (never removing the live
 * one); it is idempotent: a host whose live release already has the commit is not touched.
 * `state: rollback` switches `current` to the release `steps` before the live one; it moves every
 * time it runs, so it says so (check mode: "would run").
 *
 * The switch is atomic: a new symlink beside `current`, renamed over it with `mv -T` (rename(2)),
 * so `current` is never missing, unlike `ln -sfn`, which unlinks first. Releases are ordered by
 * their last `deployed` line in revisions.log (releases the log does not know come first, by name).
 * One probe reads the link, the releases with their commits, the log and the remote (ls-remote).
 */
import { defineModule } from '../runner/module.js';
import type { Action, Effect, FileDiff, Plan, Predicted, TaskResult } from '../runner/module.types.js';
import { sh } from '../runner/shell.js';
import { UMASK_LINE } from './_lib/probe.js';
import { checkoutEffects, cloneScript, envLines, lsRemoteLines, parseGitProbe, resolveTarget, type RemoteRefs } from './_lib/git.js';
import { deployDefinition, type DeployParams } from './deploy.params.js';

export type { DeployParams } from './deploy.params.js';

export interface DeployTaskResult extends TaskResult {
  /** The live release after the task. */
  live: string | null;
  /** The release live before the task. */
  previous: string | null;
  /** Its commit. */
  commit?: string;
  /** Releases removed by keep_releases. */
  removed: string[];
  /** The releases left, oldest first. */
  releases: string[];
}

export interface DeployState {
  gitMissing?: boolean;
  /** The target of `current` (e.g. `releases/abc`), undefined when there is no link. */
  current?: string;
  /** `current` exists but is not a symlink. */
  currentNotLink?: boolean;
  /** Release name → HEAD commit ('' when not a checkout). */
  releases: Map<string, string>;
  /** revisions.log lines. */
  log: string[];
  umask?: number;
  remote?: { ok: true; refs: RemoteRefs } | { ok: false; error: string };
}

const LOG = 'revisions.log';

function probeScript(p: DeployParams): string {
  const lines = [
    'command -v git >/dev/null 2>&1 || { echo nogit; exit 0; }',
    ...envLines(p),
    sh`p=${p.path}; v=${p.version ?? 'HEAD'}; hb=`,
    UMASK_LINE,
    'if [ -L "$p/current" ]; then printf "current %s\\n" "$(readlink -- "$p/current")"; elif [ -e "$p/current" ]; then echo current_not_link; fi',
    'for r in "$p"/releases/*; do [ -d "$r" ] && printf "release %s %s\\n" "${r##*/}" "$(git -C "$r" rev-parse -q --verify HEAD)"; done',
    // The order of releases needs only the recent lines.
    `[ -f "$p/${LOG}" ] && tail -n 1000 -- "$p/${LOG}" | while IFS= read -r l; do printf "log %s\\n" "$l"; done`,
  ];
  if ((p.state ?? 'present') === 'present') lines.push(lsRemoteLines(p.repo));
  return lines.join('\n') + '\ntrue\n';
}

export function parseDeployProbe(out: string): DeployState {
  const state: DeployState = { releases: new Map(), log: [] };
  if (out.split('\n').includes('nogit')) return { ...state, gitMissing: true };
  for (const line of out.split('\n')) {
    if (line.startsWith('current ')) state.current = line.slice('current '.length);
    else if (line === 'current_not_link') state.currentNotLink = true;
    else if (line.startsWith('release ')) {
      const [name = '', head = ''] = line.slice('release '.length).split(' ');
      state.releases.set(name, head);
    } else if (line.startsWith('log ')) state.log.push(line.slice('log '.length));
  }
  const { remote, umask } = parseGitProbe(out);
  return { ...state, ...(remote ? { remote } : {}), ...(umask !== undefined ? { umask } : {}) };
}

/** Releases oldest first: those the log never deployed (by name), then by their last `deployed` line. */
export function releaseOrder(releases: Iterable<string>, log: readonly string[]): string[] {
  const last = new Map<string, number>();
  log.forEach((line, i) => {
    const m = /^\S+ deployed release=(\S+)/.exec(line);
    if (m) last.set(m[1]!, i);
  });
  const names = [...releases];
  const unknown = names.filter((n) => !last.has(n)).sort();
  const known = names.filter((n) => last.has(n)).sort((a, b) => last.get(a)! - last.get(b)!);
  return [...unknown, ...known];
}

/** The live release's name from the link target (`releases/abc` or an absolute path to it). */
function liveRelease(p: DeployParams, current: string | undefined): string | undefined {
  if (current === undefined) return undefined;
  for (const prefix of ['releases/', `${p.path.replace(/\/+$/, '')}/releases/`]) {
    const name = current.startsWith(prefix) ? current.slice(prefix.length).replace(/\/$/, '') : undefined;
    if (name && !name.includes('/')) return name;
  }
  return undefined;
}

/** Switch `current` atomically and log it: a new link beside it, renamed over it. */
function switchAction(p: DeployParams, release: string, action: 'deployed' | 'rolled-back', commit: string, previous: string | undefined): Action {
  return {
    kind: 'run',
    describe: `switch ${p.path}/current to releases/${release}`,
    script: [
      'set -e',
      sh`p=${p.path}; tmp="$p/.current.hostwright.$$"`,
      sh`ln -s -- releases/${release} "$tmp"`,
      // rename(2) replaces the old link in one step: `current` is never missing.
      'mv -T -- "$tmp" "$p/current" || { rc=$?; rm -f -- "$tmp"; exit "$rc"; }',
      sh`printf '%s %s release=%s commit=%s previous=%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" ${action} ${release} ${commit || '-'} ${previous ?? '-'} >> "$p/${LOG}"`,
    ].join('\n'),
  };
}

function linkDiff(p: DeployParams, before: string | undefined, after: string): FileDiff {
  const header = `${p.path}/current`;
  return { before: before !== undefined ? `releases/${before}\n` : '', after: `releases/${after}\n`, before_header: header, after_header: header };
}

export function planDeploy(p: DeployParams, s: DeployState): Plan {
  const live = liveRelease(p, s.current);
  const order = releaseOrder(s.releases.keys(), s.log);
  const base = { live: live ?? null, previous: live ?? null, removed: [] as string[], releases: order };
  const fail = (msg: string): Plan => ({ changed: false, actions: [], failed: msg, result: base });
  if (s.gitMissing) return fail('git is not installed on the host (no `git` in PATH)');
  if (s.currentNotLink) return fail(`${p.path}/current exists and is not a symlink; move it away first`);
  if (s.current !== undefined && live === undefined) return fail(`${p.path}/current points at ${s.current}, not at a release under ${p.path}/releases`);

  if (p.state === 'rollback') {
    if (live === undefined) return fail(`nothing to roll back: ${p.path}/current does not exist`);
    const at = order.indexOf(live);
    const steps = p.steps ?? 1;
    const target = order[at - steps];
    if (at < 0 || target === undefined) {
      return fail(`cannot roll back ${steps} release(s): ${p.path}/releases has ${Math.max(at, 0)} release(s) before the live one ${live} (${order.join(', ') || 'none'})`);
    }
    const commit = s.releases.get(target) ?? '';
    return {
      changed: true,
      nonIdempotent: true,
      actions: [switchAction(p, target, 'rolled-back', commit, live)],
      diffs: [linkDiff(p, live, target)],
      summary: `rolled back from ${live} to ${target}`,
      result: { ...base, live: target, commit, releases: order },
      effects: switchEffects(p, target),
    };
  }

  if (!s.remote) return fail('the remote was not asked (internal error)');
  if (!s.remote.ok) return fail(`Failed to reach the repository ${p.repo}: ${s.remote.error}`);
  const target = resolveTarget(p.version ?? 'HEAD', s.remote.refs, undefined);
  if ('error' in target) return fail(target.error);
  if (target.sha === undefined) return fail(`version '${p.version}' is neither a branch nor a tag of ${p.repo}: give the full commit id`);
  const commit = target.sha;
  const release = p.release ?? commit.slice(0, 12);
  const existing = s.releases.get(release);
  if (existing !== undefined && existing !== commit) {
    return fail(`release ${release} exists with commit ${existing || '(not a checkout)'}, not ${commit}: give another release name`);
  }
  if (live === release) return { changed: false, actions: [], result: { ...base, commit } };

  // After this deploy the release is the newest; the oldest beyond keep_releases go.
  const after = [...order.filter((r) => r !== release), release];
  const removed = after.slice(0, Math.max(0, after.length - (p.keep_releases ?? 5))).filter((r) => r !== release);
  const kept = after.filter((r) => !removed.includes(r));
  const dest = `${p.path.replace(/\/+$/, '')}/releases/${release}`;
  const actions: Action[] = [];
  if (existing === undefined) {
    const request = {
      dest, repo: p.repo, remote: p.remote ?? 'origin', target, ssh: p,
      ...(p.depth !== undefined ? { depth: p.depth } : {}), ...(p.umask !== undefined ? { umask: p.umask } : {}),
    };
    actions.push({ kind: 'run', script: cloneScript(request), describe: `git clone ${p.repo} ${dest}` });
  }
  actions.push(switchAction(p, release, 'deployed', commit, live));
  if (removed.length > 0) {
    actions.push({ kind: 'run', describe: `remove old releases ${removed.join(' ')}`, script: sh`cd -- ${p.path}/releases && rm -rf -- ${removed}` });
  }
  return {
    changed: true,
    actions,
    diffs: [linkDiff(p, live, release)],
    summary: `${release} (${commit.slice(0, 12)}) is live${removed.length ? `; removed ${removed.join(', ')}` : ''}`,
    result: { live: release, previous: live ?? null, commit, removed, releases: kept },
    // The directories above the release first: an effect on a directory recorded after the
    // checkout's would hide the checkout below it (a new directory is predicted empty).
    effects: [
      ...switchEffects(p, release),
      ...(existing === undefined ? checkoutEffects({ dest, repo: p.repo }, commit, true, p.umask !== undefined ? parseInt(p.umask, 8) : s.umask) : []),
      ...removed.map((r): Effect => ({ kind: 'path', path: `${rootOf(p)}/releases/${r}`, state: 'absent' })),
    ],
  };
}

const rootOf = (p: DeployParams) => p.path.replace(/\/+$/, '');

/** `current` as the switch leaves it, and the log it appends to (content unknown: it has the time). */
function switchEffects(p: DeployParams, release: string): Effect[] {
  return [
    { kind: 'path', path: rootOf(p), state: 'directory' },
    { kind: 'path', path: `${rootOf(p)}/releases`, state: 'directory' },
    // A symlink's own mode is always 0777 on Linux.
    { kind: 'path', path: `${rootOf(p)}/current`, state: 'link', src: `releases/${release}`, mode: 0o777 },
    { kind: 'path', path: `${rootOf(p)}/${LOG}`, state: 'exists' },
  ];
}

/**
 * Check mode: releases and the link as earlier deploy tasks of this run would leave them (their
 * commits from the git effects), so a second deploy task in a play plans on the first one's result.
 */
export function overlayDeploy(observed: DeployState, predicted: Predicted, p: DeployParams): DeployState {
  const root = rootOf(p);
  const s = p.repo.startsWith('/') ? overlayLocalRemote(observed, predicted, p.repo) : observed;
  const link = predicted.path(`${root}/current`);
  const releases = new Map(s.releases);
  let touched = false;
  for (const name of new Set([...releases.keys(), ...(link && link.state === 'link' && link.src ? [link.src.replace(/^releases\//, '')] : [])])) {
    const dir = `${root}/releases/${name}`;
    const git = predicted.git(dir);
    if (git?.version) { releases.set(name, git.version); touched = true; }
    else if (predicted.path(dir)?.state === 'absent') { releases.delete(name); touched = true; }
  }
  if (link?.state === 'unknown') predicted.unpredictable(link.by, `${root}/current`);
  if (link?.state === 'link' && link.src !== undefined) return { ...s, releases, current: link.src, log: s.log };
  return touched ? { ...s, releases } : s;
}

/**
 * A repository on the host that an earlier task publishes to (git_publish's git effect: the branch
 * and its commit) is the remote as that task leaves it. One that an earlier task makes otherwise
 * (a directory committed by a command) cannot be read before that task ran: the task says so
 * rather than fail on the missing remote.
 */
function overlayLocalRemote(s: DeployState, predicted: Predicted, repo: string): DeployState {
  const published = predicted.git(repo);
  if (published?.version !== undefined && published.branch !== undefined) {
    const observed = s.remote?.ok ? s.remote.refs : { refs: new Map<string, string>() };
    const refs = new Map(observed.refs).set(`refs/heads/${published.branch}`, published.version);
    const onHead = observed.headBranch === undefined || observed.headBranch === published.branch;
    if (onHead) refs.set('HEAD', published.version);
    return { ...s, remote: { ok: true, refs: { refs, headBranch: onHead ? published.branch : observed.headBranch! } } };
  }
  if (s.remote?.ok === false) {
    const made = predicted.path(`${repo.replace(/\/+$/, '')}/.git`) ?? predicted.path(repo);
    if (made) predicted.unpredictable(made.by, `the repository ${repo}`);
  }
  return s;
}

export const deploy = defineModule<DeployParams, DeployState, DeployTaskResult>({
  ...deployDefinition,
  async gather(p, probe) {
    return parseDeployProbe((await probe.run(probeScript(p))).stdout);
  },
  plan: planDeploy,
  overlay: overlayDeploy,
});
