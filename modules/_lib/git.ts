/**
 * What git and deploy share: the one-round-trip probe of a checkout and of the remote (ls-remote
 * runs on the host, in the same probe command), resolving `version` to a commit, and the scripts
 * that clone, fetch and switch a checkout the way ansible-core's git module does (same commands,
 * so a checkout left by either tool looks the same), except that the switch lands on the commit
 * the plan resolved: a remote that moves between check and run cannot make the run differ from
 * what was shown.
 */
import type { ExecResult } from '../../runner/connection/types.js';
import type { Effect } from '../../runner/module.types.js';
import { quote, raw, sh } from '../../runner/shell.js';
import { treeEffects, type TreeFile } from './git-tree.js';
import { UMASK_LINE } from './probe.js';

/** How git reaches an ssh remote (ansible-core's git parameters). */
export interface GitSshOptions {
  /** Private key for ssh remotes (adds `-i KEY -o IdentitiesOnly=yes`). @default none */
  key_file?: string;
  /** Accept any host key (`StrictHostKeyChecking=no`). Unsafe; prefer known_hosts. @default false */
  accept_hostkey?: boolean;
  /** Accept the key of a host not yet in known_hosts, refuse a changed one (`accept-new`). @default false */
  accept_newhostkey?: boolean;
  /** Extra ssh options, e.g. `-o UserKnownHostsFile=/etc/app/known_hosts`. @default none */
  ssh_opts?: string;
}

/** `GIT_SSH_COMMAND` as ansible-core builds it: BatchMode always (never a prompt), then the options. */
export function gitSshCommand(p: GitSshOptions): string {
  const words = ['ssh'];
  if (p.ssh_opts) words.push(p.ssh_opts);
  if (p.accept_hostkey) words.push('-o StrictHostKeyChecking=no');
  if (p.accept_newhostkey) words.push('-o StrictHostKeyChecking=accept-new');
  words.push('-o BatchMode=yes');
  if (p.key_file) words.push(`-i ${quote(p.key_file)} -o IdentitiesOnly=yes`);
  return words.join(' ');
}

/** An absolute path is a file:// URL, as ansible-core makes it (shallow clones need a protocol). */
export function repoUrl(repo: string): string {
  return repo.startsWith('/') ? `file://${repo}` : repo;
}

/** ansible-core's unfrackgitpath: URLs compared without a trailing slash and `.git`. */
export function sameRepo(a: string, b: string): boolean {
  const norm = (u: string) => u.replace(/\/+$/, '').replace(/\.git$/, '');
  return a === b || norm(a) === norm(b);
}

/** The environment every git command of ours runs with: C locale, never a prompt. */
export function envLines(ssh: GitSshOptions): string[] {
  return [
    'LC_ALL=C; LANG=C; GIT_TERMINAL_PROMPT=0; export LC_ALL LANG GIT_TERMINAL_PROMPT',
    sh`GIT_SSH_COMMAND=${gitSshCommand(ssh)}; export GIT_SSH_COMMAND`,
  ];
}

export interface ProbeRequest {
  dest: string;
  repo: string;
  remote: string;
  version: string;
  ssh: GitSshOptions;
  /** Ask the remote (ls-remote) always, or only when dest has no checkout (update=false). */
  askRemote: 'always' | 'unless-checkout';
}

/**
 * One probe: the checkout at dest (HEAD, branch, remote URL, local modifications), then, when
 * asked, ls-remote of HEAD, the HEAD branch and `version` as branch and tag (peeled). Lines:
 * `dest repo|absent|notdir|nonempty`, `head SHA`, `branch NAME`, `remote_head NAME`, `url URL`,
 * `mod XY path` (porcelain, untracked files left out like ansible-core), `local_commit SHA`,
 * `local_branch`, `lsrc RC`, `ls LINE`.
 */
export function gitProbeScript(r: ProbeRequest): string {
  const lines = [
    'command -v git >/dev/null 2>&1 || { echo nogit; exit 0; }',
    ...envLines(r.ssh),
    sh`d=${r.dest}; remote=${r.remote}; v=${r.version}; hb=; head=; st=`,
    UMASK_LINE,
    'if [ -f "$d/.git/config" ]; then',
    '  echo dest repo; st=repo',
    '  head=$(git -C "$d" rev-parse -q --verify HEAD); printf "head %s\\n" "$head"',
    '  b=$(git -C "$d" symbolic-ref -q --short HEAD) && printf "branch %s\\n" "$b"',
    '  rh=$(git -C "$d" symbolic-ref -q --short "refs/remotes/$remote/HEAD") && rh=${rh#"$remote"/} && printf "remote_head %s\\n" "$rh"',
    '  printf "url %s\\n" "$(git -C "$d" config --get "remote.$remote.url")"',
    '  git -C "$d" status --porcelain | while IFS= read -r l; do case $l in "??"*) ;; *) printf "mod %s\\n" "$l" ;; esac; done',
    '  if [ "$v" != HEAD ]; then',
    '    c=$(git -C "$d" rev-parse -q --verify "$v^{commit}") && printf "local_commit %s\\n" "$c"',
    '    git -C "$d" show-ref -q --verify "refs/heads/$v" && echo local_branch',
    '  fi',
    '  hb=${b:-$rh}',
    'elif [ -e "$d" ] && [ ! -d "$d" ]; then echo dest notdir',
    'elif [ -d "$d" ] && [ -n "$(ls -A -- "$d")" ]; then echo dest nonempty',
    'else echo dest absent',
    'fi',
  ];
  lines.push(
    r.askRemote === 'always' ? 'ask=1' : 'ask=; [ "$st" = repo ] || ask=1',
    'if [ -n "$ask" ]; then',
    lsRemoteLines(r.repo),
    'fi',
  );
  return lines.join('\n');
}

/**
 * ls-remote of HEAD, the branch in "$hb" (when set) and "$v" as branch and tag (peeled), as
 * `lsrc RC` and `ls LINE` lines; the caller has set v, hb and the git environment.
 */
export function lsRemoteLines(repo: string): string {
  return [
    'set -- HEAD',
    '[ -n "$hb" ] && set -- "$@" "refs/heads/$hb"',
    '[ "$v" != HEAD ] && set -- "$@" "refs/heads/$v" "refs/tags/$v" "refs/tags/$v^{}"',
    sh`out=$(cd / && git ls-remote --symref ${repoUrl(repo)} "$@" 2>&1); echo "lsrc $?"`,
    'printf "%s\\n" "$out" | while IFS= read -r l; do printf "ls %s\\n" "$l"; done',
  ].join('\n');
}

export interface Checkout {
  head?: string;
  branch?: string;
  remoteHead?: string;
  url?: string;
  mods: string[];
  localCommit?: string;
  localBranch: boolean;
}

export interface RemoteRefs {
  /** The branch the remote's HEAD points at. */
  headBranch?: string;
  /** `HEAD`, `refs/heads/x`, `refs/tags/x`, `refs/tags/x^{}` → sha. */
  refs: Map<string, string>;
}

export interface GitProbe {
  gitMissing?: boolean;
  /** The login's umask (what a new checkout's directories get without `umask`). */
  umask?: number;
  dest: 'repo' | 'absent' | 'notdir' | 'nonempty';
  checkout?: Checkout;
  remote?: { ok: true; refs: RemoteRefs } | { ok: false; error: string };
  /** Check mode, dest without a checkout: what a clone would check out (git-tree.ts). */
  files?: TreeFile[];
}

export function parseGitProbe(out: string): GitProbe {
  const lines = out.split('\n');
  if (lines.includes('nogit')) return { gitMissing: true, dest: 'absent' };
  const probe: GitProbe = { dest: 'absent' };
  const checkout: Checkout = { mods: [], localBranch: false };
  let lsrc: number | undefined;
  const ls: string[] = [];
  for (const line of lines) {
    const sp = line.indexOf(' ');
    const key = sp < 0 ? line : line.slice(0, sp);
    const value = sp < 0 ? '' : line.slice(sp + 1);
    switch (key) {
      case 'dest': probe.dest = value as GitProbe['dest']; break;
      case 'head': if (value) checkout.head = value; break;
      case 'branch': checkout.branch = value; break;
      case 'remote_head': checkout.remoteHead = value; break;
      case 'url': if (value) checkout.url = value; break;
      case 'mod': checkout.mods.push(value); break;
      case 'local_commit': checkout.localCommit = value; break;
      case 'local_branch': checkout.localBranch = true; break;
      case 'lsrc': lsrc = Number(value); break;
      case 'umask': probe.umask = parseInt(value, 8); break;
      case 'ls': ls.push(value); break;
    }
  }
  if (probe.dest === 'repo') probe.checkout = checkout;
  if (lsrc !== undefined) {
    while (ls.length && ls[ls.length - 1] === '') ls.pop();
    probe.remote = lsrc === 0 ? { ok: true, refs: parseLsRemote(ls) } : { ok: false, error: ls.join('\n').trim() || `git ls-remote exited ${lsrc}` };
  }
  return probe;
}

/** `ls-remote --symref` lines: `ref: refs/heads/main<TAB>HEAD` and `SHA<TAB>REF`. */
export function parseLsRemote(lines: string[]): RemoteRefs {
  const refs = new Map<string, string>();
  let headBranch: string | undefined;
  for (const line of lines) {
    const [left, ref] = line.split('\t');
    if (!left || !ref) continue;
    if (left.startsWith('ref: ')) {
      if (ref === 'HEAD') headBranch = left.slice('ref: refs/heads/'.length);
    } else if (/^[0-9a-f]{40,64}$/.test(left)) refs.set(ref, left);
  }
  return headBranch !== undefined ? { headBranch, refs } : { refs };
}

/** What `version` names: a branch or tag of the remote (with its commit), or a commit. */
export type Target =
  | { kind: 'branch'; name: string; sha: string }
  | { kind: 'tag'; name: string; sha: string }
  /** A commit id; `sha` is the full id when known (given in full, or found in the checkout). */
  | { kind: 'commit'; id: string; sha?: string };

/** Resolves `version` as ansible-core does: HEAD, then a remote branch, then a tag, else a commit id. */
export function resolveTarget(version: string, refs: RemoteRefs, checkout: Checkout | undefined): Target | { error: string } {
  if (version === 'HEAD') {
    // An existing checkout follows its own branch (or, detached, the branch of its remote's HEAD).
    const name = checkout ? (checkout.branch ?? checkout.remoteHead ?? refs.headBranch) : refs.headBranch;
    // A new clone asks for HEAD alone: its commit is the HEAD branch's.
    const sha = (name !== undefined ? refs.refs.get(`refs/heads/${name}`) : undefined) ?? (checkout ? undefined : refs.refs.get('HEAD'));
    if (name === undefined || sha === undefined) return { error: 'Could not determine remote revision for HEAD' };
    return { kind: 'branch', name, sha };
  }
  const branch = refs.refs.get(`refs/heads/${version}`);
  if (branch) return { kind: 'branch', name: version, sha: branch };
  const tag = refs.refs.get(`refs/tags/${version}^{}`) ?? refs.refs.get(`refs/tags/${version}`);
  if (tag) return { kind: 'tag', name: version, sha: tag };
  if (/^[0-9a-f]{4,64}$/i.test(version)) {
    const id = version.toLowerCase();
    const sha = checkout?.localCommit ?? (id.length >= 40 ? id : undefined);
    return sha !== undefined ? { kind: 'commit', id, sha } : { kind: 'commit', id };
  }
  return { error: `'${version}' is not a branch, tag or commit id of the repository` };
}

/** Whether a checkout whose HEAD is `head` already is at `target`. */
export function atTarget(head: string | undefined, target: Target): boolean {
  if (head === undefined) return false;
  if (target.kind === 'commit') return target.sha !== undefined ? head === target.sha : head.startsWith(target.id);
  return head === target.sha;
}

export interface CheckoutRequest {
  dest: string;
  repo: string;
  remote: string;
  target: Target;
  ssh: GitSshOptions;
  depth?: number;
  single_branch?: boolean;
  umask?: string;
}

/** Printed by the scripts on success: the commit checked out and the files that changed. */
const AFTER_MARK = 'hostwright-git-after ';
const FILE_MARK = 'hostwright-git-file ';

function header(r: CheckoutRequest): string[] {
  return [
    'set -e',
    ...(r.umask !== undefined ? [sh`umask ${r.umask}`] : []),
    ...envLines(r.ssh),
    sh`d=${r.dest}; remote=${r.remote}; repo=${repoUrl(r.repo)}`,
  ];
}

/** Checks out the resolved target inside "$d" (ansible-core's switch_version, pinned to the commit). */
function switchLines(r: CheckoutRequest): string[] {
  const t = r.target;
  if (t.kind === 'branch') {
    return [
      sh`if git -C "$d" show-ref -q --verify refs/heads/${t.name}; then git -C "$d" checkout -q --force ${t.name}; ` +
        sh`else git -C "$d" checkout -q --force --track -b ${t.name} "$remote"/${t.name}; fi`,
      sh`git -C "$d" reset -q --hard ${t.sha} --`,
    ];
  }
  const commit = t.kind === 'tag' ? t.sha : (t.sha ?? t.id);
  return [
    sh`git -C "$d" cat-file -e ${commit}^{commit} 2>/dev/null || { echo ${`Failed to checkout ${t.kind === 'tag' ? t.name : t.id}: no such commit in ${r.repo}`} >&2; exit 1; }`,
    sh`git -C "$d" -c advice.detachedHead=false checkout -q --force ${commit}`,
  ];
}

/** Whether a shallow fetch can name the target (a branch, a tag, or a full commit id). */
function shallowable(t: Target): boolean {
  return t.kind !== 'commit' || t.sha !== undefined;
}

/** A depth that cannot be honoured (a short commit id): ansible-core's warning, and a full clone. */
export function depthWarning(r: { depth?: number }, t: Target): string | undefined {
  if (r.depth === undefined || shallowable(t)) return undefined;
  return 'Ignoring depth argument. Shallow clones are only available for HEAD, branches, tags, full commit ids or in combination with refspec.';
}

/**
 * A new checkout at dest. Branches and tags clone as ansible-core does (`--depth N --branch V`,
 * `--single-branch`); a full commit id with depth is fetched alone (`git fetch --depth N origin
 * SHA`, which ansible-core cannot do: ansible#21316). A failure removes what was made.
 */
export function cloneScript(r: CheckoutRequest): string {
  const t = r.target;
  const lines = [...header(r), `case $d in */*) mkdir -p -- "\${d%/*}" ;; esac`, 'made=; [ -e "$d" ] || made=1', `trap '[ $? -eq 0 ] || { [ -z "$made" ] || rm -rf -- "$d"; }' EXIT`];
  const depth = shallowable(t) ? r.depth : undefined;
  if (t.kind === 'commit' && depth !== undefined) {
    lines.push(
      'git init -q -- "$d"',
      'git -C "$d" remote add "$remote" "$repo"',
      sh`git -C "$d" fetch -q --depth ${depth} "$remote" ${t.sha!}`,
    );
  } else {
    const opts: (string | number)[] = [];
    const named = t.kind === 'branch' || t.kind === 'tag';
    if (depth !== undefined) opts.push('--depth', depth);
    if (r.single_branch) opts.push('--single-branch');
    if (named && (depth !== undefined || r.single_branch)) opts.push('--branch', t.name);
    lines.push(sh`git clone -q --origin "$remote" ${opts} -- "$repo" "$d"`);
  }
  lines.push(...switchLines(r), `printf '${AFTER_MARK}%s\\n' "$(git -C "$d" rev-parse HEAD)"`, `git -C "$d" ls-tree -r --name-only HEAD | while IFS= read -r f; do printf '${FILE_MARK}%s\\n' "$f"; done`);
  return lines.join('\n') + '\n';
}

export interface UpdateRequest extends CheckoutRequest {
  /** Current HEAD, for the list of changed files. */
  before: string | undefined;
  setUrl: boolean;
  /** Discard local modifications first (force with modifications present). */
  reset: boolean;
}

/** Moves an existing checkout: reset (force), new URL, fetch (ansible-core's refspecs), switch. */
export function updateScript(r: UpdateRequest): string {
  const t = r.target;
  const lines = [...header(r)];
  if (r.reset) lines.push('git -C "$d" reset -q --hard HEAD --');
  if (r.setUrl) lines.push('git -C "$d" remote set-url "$remote" "$repo"');
  const fetch = ['git', '-C', raw('"$d"'), 'fetch', '-q'];
  if (r.depth !== undefined && shallowable(t)) {
    fetch.push('--depth', String(r.depth), raw('"$remote"'));
    if (t.kind === 'branch') fetch.push(`+refs/heads/${t.name}:refs/remotes/${r.remote}/${t.name}`);
    else if (t.kind === 'tag') fetch.push(`+refs/tags/${t.name}:refs/tags/${t.name}`);
    else fetch.push(t.sha!);
  } else {
    fetch.push('--tags', raw('"$remote"'));
    // A single-branch or shallow checkout's refspec may not cover the branch asked for.
    if (t.kind === 'branch') fetch.push(`+refs/heads/${t.name}:refs/remotes/${r.remote}/${t.name}`);
  }
  lines.push(sh`${fetch}`, ...switchLines(r), `printf '${AFTER_MARK}%s\\n' "$(git -C "$d" rev-parse HEAD)"`);
  if (r.before !== undefined) {
    lines.push(sh`git -C "$d" diff --name-only ${r.before} HEAD -- | while IFS= read -r f; do printf '${raw(FILE_MARK)}%s\\n' "$f"; done`);
  }
  return lines.join('\n') + '\n';
}

/** The result keys a clone/update script reports: `after` and `changed_files`. */
export function checkoutResult(exec: ExecResult): Record<string, unknown> {
  const out: { after?: string; changed_files: string[] } = { changed_files: [] };
  for (const line of exec.stdout.split('\n')) {
    if (line.startsWith(AFTER_MARK)) out.after = line.slice(AFTER_MARK.length);
    else if (line.startsWith(FILE_MARK)) out.changed_files.push(line.slice(FILE_MARK.length));
  }
  return out;
}

/**
 * What a check run tells later tasks: a checkout at dest, at the commit when known. Which files it
 * holds is known only once the run fetched, so everything below dest is unknown: a later task on
 * a file in it reports that it depends on this one instead of guessing.
 */
export function checkoutEffects(p: { dest: string; repo: string }, commit: string | undefined, created: boolean, umask: number | undefined, branch?: string, files?: TreeFile[]): Effect[] {
  // A new checkout's directory gets the umask's mode (git creates it with 0777 & ~umask).
  const mode = created && umask !== undefined ? { mode: 0o777 & ~umask } : {};
  const dest = p.dest.length > 1 ? p.dest.replace(/\/+$/, '') : p.dest;
  return [
    { kind: 'path', path: p.dest, state: 'directory', ...(created ? { created: true } : {}), ...mode },
    // What a new clone holds is known when check mode read its tree; else, and after a move, not.
    ...(created && files ? treeEffects(dest, files, umask) : [{ kind: 'tree' as const, path: p.dest }]),
    { kind: 'git', dest: p.dest, repo: repoUrl(p.repo), ...(commit !== undefined ? { version: commit } : {}), ...(branch !== undefined ? { branch } : {}) },
  ];
}
