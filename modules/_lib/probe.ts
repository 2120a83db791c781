/**
 * Building blocks for one-round-trip probes. Every probe speaks one format: `key value` lines
 * (the first of a key wins), then optionally a `::content::` line followed by raw file bytes
 * (binary-safe, parsed from stdoutBytes) — `parseProbe`. A value that may hold any byte but NUL (a
 * path, a link target: a newline is legal in both) is printed as a NUL-delimited record instead,
 * `\0key value\0` (fieldLine, linkTargetLine), so it comes back exactly. Every probe runs through
 * `runProbe`, which checks its exit code: a probe that fails on the host throws ProbeError and the
 * task fails with its message. Parsers here are pure and tested on recorded output.
 */
import type { ExecResult } from '../../runner/connection/types.js';
import { ProbeError } from '../../runner/module.js';
import type { Probe, ProbeOptions } from '../../runner/module.types.js';
import { HW_STAT_FALLBACK, PROBE_STAT_FORMAT } from '../../runner/probe-batch.js';
import { sh, type Raw } from '../../runner/shell.js';

/**
 * Runs a probe script; a non-zero exit fails the task (ProbeError: `probing <what> failed: <stderr>`).
 * A probe reports what it finds in its output, so it exits 0 whenever it could look. `options`:
 * `inBatchShell` for a script that keeps ProbeOptions' rules (unit-tested in probe-shell.test.ts).
 */
export async function runProbe(probe: Probe, script: string, what: string, options?: Pick<ProbeOptions, 'inBatchShell' | 'statPaths'>): Promise<ExecResult> {
  const out = await probe.run(script, options);
  if (out.rc !== 0) throw new ProbeError(`probing ${what} failed: ${out.stderr.trim() || `rc=${out.rc}`}`);
  return out;
}

export const CONTENT_MARK = '::content::';

/** runProbe's options for a script that keeps ProbeOptions.inBatchShell's rules. */
export const IN_BATCH_SHELL = { inBatchShell: true } as const;

/**
 * Probe scripts run once per task per host, so they fork as little as possible: tests, printf,
 * umask, read and parameter expansion are builtins; an external command is only there when no
 * builtin does its work.
 */

/** Prints `key` with the value of shell word `word` as a NUL-delimited record: any bytes but NUL round-trip. */
export function fieldLine(key: string, word: string): string {
  return `printf '\\000%s %s\\000' ${key} ${word}`;
}

/**
 * Prints the link target of `pathWord` (readlink, no -f) as a NUL-delimited `key` record. The `x`
 * keeps a target's own trailing newlines from being stripped by the command substitution.
 */
export function linkTargetLine(key: string, pathWord: string): string {
  return `t=$(readlink -- ${pathWord}; printf x); t=\${t%x}; t=\${t%?}; ${fieldLine(key, '"$t"')}`;
}

/** `stat` of one path, printed as `<key> <type>|<mode>|<owner>|<group>|<uid>|<gid>|<size>|<mtime>|<nlink>|<inode>`
 * or `<key> absent`; a symlink also prints `<key>.target <link target>`. `pathWord` is a shell
 * word (quoted literal or "$var"). Not following links it goes through `hw_stat`, which a batch
 * may answer from one stat of several paths (ProbeOptions.statPaths). */
export function statLines(key: string, pathWord: Raw, follow = false): string {
  // Following links, a dangling symlink counts as absent (stat -L would fail on it).
  const exists = follow ? `[ -e ${pathWord.text} ]` : `[ -e ${pathWord.text} ] || [ -L ${pathWord.text} ]`;
  return [
    follow ? '' : HW_STAT_FALLBACK,
    `if ${exists}; then`,
    follow ? `  printf '%s ' ${key}; stat -L -c '${STAT_FORMAT}' -- ${pathWord.text}` : `  hw_stat ${pathWord.text} && printf '%s %s\\n' ${key} "$hw_s"`,
    follow ? '' : `  if [ -L ${pathWord.text} ]; then ${linkTargetLine(`${key}.target`, pathWord.text)}; fi`,
    `else echo ${key} absent; fi`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** The fields `parseStat` reads, in its order (the format of the batch's `hw_stat`). */
export const STAT_FORMAT = PROBE_STAT_FORMAT;

/**
 * Sets shell variable `to` to dirname of `"$from"` without running dirname (POSIX's algorithm:
 * trailing slashes off, last component off, trailing slashes off again; '/' and '.' as dirname).
 */
export function dirnameLines(from: string, to: string): string {
  const strip = `while [ "\${${to}%/}" != "$${to}" ] && [ "$${to}" != / ]; do ${to}=\${${to}%/}; done`;
  return [
    `${to}=$${from}; ${strip}`,
    `case $${to} in */*) ${to}=\${${to}%/*}; ${strip}; ${to}=\${${to}:-/} ;; *) ${to}=. ;; esac`,
  ].join('\n');
}

/**
 * Looks up a user's uid and a group's gid (only for names; numbers are taken as ids): from
 * /etc/passwd and /etc/group with the read builtin, and through `getent` (NSS: LDAP, sssd) only
 * for a name those files do not have.
 */
export function idLookupLines(owner: string | undefined, group: string | undefined): string {
  const lookup = (db: 'passwd' | 'group', name: string, key: string): string =>
    [
      sh`n=${name}; i=`,
      `while IFS=: read -r a _ c _; do if [ "$a" = "$n" ]; then i=$c; break; fi; done < /etc/${db}`,
      `if [ -z "$i" ]; then i=$(getent ${db} "$n") && { i=\${i#*:*:}; i=\${i%%:*}; }; fi`,
      `printf '${key} %s\\n' "$i"`,
    ].join('\n');
  const lines: string[] = [];
  if (owner !== undefined && !/^\d+$/.test(owner)) lines.push(lookup('passwd', owner, 'uid'));
  if (group !== undefined && !/^\d+$/.test(group)) lines.push(lookup('group', group, 'gid'));
  return lines.join('\n');
}

/** Prints the current umask (for the mode a new file will get), by the builtin: no subshell. */
export const UMASK_LINE = `printf 'umask '; umask`;

export interface ProbeOutput {
  /** Each key's first value. */
  fields: Map<string, string>;
  /** Every record in order, for keys printed more than once. */
  records: [key: string, value: string][];
  content?: Buffer;
}

export function parseProbe(out: Buffer): ProbeOutput {
  const fields = new Map<string, string>();
  const records: [string, string][] = [];
  let at = 0;
  while (at < out.length) {
    let record: Buffer;
    if (out[at] === 0) {
      // `\0key value\0`: the value may hold newlines (and text that looks like the content mark).
      const end = out.indexOf(0, at + 1);
      record = out.subarray(at + 1, end < 0 ? out.length : end);
      at = end < 0 ? out.length : end + 1;
    } else {
      const end = out.indexOf(0x0a, at);
      if (end < 0) {
        record = out.subarray(at);
        at = out.length;
      } else {
        record = out.subarray(at, end);
        at = end + 1;
        if (record.toString('latin1') === CONTENT_MARK) return { fields, records, content: out.subarray(at) };
      }
    }
    if (record.length === 0) continue;
    const line = record.toString('utf8');
    const sp = line.indexOf(' ');
    const [key, value] = sp < 0 ? [line, ''] : [line.slice(0, sp), line.slice(sp + 1)];
    records.push([key, value]);
    if (!fields.has(key)) fields.set(key, value);
  }
  return { fields, records };
}

export type FileType = 'file' | 'directory' | 'link' | 'fifo' | 'socket' | 'char' | 'block' | 'other';

export interface FileInfo {
  type: FileType;
  /** Permission bits (0..0o7777). */
  mode: number;
  owner: string;
  group: string;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  nlink: number;
  inode: number;
  /** For a symlink, where it points. */
  linkTarget?: string;
}

const TYPES: Record<string, FileType> = {
  'regular file': 'file',
  'regular empty file': 'file',
  directory: 'directory',
  'symbolic link': 'link',
  fifo: 'fifo',
  socket: 'socket',
  'character special file': 'char',
  'block special file': 'block',
};

/** Parses a `statLines` record; undefined when the path is absent. */
export function parseStat(fields: Map<string, string>, key: string): FileInfo | undefined {
  const line = fields.get(key);
  if (line === undefined) throw new Error(`probe output has no '${key}' line`);
  if (line === 'absent') return undefined;
  const [type, mode, owner, group, uid, gid, size, mtime, nlink, inode] = line.split('|');
  const info: FileInfo = {
    type: TYPES[type ?? ''] ?? 'other',
    mode: parseInt(mode ?? '0', 8),
    owner: owner ?? '',
    group: group ?? '',
    uid: Number(uid),
    gid: Number(gid),
    size: Number(size),
    mtime: Number(mtime),
    nlink: Number(nlink),
    inode: Number(inode),
  };
  const target = fields.get(`${key}.target`);
  if (target !== undefined) info.linkTarget = target;
  return info;
}

/** The ids looked up by `idLookupLines`: a number, null when the name does not exist. */
export function parseIds(fields: Map<string, string>, owner?: string, group?: string): { uid?: number | null; gid?: number | null } {
  const id = (name: string | undefined, key: string): number | null | undefined => {
    if (name === undefined) return undefined;
    if (/^\d+$/.test(name)) return Number(name);
    const v = fields.get(key);
    return v ? Number(v) : null;
  };
  return { uid: id(owner, 'uid'), gid: id(group, 'gid') };
}

export function parseUmask(fields: Map<string, string>): number {
  return parseInt(fields.get('umask') ?? '022', 8);
}

/**
 * Prints a text file's exact content (trailing newlines kept) as the NUL-delimited record `key`,
 * or nothing when the file does not exist: `parseProbe(...).fields.get(key)` is then undefined.
 */
export function textFileLine(key: string, pathWord: string): string {
  return `if [ -f ${pathWord} ]; then t=$(cat -- ${pathWord}; printf x) && ${fieldLine(key, '"${t%x}"')}; fi`;
}
