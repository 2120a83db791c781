/**
 * deb822_repository: a repository as a deb822 `.sources` file, with ansible.builtin.deb822_repository's
 * parameters (ansible-core 2.15+), file names and format: `/etc/apt/sources.list.d/<slug>.sources`
 * holding one stanza, its fields in the order of the parameters' names (`X-Repolib-Name` for name,
 * `URIs`, `Signed-By` ...), booleans as yes/no, lists space-separated, a multi-line value (an
 * inline key) indented with `.` for its blank lines.
 *
 * signed_by is the modern replacement of apt_key, as in Ansible: a URL is fetched ON THE HOST
 * (curl or wget) and written to `/etc/apt/keyrings/<slug>.asc` (ASCII-armoured) or `.gpg`
 * (binary), mode 0644, and Signed-By names that file; a path or an inline ASCII-armoured key goes
 * into Signed-By as it is (apt reads an inline key itself). The probe fetches the key and the plan
 * writes exactly those bytes with the runner's atomic write, so check mode shows what the run
 * writes and a key changed on the server is a change of the key file.
 *
 * Like Ansible's, it does not update apt's cache: follow it with `apt: { update_cache: true }`
 * when it changed. absent removes the .sources file and both key files.
 */
import { defineModule } from '../../runner/module.js';
import type { Action, Effect, FileDiff, Plan, Predicted } from '../../runner/module.types.js';
import { sh } from '../../runner/shell.js';
import { parseProbe, runProbe } from '../_lib/probe.js';
import { SOURCES_DIR } from './apt_repository.js';
import { isArmored, keyFetchLines } from './signing-key.js';
import { overlayFile, predictedSourceFiles, sourcesEffect, type KnownFile } from './sources-predict.js';
import { deb822RepositoryDefinition, type List, type Deb822RepositoryParams, asList, octal, slug } from './deb822_repository.params.js';

export { slug } from './deb822_repository.params.js';
export type { Deb822RepositoryParams } from './deb822_repository.params.js';

export const KEYRINGS_DIR = '/etc/apt/keyrings';

export const sourcesFile = (name: string): string => `${SOURCES_DIR}/${slug(name)}.sources`;
export const keyFile = (name: string, ext: 'asc' | 'gpg'): string => `${KEYRINGS_DIR}/${slug(name)}.${ext}`;

/** signed_by with a URL scheme (Python's urlparse): fetched on the host. */
export const isKeyUrl = (v: string): boolean => /^[A-Za-z][A-Za-z0-9+.-]*:/.test(v);

export interface Deb822State {
  sources?: KnownFile;
  asc?: KnownFile;
  gpg?: KnownFile;
  /** /etc/apt/keyrings: `mode owner group`, when it exists. */
  keyringsDir?: { mode: number; owner: string; group: string };
  /** signed_by names a file on the host (Ansible then reports it as key_filename). */
  signedByIsFile?: boolean;
  /** The key fetched from the signed_by URL, or why it could not be. */
  key?: Buffer;
  keyError?: string;
  /** Sources files earlier tasks of a check run write. */
  predictedFiles?: string[];
}

export function probeScript(p: Deb822RepositoryParams): string {
  const file = (key: string, f: string): string =>
    sh`if [ -f ${f} ]; then printf '${key} %s ' "$(stat -c %a -- ${f})"; base64 -w0 < ${f}; echo; fi`;
  const lines = [file('sources', sourcesFile(p.name)), file('asc', keyFile(p.name, 'asc')), file('gpg', keyFile(p.name, 'gpg'))];
  const v = p.signed_by;
  if ((p.state ?? 'present') === 'present' && v !== undefined) {
    lines.push(sh`if [ -d ${KEYRINGS_DIR} ]; then echo "keyrings $(stat -c '%a %U %G' -- ${KEYRINGS_DIR})"; fi`);
    if (isKeyUrl(v)) {
      lines.push(...keyFetchLines(v));
    } else {
      lines.push(sh`if [ -f ${v} ]; then echo signedbyfile yes; fi`);
    }
  }
  return lines.join('\n') + '\n';
}

export function parseDeb822State(out: Buffer): Deb822State {
  const { fields } = parseProbe(out);
  const existing = (key: string): KnownFile | undefined => {
    const v = fields.get(key);
    if (v === undefined) return undefined;
    const [mode = '644', b64 = ''] = v.split(' ');
    return { mode: parseInt(mode, 8), content: Buffer.from(b64, 'base64') };
  };
  const s: Deb822State = {};
  for (const k of ['sources', 'asc', 'gpg'] as const) {
    const f = existing(k);
    if (f) s[k] = f;
  }
  const dir = fields.get('keyrings')?.split(' ');
  if (dir) s.keyringsDir = { mode: parseInt(dir[0] ?? '0', 8), owner: dir[1] ?? '', group: dir[2] ?? '' };
  if (fields.get('signedbyfile') === 'yes') s.signedByIsFile = true;
  const key = fields.get('key');
  if (key !== undefined) s.key = Buffer.from(key, 'base64');
  const err = fields.get('keyerror');
  if (err !== undefined) s.keyError = err.trim();
  return s;
}

/** Ansible's format_field_name. */
function fieldName(param: string): string {
  if (param === 'name') return 'X-Repolib-Name';
  if (param === 'uris') return 'URIs';
  return param.replace(/_/g, '-').replace(/[a-z]+/gi, (w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase());
}

/** Ansible's format_multiline: each line stripped (an empty one as `.`), indented by four spaces. */
function multiline(v: string): string {
  const lines = v.trim().split(/\r?\n/).map((l) => l.trim() || '.');
  return '\n' + lines.map((l) => `    ${l}`).join('\n');
}

/** The parameters written into the stanza, in Ansible's (sorted by name) order. */
const FIELDS = [
  'allow_downgrade_to_insecure', 'allow_insecure', 'allow_weak', 'architectures', 'by_hash', 'check_date', 'check_valid_until', 'components',
  'date_max_future', 'enabled', 'inrelease_path', 'languages', 'name', 'pdiffs', 'signed_by', 'suites', 'targets', 'trusted', 'types', 'uris',
] as const satisfies readonly (keyof Deb822RepositoryParams)[];

/** The string parameters; the others are lists (or booleans, a number). */
const STRINGS = new Set<string>(['name', 'inrelease_path', 'signed_by']);

/** The .sources file's text, with Signed-By already resolved (a key file's path or the value as given). */
export function renderStanza(p: Deb822RepositoryParams, signedBy: string | undefined): string {
  let out = '';
  for (const k of FIELDS) {
    const raw = k === 'signed_by' ? signedBy : p[k];
    if (raw === undefined) continue;
    let value = typeof raw === 'boolean' ? (raw ? 'yes' : 'no') : typeof raw === 'number' ? String(raw) : STRINGS.has(k) ? (raw as string) : asList(raw as List).join(' ');
    if (value.includes('\n')) value = multiline(value);
    // python-debian's dump: no space after the colon when the value is empty or starts on its own line.
    out += value === '' || value.startsWith('\n') ? `${fieldName(k)}:${value}\n` : `${fieldName(k)}: ${value}\n`;
  }
  return out;
}

const modeString = (m: number): string => m.toString(8).padStart(4, '0');

export function planDeb822(p: Deb822RepositoryParams, s: Deb822State): Plan {
  const dest = sourcesFile(p.name);
  const actions: Action[] = [];
  const effects: Effect[] = [];
  const diffs: FileDiff[] = [];
  let changed = false;

  const remove = (path: string, f: KnownFile | undefined): void => {
    if (!f) return;
    changed = true;
    actions.push({ kind: 'run', script: sh`rm -f -- ${path}`, describe: `removing ${path}` });
    effects.push({ kind: 'path', path, state: 'absent' });
    diffs.push({ before: f.content.toString('utf8'), after: '', before_header: path, after_header: '/dev/null' });
  };
  /** Writes `content` when it differs, else sets `mode` when that differs (Ansible's checksum, then set_mode_if_different). */
  const write = (path: string, f: KnownFile | undefined, content: Buffer, mode: number): void => {
    if (!f || !f.content.equals(content)) {
      changed = true;
      actions.push({ kind: 'write', path, content, mode: modeString(mode) });
      effects.push({ kind: 'path', path, state: 'file', content, mode, ...(f ? {} : { created: true }) });
      diffs.push({ before: f?.content.toString('utf8') ?? '', after: content.toString('utf8'), before_header: f ? path : '/dev/null', after_header: path });
    } else if (f.mode !== mode) {
      changed = true;
      actions.push({ kind: 'run', script: sh`chmod ${modeString(mode)} -- ${path}`, describe: `chmod ${path}` });
      effects.push({ kind: 'path', path, state: 'file', mode });
      diffs.push({ before: `mode: ${modeString(f.mode)}\n`, after: `mode: ${modeString(mode)}\n`, before_header: `${path} (mode)`, after_header: `${path} (mode)` });
    }
  };

  if ((p.state ?? 'present') === 'absent') {
    remove(dest, s.sources);
    remove(keyFile(p.name, 'asc'), s.asc);
    remove(keyFile(p.name, 'gpg'), s.gpg);
    // Ansible reports the .gpg name (the last one it looked at), whichever existed.
    const result = { repo: null, dest, key_filename: keyFile(p.name, 'gpg') };
    if (changed) effects.push(sourcesEffect(s.predictedFiles ?? [], [dest]));
    return { changed, actions, diffs, result, ...(changed ? { effects, summary: `removed ${dest}` } : {}) };
  }

  let signedBy = p.signed_by;
  let keyFilename: string | null = null;
  if (signedBy !== undefined && isKeyUrl(signedBy)) {
    if (s.key === undefined) return { changed: false, actions: [], failed: `Could not fetch signed_by key: ${s.keyError ?? 'no answer'}` };
    if (s.key.length === 0) return { changed: false, actions: [], failed: `Could not fetch signed_by key: ${signedBy} answered with nothing` };
    const ext = isArmored(s.key) ? 'asc' : 'gpg';
    keyFilename = keyFile(p.name, ext);
    const existing = s[ext];
    if (!existing || !existing.content.equals(s.key)) {
      // Ansible's ensure_keyrings_dir: root:root 0755, made when missing.
      const d = s.keyringsDir;
      if (!d) {
        actions.push({ kind: 'run', script: sh`mkdir -m 0755 -- ${KEYRINGS_DIR}`, describe: `creating ${KEYRINGS_DIR}` });
        effects.push({ kind: 'path', path: KEYRINGS_DIR, state: 'directory', created: true, mode: 0o755, owner: 'root', group: 'root', uid: 0, gid: 0 });
      } else if (d.mode !== 0o755 || d.owner !== 'root' || d.group !== 'root') {
        actions.push({ kind: 'run', script: sh`chown root:root -- ${KEYRINGS_DIR} && chmod 0755 -- ${KEYRINGS_DIR}`, describe: `fixing ${KEYRINGS_DIR}` });
        effects.push({ kind: 'path', path: KEYRINGS_DIR, state: 'directory', mode: 0o755, owner: 'root', group: 'root', uid: 0, gid: 0 });
      }
    }
    write(keyFilename, existing, s.key, 0o644);
    signedBy = keyFilename;
  } else if (signedBy !== undefined && s.signedByIsFile) {
    keyFilename = signedBy;
  }

  const repo = renderStanza(p, signedBy);
  write(dest, s.sources, Buffer.from(repo), octal(p.mode ?? '0644')!);
  if (changed) effects.push(sourcesEffect(s.predictedFiles ?? [], [dest]));
  return { changed, actions, diffs, result: { repo, dest, key_filename: keyFilename }, ...(changed ? { effects, summary: `wrote ${dest}` } : {}) };
}

/** Check mode: the .sources and key files as earlier tasks would leave them. */
export function overlayDeb822(s: Deb822State, predicted: Predicted, p: Deb822RepositoryParams): Deb822State {
  const out: Deb822State = { ...s, predictedFiles: predictedSourceFiles(predicted) };
  for (const [k, path] of [['sources', sourcesFile(p.name)], ['asc', keyFile(p.name, 'asc')], ['gpg', keyFile(p.name, 'gpg')]] as const) {
    const f = overlayFile(s[k], path, predicted);
    if (f) out[k] = f;
    else delete out[k];
  }
  // A key file an earlier task writes (apt_signing_key, copy) is reported as key_filename, as in the run.
  if (p.signed_by !== undefined && !isKeyUrl(p.signed_by)) {
    const key = predicted.path(p.signed_by);
    if (key?.state === 'unknown') return predicted.unpredictable(key.by, `whether ${p.signed_by} exists is not known before it runs`);
    if (key) out.signedByIsFile = key.state === 'file' || key.state === 'hard';
  }
  const dir = predicted.path(KEYRINGS_DIR);
  if (dir?.state === 'directory') out.keyringsDir = { mode: dir.mode ?? s.keyringsDir?.mode ?? 0o755, owner: dir.owner ?? s.keyringsDir?.owner ?? 'root', group: dir.group ?? s.keyringsDir?.group ?? 'root' };
  else if (dir?.state === 'absent') delete out.keyringsDir;
  return out;
}

export const deb822_repository = defineModule<Deb822RepositoryParams, Deb822State>({
  ...deb822RepositoryDefinition,
  async gather(p, probe) {
    const out = await runProbe(probe, probeScript(p), sourcesFile(p.name));
    return parseDeb822State(out.stdoutBytes);
  },
  plan: (p, s) => planDeb822(p, s),
  overlay: overlayDeb822,
});
