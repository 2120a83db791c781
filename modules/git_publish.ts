/**
 * git_publish: a directory of the controller published as a commit on a branch of a bare git
 * repository on the host, for hosts that reach no git server (a lab, an air-gapped site): the
 * git and deploy modules then fetch from it as from any remote. A new commit is made only when the
 * directory's content differs from the branch's last commit, so an unchanged directory changes
 * nothing and an edited one is a new release.
 *
 * The commit is the same wherever and whenever it is made: its author and committer are
 * Hostwright, its date the newest modification time of the directory's files, its parent the
 * branch's commit. Its id is therefore known before the run, computed on the controller
 * (_lib/git-objects.ts), and check mode tells a later deploy task which commit (which release) it
 * will check out; the run checks that git wrote exactly that tree and commit, else fails before
 * moving the branch. The files travel inside the run's script (base64): meant for an app's source,
 * not for large assets. An existing repository with a work tree gets its branch moved and its work
 * tree left as it was. No Ansible counterpart.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { defineModule } from '../runner/module.js';
import type { Effect, Plan, Predicted } from '../runner/module.types.js';
import { sh } from '../runner/shell.js';
import { commitId, treeId, type GitFile } from './_lib/git-objects.js';
import { gitPublishDefinition, type GitPublishParams } from './git_publish.params.js';

export type { GitPublishParams } from './git_publish.params.js';

const IDENTITY = { name: 'Hostwright', email: 'hostwright@localhost' };
/** Check mode: a branch's commit and tree as a plan leaves them (repo NUL branch). */
const PUBLISHED = 'git_publish_branch';

export interface GitPublishState {
  problem?: string;
  /** The directory's files, sorted by path. */
  files: GitFile[];
  /** Newest modification time of the files, whole seconds. */
  time: number;
  /** Whether the host's path is a git repository, something else, or absent. */
  repo: 'repo' | 'absent' | 'other';
  /** The branch's commit and tree, when it has one. */
  head?: { commit: string; tree: string };
}

/** The directory's files (links as links), relative and sorted, with the newest mtime. */
function readSource(dir: string): { files: GitFile[]; time: number } {
  const files: GitFile[] = [];
  let time = 0;
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const relPath = rel ? `${rel}/${e.name}` : e.name;
      const full = path.join(dir, relPath);
      const st = lstatSync(full);
      if (e.isDirectory()) {
        walk(relPath);
        continue;
      }
      time = Math.max(time, Math.floor(st.mtimeMs / 1000));
      if (e.isSymbolicLink()) files.push({ path: relPath, mode: '120000', content: Buffer.from(readlinkSync(full)) });
      else if (e.isFile()) files.push({ path: relPath, mode: st.mode & 0o111 ? '100755' : '100644', content: readFileSync(full) });
      else throw new Error(`${full} is neither a file, a link nor a directory`);
    }
  };
  walk('');
  return { files: files.sort((a, b) => (a.path < b.path ? -1 : 1)), time };
}

function probeScript(p: GitPublishParams): string {
  return [
    'command -v git >/dev/null 2>&1 || { echo nogit; exit 0; }',
    sh`r=${p.repo}; b=${p.branch ?? 'main'}`,
    '[ -e "$r" ] || { echo absent; exit 0; }',
    // A repository of its own at r (not one that merely contains r).
    'gd=$(git -C "$r" rev-parse --absolute-git-dir 2>/dev/null) && { [ "$gd" = "$(cd "$r" && pwd -P)" ] || [ "$gd" = "$(cd "$r" && pwd -P)/.git" ]; } || { echo other; exit 0; }',
    'echo repo',
    'git -C "$r" rev-parse --show-object-format 2>/dev/null | sed "s/^/format /"',
    'c=$(git -C "$r" rev-parse -q --verify "refs/heads/$b^{commit}") && printf "head %s %s\\n" "$c" "$(git -C "$r" rev-parse "$c^{tree}")"',
    'true',
  ].join('\n');
}

export function parsePublishProbe(out: string): Pick<GitPublishState, 'repo' | 'head' | 'problem'> {
  const lines = out.split('\n');
  if (lines.includes('nogit')) return { repo: 'absent', problem: 'git is not installed on the host (no `git` in PATH)' };
  if (lines.includes('absent')) return { repo: 'absent' };
  if (lines.includes('other')) return { repo: 'other' };
  const format = lines.find((l) => l.startsWith('format '))?.slice('format '.length);
  if (format && format !== 'sha1') return { repo: 'repo', problem: `the repository's object format is ${format}: git_publish computes sha1 ids only` };
  const head = /^head ([0-9a-f]{40}) ([0-9a-f]{40})$/m.exec(out);
  return { repo: 'repo', ...(head ? { head: { commit: head[1]!, tree: head[2]! } } : {}) };
}

/** The run: the blobs, a tree from a private index, the commit, checked against the plan, then the branch. */
function publishScript(p: GitPublishParams, s: GitPublishState, tree: string, commit: string): string {
  const branch = p.branch ?? 'main';
  const stamp = `${s.time} +0000`;
  return [
    'set -e',
    sh`r=${p.repo}`,
    ...(s.repo === 'absent' ? [sh`mkdir -p -- "$r"; git init -q --bare -b ${branch} "$r"`] : []),
    't=$(mktemp -d); trap \'rm -rf -- "$t"\' EXIT',
    'export GIT_INDEX_FILE="$t/index"',
    'git -C "$r" read-tree --empty',
    ...s.files.map((f) => sh`id=$(printf %s ${f.content.toString('base64')} | base64 -d | git -C "$r" hash-object -w --stdin); git -C "$r" update-index --add --cacheinfo ${f.mode},"$id",${f.path}`),
    'tree=$(git -C "$r" write-tree)',
    sh`[ "$tree" = ${tree} ] || { echo "git wrote tree $tree, not the planned ${tree}" >&2; exit 1; }`,
    sh`export GIT_AUTHOR_NAME=${IDENTITY.name} GIT_AUTHOR_EMAIL=${IDENTITY.email} GIT_AUTHOR_DATE=${stamp} GIT_COMMITTER_NAME=${IDENTITY.name} GIT_COMMITTER_EMAIL=${IDENTITY.email} GIT_COMMITTER_DATE=${stamp}`,
    sh`commit=$(git -C "$r" -c commit.gpgSign=false commit-tree "$tree" ${s.head ? ['-p', s.head.commit] : []} -m ${p.message ?? 'published by Hostwright'})`,
    sh`[ "$commit" = ${commit} ] || { echo "git made commit $commit, not the planned ${commit}" >&2; exit 1; }`,
    // The branch moves only from the commit the plan saw (or is created).
    sh`git -C "$r" update-ref ${`refs/heads/${branch}`} "$commit" ${s.head?.commit ?? '0'.repeat(40)}`,
    sh`git -C "$r" symbolic-ref HEAD ${`refs/heads/${branch}`}`,
  ].join('\n');
}

export function planPublish(p: GitPublishParams, s: GitPublishState): Plan {
  if (s.problem) return { changed: false, actions: [], failed: s.problem };
  if (s.repo === 'other') return { changed: false, actions: [], failed: `${p.repo} exists and is not a git repository` };
  if (s.files.length === 0) return { changed: false, actions: [], failed: `${p.src} has no files to publish` };
  const branch = p.branch ?? 'main';
  const tree = treeId(s.files);
  if (s.head?.tree === tree) return { changed: false, actions: [], result: { commit: s.head.commit, tree, branch } };
  const commit = commitId({ tree, identity: `${IDENTITY.name} <${IDENTITY.email}>`, time: s.time, message: p.message ?? 'published by Hostwright', ...(s.head ? { parent: s.head.commit } : {}) });
  const effects: Effect[] = [
    { kind: 'path', path: p.repo, state: 'directory', ...(s.repo === 'absent' ? { created: true } : {}) },
    // git's own files: unknown; what matters to later tasks is the branch's commit.
    { kind: 'tree', path: p.repo },
    { kind: 'git', dest: p.repo, version: commit, branch },
    { kind: 'resource', type: PUBLISHED, key: `${p.repo}\0${branch}`, state: 'present', attrs: { commit, tree } },
  ];
  return {
    changed: true,
    actions: [{ kind: 'run', script: publishScript(p, s, tree, commit), describe: `publish ${p.src} as ${commit.slice(0, 12)} on ${branch} of ${p.repo}` }],
    diffs: [{ before: s.head ? `${s.head.commit}\n` : '', after: `${commit}\n`, before_header: `${p.repo} ${branch}`, after_header: `${p.repo} ${branch}` }],
    summary: `${branch} of ${p.repo} is ${commit.slice(0, 12)}${s.head ? ` (was ${s.head.commit.slice(0, 12)})` : ''}`,
    result: { commit, tree, branch, ...(s.head ? { before: s.head.commit } : {}) },
    effects,
  };
}

/** Check mode: a branch an earlier task publishes, as that task leaves it. */
export function overlayPublish(s: GitPublishState, predicted: Predicted, p: GitPublishParams): GitPublishState {
  const branch = predicted.resource(PUBLISHED, `${p.repo}\0${p.branch ?? 'main'}`)?.attrs as { commit: string; tree: string } | undefined;
  return branch ? { ...s, repo: 'repo', head: { commit: branch.commit, tree: branch.tree } } : s;
}

export const git_publish = defineModule<GitPublishParams, GitPublishState>({
  ...gitPublishDefinition,
  async gather(p, probe, ctx) {
    const dir = path.resolve(ctx.playbookDir, p.src);
    let source: { files: GitFile[]; time: number };
    try {
      source = readSource(dir);
    } catch (e) {
      return { files: [], time: 0, repo: 'absent', problem: `cannot read ${p.src} (${dir}): ${(e as Error).message}` };
    }
    return { ...source, ...parsePublishProbe((await probe.run(probeScript(p))).stdout) };
  },
  plan: planPublish,
  overlay: overlayPublish,
});
