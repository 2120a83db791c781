/**
 * Git's object ids computed on the controller (SHA-1 repositories, git's default): a blob, the
 * tree of a set of files, a commit. What git_publish needs to know, before anything runs on the
 * host, which commit it will make, so that check mode can tell a later deploy task the release.
 * Git's formats (git's Documentation/technical, `git cat-file -p`):
 *   blob:   "blob <size>\0<content>"
 *   tree:   "tree <size>\0" then per entry "<mode> <name>\0<20-byte id>", sorted by name where a
 *           directory's name compares as if it ended in "/"
 *   commit: "commit <size>\0tree <id>\n[parent <id>\n]author ...\ncommitter ...\n\n<message>"
 */
import { createHash } from 'node:crypto';

export interface GitFile {
  /** Relative path with `/` separators. */
  path: string;
  /** 100644, 100755 or 120000 (a link, whose content is its target). */
  mode: '100644' | '100755' | '120000';
  content: Buffer;
}

function objectId(type: string, body: Buffer): string {
  return createHash('sha1').update(`${type} ${body.length}\0`).update(body).digest('hex');
}

export const blobId = (content: Buffer): string => objectId('blob', content);

interface Dir {
  files: Map<string, { mode: string; id: string }>;
  dirs: Map<string, Dir>;
}

/** The id of the tree holding `files` (empty directories do not exist in git). */
export function treeId(files: readonly GitFile[]): string {
  const root: Dir = { files: new Map(), dirs: new Map() };
  for (const f of files) {
    const parts = f.path.split('/');
    let dir = root;
    for (const part of parts.slice(0, -1)) {
      if (!dir.dirs.has(part)) dir.dirs.set(part, { files: new Map(), dirs: new Map() });
      dir = dir.dirs.get(part)!;
    }
    dir.files.set(parts[parts.length - 1]!, { mode: f.mode, id: blobId(f.content) });
  }
  return writeTree(root);
}

function writeTree(dir: Dir): string {
  const entries = [
    ...[...dir.files].map(([name, f]) => ({ name, key: name, mode: f.mode, id: f.id })),
    ...[...dir.dirs].map(([name, d]) => ({ name, key: `${name}/`, mode: '40000', id: writeTree(d) })),
  ].sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  return objectId('tree', Buffer.concat(entries.map((e) => Buffer.concat([Buffer.from(`${e.mode} ${e.name}\0`), Buffer.from(e.id, 'hex')]))));
}

export interface CommitFields {
  tree: string;
  parent?: string;
  /** `Name <email>`, author and committer alike. */
  identity: string;
  /** Seconds since the epoch, UTC. */
  time: number;
  /** Without a final newline: git adds one. */
  message: string;
}

export function commitId(c: CommitFields): string {
  const stamp = `${c.identity} ${c.time} +0000`;
  const text = `tree ${c.tree}\n${c.parent ? `parent ${c.parent}\n` : ''}author ${stamp}\ncommitter ${stamp}\n\n${c.message}\n`;
  return objectId('commit', Buffer.from(text));
}
