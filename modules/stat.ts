/**
 * stat: report a path's status, registered as `stat: { exists, path, mode, isdir, ... }` with
 * Ansible's keys. Never changes anything. One round trip: stat, access checks, link target,
 * owner names, checksum and mime type in one script.
 * Not implemented: get_attributes (lsattr's `attributes`/`attr_flags`/`version`).
 */
import type { JSONSchemaType } from 'ajv';
import { defineModule } from '../runner/module.js';
import { raw, sh } from '../runner/shell.js';
import path from 'node:path';
import type { PathPrediction, Predicted, TaskResult } from '../runner/module.types.js';
import { sha1 } from './_lib/target.js';
import { overlayInfo } from './_lib/predicted.js';
import { IN_BATCH_SHELL, parseProbe, runProbe, type FileInfo } from './_lib/probe.js';

export type ChecksumAlgorithm = 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

export interface StatParams {
  /** The path to examine. */
  path: string;
  /** Follow symlinks (report on the target). @default false */
  follow?: boolean;
  /** Compute the checksum of a regular file. @default true */
  get_checksum?: boolean;
  /** Checksum algorithm. @default 'sha1' */
  checksum_algorithm?: ChecksumAlgorithm;
  /** Report mimetype and charset (via `file`, 'unknown' when the host lacks it). @default true */
  get_mime?: boolean;
}

const schema: JSONSchemaType<StatParams> = {
  type: 'object',
  properties: {
    path: { type: 'string', minLength: 1 },
    follow: { type: 'boolean', nullable: true, default: false },
    get_checksum: { type: 'boolean', nullable: true, default: true },
    checksum_algorithm: { type: 'string', enum: ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'], nullable: true, default: 'sha1' },
    get_mime: { type: 'boolean', nullable: true, default: true },
  },
  required: ['path'],
  additionalProperties: false,
};

/** Ansible's `stat` dict for an existing path (the keys a playbook reads most are typed). */
export interface StatOfExisting {
  exists: true;
  path: string;
  /** Octal permission bits, e.g. '0644'. */
  mode: string;
  isdir: boolean;
  isreg: boolean;
  islnk: boolean;
  uid: number;
  gid: number;
  pw_name?: string;
  gr_name?: string;
  size: number;
  mtime: number;
  checksum?: string;
  lnk_source?: string;
  lnk_target?: string;
  [key: string]: unknown;
}

export type StatResult = { exists: false } | StatOfExisting;

/** What `task('...', stat({...}))` registers: `result(h)?.stat.exists`, `.stat.isdir`, ... */
export interface StatTaskResult extends TaskResult {
  stat: StatResult;
}

const FORMAT = '%f|%u|%g|%s|%i|%d|%h|%.9X|%.9Y|%.9Z|%U|%G|%b|%B|%t|%T';

export function statScript(p: StatParams): string {
  const L = p.follow ? raw('-L ') : raw('');
  const algo = p.checksum_algorithm ?? 'sha1';
  // No exit (ProbeOptions.inBatchShell): the rest runs in the branch where stat succeeded, and a
  // failing stat ends the probe with its status (1), as `|| exit` did.
  return [
    sh`p=${p.path}`,
    // A dangling symlink exists unless following links.
    `if ! { ${p.follow ? '[ -e "$p" ]' : '[ -e "$p" ] || [ -L "$p" ]'}; }; then echo absent`,
    // Into a variable first: a failing stat must fail the probe, not leave a half-printed line.
    sh`elif s=$(stat ${L}-c ${FORMAT} -- "$p"); then printf 'stat %s\n' "$s"`,
    `for t in r w x; do if [ -$t "$p" ]; then echo "access_$t 1"; else echo "access_$t 0"; fi; done`,
    `if [ -L "$p" ]; then printf 'lnk_source %s\\n' "$(readlink -f -- "$p")"; printf 'lnk_target %s\\n' "$(readlink -- "$p")"; fi`,
    p.get_checksum !== false ? sh`if [ -f "$p" ] && [ -r "$p" ]; then h=$(${algo}sum < "$p") && printf 'checksum %s\n' "\${h%% *}"; fi` : '',
    p.get_mime !== false
      ? // One `file --mime` prints both: `text/plain; charset=us-ascii`.
        `if command -v file >/dev/null 2>&1; then printf 'mime '; file ${p.follow ? '-L ' : ''}-b --mime -- "$p"; else echo 'mimetype unknown'; echo 'charset unknown'; fi`
      : '',
    'else false; fi',
  ]
    .filter(Boolean)
    .join('\n');
}

/** Parses the probe output into Ansible's `stat` dict. */
export function parseStatOutput(out: string, p: StatParams): StatResult {
  const { fields } = parseProbe(Buffer.from(out));
  if (fields.has('absent')) return { exists: false };
  const [rawMode, uid, gid, size, inode, dev, nlink, atime, mtime, ctime, pwName, grName, blocks, blockSize, major, minor] = (fields.get('stat') ?? '').split('|');
  const mode = parseInt(rawMode ?? '0', 16);
  const fmt = mode & 0o170000;
  const bit = (b: number): boolean => (mode & b) !== 0;
  const maj = parseInt(major ?? '0', 16);
  const min = parseInt(minor ?? '0', 16);
  const result: Record<string, unknown> = {
    exists: true,
    path: p.path,
    mode: (mode & 0o7777).toString(8).padStart(4, '0'),
    isdir: fmt === 0o040000,
    ischr: fmt === 0o020000,
    isblk: fmt === 0o060000,
    isreg: fmt === 0o100000,
    isfifo: fmt === 0o010000,
    islnk: fmt === 0o120000,
    issock: fmt === 0o140000,
    uid: Number(uid),
    gid: Number(gid),
    size: Number(size),
    inode: Number(inode),
    dev: Number(dev),
    nlink: Number(nlink),
    atime: Number(atime),
    mtime: Number(mtime),
    ctime: Number(ctime),
    wusr: bit(0o200),
    rusr: bit(0o400),
    xusr: bit(0o100),
    wgrp: bit(0o020),
    rgrp: bit(0o040),
    xgrp: bit(0o010),
    woth: bit(0o002),
    roth: bit(0o004),
    xoth: bit(0o001),
    isuid: bit(0o4000),
    isgid: bit(0o2000),
    blocks: Number(blocks),
    block_size: Number(blockSize),
    // glibc's makedev(major, minor), as Python's st_rdev.
    device_type: (min & 0xff) | ((maj & 0xfff) << 8) | ((min & ~0xff) << 12),
    readable: fields.get('access_r') === '1',
    writeable: fields.get('access_w') === '1',
    executable: fields.get('access_x') === '1',
  };
  if (pwName && pwName !== 'UNKNOWN') result.pw_name = pwName;
  if (grName && grName !== 'UNKNOWN') result.gr_name = grName;
  const mime = fields.get('mime');
  if (mime !== undefined) {
    const [type = '', ...params] = mime.split(';').map((x) => x.trim());
    fields.set('mimetype', type);
    fields.set('charset', params.find((x) => x.startsWith('charset='))?.slice('charset='.length) ?? 'unknown');
  }
  for (const key of ['lnk_source', 'lnk_target', 'checksum', 'mimetype', 'charset']) {
    const v = fields.get(key);
    if (v !== undefined) result[key] = v;
  }
  return result as StatResult;
}

export const stat = defineModule<StatParams, { stat: StatResult }, StatTaskResult>({
  name: 'stat',
  probeAhead: true,
  schema,
  async gather(p, probe) {
    const out = await runProbe(probe, statScript(p), p.path, IN_BATCH_SHELL);
    return { stat: parseStatOutput(out.stdout, p) };
  },
  overlay(state, predicted, p) {
    const pred = predicted.path(p.path);
    if (!pred) return state;
    if (pred.state === 'link' && p.follow) {
      const real = path.posix.resolve(path.posix.dirname(p.path), pred.src ?? '');
      return { stat: predictedStat(p, overlayInfo(undefined, predicted.path(real) ?? { state: 'unknown', path: real, by: pred.by }, predicted, false), predicted.path(real), predicted) };
    }
    return { stat: predictedStat(p, overlayInfo(undefined, pred, predicted, false), pred, predicted) };
  },
  plan(_p, state) {
    return { changed: false, actions: [], result: { stat: state.stat } };
  },
});

/** Keys a prediction cannot know (times, inode, device, what `file` would say). */
const UNPREDICTED_KEYS = ['atime', 'mtime', 'ctime', 'inode', 'dev', 'blocks', 'block_size', 'device_type', 'mimetype', 'charset'];

/**
 * Check mode: Ansible's `stat` dict of a path as earlier tasks would leave it. Keys only the real
 * file can give (mtime, inode ...) are not there; reading one makes the reader depend on the task
 * that predicted the path.
 */
function predictedStat(p: StatParams, info: FileInfo | undefined, pred: PathPrediction | undefined, predicted: Predicted): StatResult {
  if (!info) return { exists: false };
  const content = pred && 'content' in pred ? pred.content : undefined;
  const mode = info.mode;
  const root = predicted.creator?.uid === 0;
  const result: Record<string, unknown> = {
    exists: true,
    path: p.path,
    mode: mode.toString(8).padStart(4, '0'),
    isdir: info.type === 'directory',
    ischr: false,
    isblk: false,
    isreg: info.type === 'file',
    isfifo: false,
    islnk: info.type === 'link',
    issock: false,
    uid: info.uid,
    gid: info.gid,
    size: info.size,
    nlink: info.nlink,
    wusr: (mode & 0o200) !== 0,
    rusr: (mode & 0o400) !== 0,
    xusr: (mode & 0o100) !== 0,
    wgrp: (mode & 0o020) !== 0,
    rgrp: (mode & 0o040) !== 0,
    xgrp: (mode & 0o010) !== 0,
    woth: (mode & 0o002) !== 0,
    roth: (mode & 0o004) !== 0,
    xoth: (mode & 0o001) !== 0,
    isuid: (mode & 0o4000) !== 0,
    isgid: (mode & 0o2000) !== 0,
  };
  if (root) Object.assign(result, { readable: true, writeable: true, executable: info.type === 'directory' || (mode & 0o111) !== 0 });
  if (info.owner) result.pw_name = info.owner;
  if (info.group) result.gr_name = info.group;
  if (info.type === 'link' && info.linkTarget !== undefined) result.lnk_target = info.linkTarget;
  if (content && info.type === 'file' && p.get_checksum !== false) {
    if ((p.checksum_algorithm ?? 'sha1') === 'sha1') result.checksum = sha1(content);
  }
  const by = pred?.state !== 'unknown' ? (pred?.by ?? '') : '';
  return new Proxy(result, {
    get(target, key, receiver) {
      if (typeof key === 'string' && !(key in target) && (UNPREDICTED_KEYS.includes(key) || ['readable', 'writeable', 'executable', 'pw_name', 'gr_name', 'checksum'].includes(key))) {
        predicted.unpredictable(by, `stat's ${key} is known only once it ran`);
      }
      return Reflect.get(target, key, receiver);
    },
  }) as StatResult;
}
