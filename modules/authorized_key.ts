/**
 * authorized_key: SSH keys in a user's authorized_keys, with ansible.posix's parameters and its
 * algorithm (keys matched by their key data; options and comment compared too; the file
 * rewritten from the parsed keys in their original order, new keys at the end, lines that are not
 * keys kept as they are). One probe reads the user's passwd entry, the file and whether its
 * directory exists; the write is atomic (0600, owned by the user), with the directory made 0700
 * first when manage_dir. Not implemented: keys from a URL, follow, validate_certs.
 */
import { defineModule } from '../runner/module.js';
import type { Action, Effect, Plan, Predicted } from '../runner/module.types.js';
import { overlayAccount } from './_lib/accounts-predict.js';
import { sh } from '../runner/shell.js';
import { accountLines, linesOf, parsePasswd, type PasswdEntry } from './_lib/accounts.js';
import { CONTENT_MARK, parseProbe } from './_lib/probe.js';
import { dirnameOf, parseKey, parseKeys, parseOptions, sameOptions, serializeKeys, type ParsedKey } from './_lib/sshkeys.js';
import { authorizedKeyDefinition, type AuthorizedKeyParams, keyLines } from './authorized_key.params.js';

export { keyLines } from './authorized_key.params.js';
export type { AuthorizedKeyParams } from './authorized_key.params.js';

export interface AuthorizedKeyState {
  account?: PasswdEntry;
  /** The file's content ('' when it does not exist). */
  content: string;
  fileExists: boolean;
  dirExists: boolean;
}

function keysPath(p: AuthorizedKeyParams, account: PasswdEntry | undefined): string | undefined {
  if (p.path !== undefined) return p.path;
  return account ? `${account.home.replace(/\/+$/, '')}/.ssh/authorized_keys` : undefined;
}

export function authorizedKeyProbeScript(p: AuthorizedKeyParams): string {
  return [
    accountLines(p.user),
    p.path !== undefined ? sh`f=${p.path}` : `h=\${pw#*:*:*:*:*:}; h=\${h%%:*}; f="\${h%/}/.ssh/authorized_keys"`,
    `if [ -n "$pw" ] || [ -n ${p.path !== undefined ? '"$f"' : '""'} ]; then`,
    `  d=\${f%/*}; if [ -d "\${d:-/}" ]; then echo dir yes; else echo dir no; fi`,
    `  if [ -f "$f" ]; then echo file yes; echo '${CONTENT_MARK}'; cat -- "$f"; else echo file no; fi`,
    `fi`,
  ].join('\n');
}

export function parseAuthorizedKeyProbe(out: Buffer): AuthorizedKeyState {
  const { fields, content } = parseProbe(out);
  const head = out.subarray(0, content ? out.length - content.length : out.length).toString('utf8');
  const account = parsePasswd(linesOf(head, 'passwd')[0]);
  return {
    ...(account ? { account } : {}),
    content: content?.toString('utf8') ?? '',
    fileExists: fields.get('file') === 'yes',
    dirExists: fields.get('dir') === 'yes',
  };
}

export const authorized_key = defineModule<AuthorizedKeyParams, AuthorizedKeyState>({
  ...authorizedKeyDefinition,
  async gather(p, probe) {
    return parseAuthorizedKeyProbe((await probe.run(authorizedKeyProbeScript(p))).stdoutBytes);
  },
  plan: (p, s) => planAuthorizedKey(p, s),
  overlay: (s, predicted, p) => overlayAuthorizedKey(s, predicted, p),
});

/** The account and the keys file as earlier tasks of a check run leave them (a user created, a file written). */
export function overlayAuthorizedKey(s: AuthorizedKeyState, predicted: Predicted, p: AuthorizedKeyParams): AuthorizedKeyState {
  const account = overlayAccount(s.account, p.user, predicted);
  const { account: _observed, ...rest } = s;
  const out: AuthorizedKeyState = account ? { ...rest, account } : rest;
  const path = keysPath(p, account);
  if (path === undefined) return out;
  const pf = predicted.path(path);
  if (pf) {
    if (pf.state === 'absent') Object.assign(out, { content: '', fileExists: false });
    else if (pf.state === 'file' && pf.content) Object.assign(out, { content: pf.content.toString('utf8'), fileExists: true });
    else predicted.unpredictable(pf.by, path);
  }
  const pd = predicted.path(dirnameOf(path));
  if (pd) out.dirExists = pd.state === 'directory';
  return out;
}

export function planAuthorizedKey(p: AuthorizedKeyParams, s: AuthorizedKeyState): Plan {
  if (!s.account) return { changed: false, actions: [], failed: `Failed to lookup user ${p.user}: 'getpwnam(): name not found: ${p.user}'` };
  const path = keysPath(p, s.account)!;
  const result: Record<string, unknown> = { user: p.user, keyfile: path, key: keyLines(p.key).join('\n'), state: p.state ?? 'present', exclusive: p.exclusive ?? false, manage_dir: p.manage_dir ?? true };
  const existing = parseKeys(s.content);
  const maxRank = existing.size;
  const wanted: string[] = [];
  let write = false;
  for (const [rank, line] of keyLines(p.key).entries()) {
    let k = parseKey(line, rank)!;
    if (p.key_options !== undefined) k = { ...k, options: parseOptions(p.key_options) };
    if (p.comment !== undefined) k = { ...k, comment: p.comment };
    const old = existing.get(k.key);
    const same = old !== undefined && sameKey(old, k);
    if (p.state === 'absent') {
      if (same) {
        existing.delete(k.key);
        write = true;
      }
      continue;
    }
    wanted.push(k.key);
    if (old !== undefined && !same) {
      existing.delete(k.key);
      write = true;
    }
    if (!same) {
      existing.set(k.key, { ...k, rank: maxRank + k.rank });
      write = true;
    }
  }
  if (p.state !== 'absent' && p.exclusive) {
    for (const key of [...existing.keys()]) {
      if (!wanted.includes(key)) {
        existing.delete(key);
        write = true;
      }
    }
  }
  if (!write) return { changed: false, actions: [], result };
  const after = serializeKeys(existing);
  // A user an earlier task of a check run creates has no uid yet: name it (the run has the ids).
  const uid = s.account.uid >= 0 ? String(s.account.uid) : p.user;
  const gid = s.account.gid >= 0 ? String(s.account.gid) : p.user;
  const actions: Action[] = [];
  const dir = dirnameOf(path);
  if (p.manage_dir !== false) {
    actions.push({ kind: 'run', script: sh`mkdir -p -m 0700 -- ${dir} && chown ${uid}:${gid} ${dir} && chmod 0700 ${dir}`, describe: `prepare ${dir}` });
  } else if (!s.dirExists) {
    actions.push({ kind: 'run', script: sh`mkdir -p -- ${dir}`, describe: `create ${dir}` });
  }
  actions.push({ kind: 'write', path, content: after, mode: '0600', owner: uid, group: gid });
  const effects: Effect[] = [
    ...(p.manage_dir !== false || !s.dirExists ? [{ kind: 'path' as const, path: dir, state: 'directory' as const, ...(p.manage_dir !== false ? { mode: 0o700, owner: p.user } : {}) }] : []),
    { kind: 'path', path, state: 'file', content: Buffer.from(after), mode: 0o600, owner: p.user },
  ];
  return { changed: true, actions, diffs: [{ before: s.content, after, before_header: path, after_header: path }], result, effects };
}

/** Ansible compares key, type, options and comment (parsed_new_key[:4]). */
function sameKey(a: ParsedKey, b: ParsedKey): boolean {
  return a.key === b.key && a.type === b.type && a.comment === b.comment && sameOptions(a.options, b.options);
}
