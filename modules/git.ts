/**
 * git: a checkout of a repository at `version` (branch, tag or commit), ansible-core's parameters
 * and result keys (`before`, `after`, `remote_url_changed`) plus `changed_files`.
 *
 * One probe reads the checkout and asks the remote (`git ls-remote`, run on the host in the same
 * command), so the plan knows the commit the run will check out: `changed` means the checkout
 * moves (or local modifications are discarded, or the remote URL changes); a remote with new
 * commits on other refs is not a change, and a converged host is never fetched. An unreachable
 * remote fails the task before anything on the host is touched.
 * Not implemented: bare, refspec, reference, recursive/track_submodules, separate_git_dir,
 * verify_commit/gpg_whitelist, archive, executable.
 */
import { defineModule } from '../runner/module.js';
import type { FileDiff, Plan, Predicted, Probe, TaskResult } from '../runner/module.types.js';
import { parseTree, treeScript } from './_lib/git-tree.js';
import {
  atTarget, checkoutEffects, checkoutResult, cloneScript, depthWarning, gitProbeScript, parseGitProbe, repoUrl, resolveTarget, sameRepo,
  updateScript, type GitProbe, type GitSshOptions, type Target,
} from './_lib/git.js';
import { gitDefinition, type GitParams } from './git.params.js';

export type { GitParams } from './git.params.js';

/** What `register` gets: ansible-core's keys, and the files the checkout changed. */
export interface GitTaskResult extends TaskResult {
  before: string | null;
  after: string | null;
  remote_url_changed?: boolean;
  changed_files?: string[];
}

function sshOf(p: GitParams): GitSshOptions {
  return {
    ...(p.key_file !== undefined ? { key_file: p.key_file } : {}),
    ...(p.accept_hostkey ? { accept_hostkey: true } : {}),
    ...(p.accept_newhostkey ? { accept_newhostkey: true } : {}),
    ...(p.ssh_opts !== undefined ? { ssh_opts: p.ssh_opts } : {}),
  };
}

/** The diff: the commit before and after (the file list is known only once the run fetched). */
function commitDiff(dest: string, before: string | undefined, after: string): FileDiff {
  return { before: before ? `${before}\n` : '', after: `${after}\n`, before_header: `${dest} (commit)`, after_header: `${dest} (commit)` };
}

export function planGit(p: GitParams, probe: GitProbe): Plan {
  const remote = p.remote ?? 'origin';
  const version = p.version ?? 'HEAD';
  const checkout = probe.checkout;
  const before = checkout?.head;
  const base = { before: before ?? null, after: before ?? null };
  const fail = (msg: string): Plan => ({ changed: false, actions: [], failed: msg, result: base });
  if (probe.gitMissing) return fail('git is not installed on the host (no `git` in PATH)');
  if (probe.dest === 'notdir') return fail(`Destination path '${p.dest}' exists and is not a directory`);
  if (probe.dest === 'nonempty') return fail(`Destination path '${p.dest}' already exists and is not an empty directory (and has no git checkout)`);
  if (checkout && p.update === false) return { changed: false, actions: [], result: base };
  if (checkout && checkout.mods.length > 0 && !p.force) {
    return fail(`Local modifications exist in the destination: ${p.dest} (force=no): ${checkout.mods.map((m) => m.trim()).join(', ')}`);
  }
  if (!probe.remote) return fail('the remote was not asked (internal error)');
  if (!probe.remote.ok) return fail(`Failed to reach the repository ${p.repo}: ${probe.remote.error}`);
  const target = resolveTarget(version, probe.remote.refs, checkout);
  if ('error' in target) return fail(target.error);
  const after = target.sha;
  const warnings = [depthWarning(p, target)].filter((w): w is string => w !== undefined);
  const request = { dest: p.dest, repo: p.repo, remote, target, ssh: sshOf(p), ...(p.depth !== undefined ? { depth: p.depth } : {}), ...(p.single_branch ? { single_branch: true } : {}), ...(p.umask !== undefined ? { umask: p.umask } : {}) };
  const result = { before: before ?? null, after: after ?? null, ...(warnings.length ? { warnings } : {}) };

  if (!checkout) {
    // No checkout and clone=false: nothing to do but say what the remote has (ansible-core
    // reports this as changed although it does nothing; Hostwright does not).
    if (p.clone === false) return { changed: false, actions: [], result };
    return {
      changed: true,
      actions: [{ kind: 'run', script: cloneScript(request), describe: `git clone ${repoUrl(p.repo)} ${p.dest}`, result: checkoutResult }],
      diffs: [commitDiff(p.dest, undefined, after ?? version)],
      summary: `cloned ${p.repo} at ${describeTarget(target)} into ${p.dest}`,
      result,
      effects: checkoutEffects(p, after, true, p.umask !== undefined ? parseInt(p.umask, 8) : probe.umask, target.kind === 'branch' ? target.name : undefined, probe.files),
    };
  }
  const urlChanged = checkout.url === undefined || !sameRepo(checkout.url, repoUrl(p.repo));
  const reset = checkout.mods.length > 0;
  const onBranch = target.kind !== 'branch' || checkout.branch === target.name;
  const moves = !atTarget(before, target) || !onBranch;
  if (!moves && !reset && !urlChanged) return { changed: false, actions: [], result: { ...result, remote_url_changed: false } };
  return {
    changed: true,
    actions: [
      {
        kind: 'run',
        script: updateScript({ ...request, before, setUrl: urlChanged, reset }),
        describe: `git checkout ${describeTarget(target)} in ${p.dest}`,
        result: checkoutResult,
      },
    ],
    ...(moves ? { diffs: [commitDiff(p.dest, before, after ?? version)] } : {}),
    summary: reset ? `Local modifications exist in the destination: ${p.dest}` : `${p.dest} at ${describeTarget(target)}`,
    result: { ...result, remote_url_changed: urlChanged },
    effects: checkoutEffects(p, after, false, undefined, target.kind === 'branch' ? target.name : undefined),
  };
}

/** Check mode: a checkout an earlier task would make or move at dest replaces what was observed. */
export function overlayCheckout(s: GitProbe, predicted: Predicted, p: GitParams): GitProbe {
  const earlier = predicted.git(p.dest);
  if (earlier) {
    if (earlier.version === undefined) predicted.unpredictable(earlier.by, `the commit checked out at ${p.dest}`);
    const { branch: _unknownBranch, ...kept } = s.checkout ?? { localBranch: false };
    // On the branch the earlier task checked out (a clone of a branch has it as a local branch).
    const branch = earlier.branch !== undefined ? { branch: earlier.branch, localBranch: true } : {};
    return { ...s, dest: 'repo', checkout: { ...kept, mods: [], head: earlier.version, ...branch, ...(earlier.repo ? { url: earlier.repo } : {}) } };
  }
  const at = predicted.path(p.dest);
  if (at?.state === 'unknown') predicted.unpredictable(at.by, p.dest);
  if (at?.state === 'absent') {
    const { checkout: _gone, ...rest } = s;
    return { ...rest, dest: 'absent' };
  }
  if (at && at.state !== 'directory' && at.state !== 'exists') return { ...s, dest: 'notdir' };
  return s;
}

/** Check mode: a clone to be made reads the files it would check out, for later tasks' predictions. */
async function withCloneTree(p: GitParams, seen: GitProbe, probe: Probe): Promise<GitProbe> {
  if (seen.dest !== 'absent' || p.clone === false || !seen.remote?.ok) return seen;
  const target = resolveTarget(p.version ?? 'HEAD', seen.remote.refs, undefined);
  if ('error' in target || target.sha === undefined) return seen;
  const out = await probe.run(treeScript(p.repo, sshOf(p), { ...target, sha: target.sha }));
  const files = out.rc === 0 ? parseTree(out.stdout) : undefined;
  return files ? { ...seen, files } : seen;
}

function describeTarget(t: Target): string {
  if (t.kind === 'commit') return t.sha ?? t.id;
  return `${t.kind} ${t.name} (${t.sha.slice(0, 12)})`;
}

export const git = defineModule<GitParams, GitProbe, GitTaskResult>({
  ...gitDefinition,
  async gather(p, probe, ctx) {
    const out = await probe.run(
      gitProbeScript({ dest: p.dest, repo: p.repo, remote: p.remote ?? 'origin', version: p.version ?? 'HEAD', ssh: sshOf(p), askRemote: p.update === false ? 'unless-checkout' : 'always' }),
    );
    const seen = parseGitProbe(out.stdout);
    return ctx.check ? withCloneTree(p, seen, probe) : seen;
  },
  plan: planGit,
  overlay: overlayCheckout,
});
