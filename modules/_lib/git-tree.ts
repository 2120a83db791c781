/**
 * Check mode: the files a new clone would check out, so that a later task of the same check run
 * (a line in the checkout's README, a config file written beside it) is planned against the
 * checkout as the run would make it.
 *
 * Read on the host from the remote: the target commit is fetched (depth 1 where the remote allows)
 * into a private temp repository, never into dest; its tree is listed and the content of small
 * files read (up to FILE_LIMIT each, TOTAL_LIMIT in all; larger ones are only known to exist).
 * A new checkout holds exactly those files, plus .git (unknown).
 */
import type { Effect } from '../../runner/module.types.js';
import { sh } from '../../runner/shell.js';
import { envLines, repoUrl, type GitSshOptions, type Target } from './git.js';

const FILE_LIMIT = 256 * 1024;
const TOTAL_LIMIT = 4 * 1024 * 1024;

export interface TreeFile {
  /** Relative to the checkout. */
  path: string;
  /** git's mode: 100644, 100755, 120000 (link), 160000 (submodule). */
  mode: string;
  /** Content (a link's target), when read. */
  content?: Buffer;
}

/** The script: fetch the target's commit into a temp repository, list its tree, read small blobs. */
export function treeScript(repo: string, ssh: GitSshOptions, target: Target & { sha: string }): string {
  const ref = target.kind === 'branch' ? `refs/heads/${target.name}` : target.kind === 'tag' ? `refs/tags/${target.name}` : target.sha;
  return [
    ...envLines(ssh),
    't=$(mktemp -d /tmp/.hostwright-git.XXXXXXXX) || exit 1',
    `trap 'rm -rf -- "$t"' EXIT`,
    'git init -q --bare "$t" || exit 1',
    sh`repo=${repoUrl(repo)}; sha=${target.sha}`,
    // A remote that refuses a commit id in a shallow fetch still gives its branches and tags.
    sh`(cd / && git -C "$t" fetch -q --depth 1 "$repo" ${ref}) 2>/dev/null || (cd / && git -C "$t" fetch -q "$repo" '+refs/heads/*:refs/heads/*' '+refs/tags/*:refs/tags/*') 2>/dev/null`,
    'git -C "$t" cat-file -e "$sha^{commit}" 2>/dev/null || { echo notree; exit 0; }',
    'printf "tree "; git -C "$t" ls-tree -r -z --full-tree "$sha" | base64 -w0; echo',
    'printf "blobs "',
    sh`git -C "$t" ls-tree -r -l --full-tree "$sha" | awk -v one=${FILE_LIMIT} -v all=${TOTAL_LIMIT} '$2 == "blob" && $4 <= one && sum + $4 <= all { sum += $4; print $3 }' | git -C "$t" cat-file --batch | base64 -w0; echo`,
  ].join('\n') + '\n';
}

/** The files of the tree, or undefined when the commit could not be fetched. */
export function parseTree(out: string): TreeFile[] | undefined {
  const field = (name: string) => new RegExp(`^${name} (.*)$`, 'm').exec(out)?.[1];
  if (/^notree$/m.test(out)) return undefined;
  const tree = field('tree');
  const blobs = field('blobs');
  if (tree === undefined || blobs === undefined) return undefined;
  const contents = parseBatch(Buffer.from(blobs, 'base64'));
  const files: TreeFile[] = [];
  // `<mode> <type> <oid>\t<path>` records, NUL-separated, paths unquoted.
  for (const rec of Buffer.from(tree, 'base64').toString('utf8').split('\0')) {
    const m = /^(\d{6}) (\w+) ([0-9a-f]+)\t(.+)$/s.exec(rec);
    if (!m) continue;
    const content = contents.get(m[3]!);
    files.push({ path: m[4]!, mode: m[1]!, ...(content !== undefined ? { content } : {}) });
  }
  return files;
}

/** `git cat-file --batch` output: `<oid> blob <size>\n<content>\n` per object. */
function parseBatch(buf: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let at = 0;
  while (at < buf.length) {
    const nl = buf.indexOf(0x0a, at);
    if (nl < 0) break;
    const [oid, , size] = buf.subarray(at, nl).toString().split(' ');
    const n = Number(size);
    if (!oid || !Number.isFinite(n)) break;
    out.set(oid, buf.subarray(nl + 1, nl + 1 + n));
    at = nl + 1 + n + 1;
  }
  return out;
}

/**
 * The paths a new checkout at dest holds: its directories and files with the modes git gives
 * them under `umask` (unknown without one), contents where read; .git stays unknown.
 */
export function treeEffects(dest: string, files: TreeFile[], umask: number | undefined): Effect[] {
  const mode = (bits: number) => (umask !== undefined ? { mode: bits & ~umask } : {});
  const effects: Effect[] = [{ kind: 'tree', path: `${dest}/.git` }];
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  for (const d of [...dirs].sort()) effects.push({ kind: 'path', path: `${dest}/${d}`, state: 'directory', created: true, ...mode(0o777) });
  for (const f of files) {
    const path = `${dest}/${f.path}`;
    if (f.mode === '120000') effects.push({ kind: 'path', path, state: 'link', created: true, ...(f.content ? { src: f.content.toString() } : {}) });
    else if (f.mode === '160000') effects.push({ kind: 'path', path, state: 'directory', created: true, ...mode(0o777) });
    else if (f.content === undefined) effects.push({ kind: 'path', path, state: 'exists' });
    else effects.push({ kind: 'path', path, state: 'file', created: true, content: f.content, ...mode(f.mode === '100755' ? 0o777 : 0o666) });
  }
  return effects;
}
