/**
 * unarchive's one probe: creates, dest, the archive's kind (magic bytes), the host's tools, the
 * archive's listing and how dest differs from it — GNU tar's own `--diff` for tar archives (what
 * Ansible's TgzArchive runs), and for zip an extraction into a temp directory compared entry by
 * entry with dest (type, content, mode, owner, mtime of files), printed in tar's `--diff` wording
 * so one filter judges both. A controller archive arrives on the probe's stdin into a temp file;
 * every temp file is removed when the probe exits. dest itself is only read.
 */
import { raw, sh } from '../../runner/shell.js';
import { idLookupLines, parseIds, parseProbe, parseStat, statLines, STAT_FORMAT, type FileInfo } from '../_lib/probe.js';
import type { Ids } from '../_lib/attrs.js';

/**
 * Ansible's handler class names. Ansible tries zip, then tar -z, then tar without a flag, which
 * GNU tar reading a file decompresses by itself (bz2, xz, zst): those are TarArchive, as there.
 */
export type Handler = 'ZipArchive' | 'TgzArchive' | 'TarArchive';

/** tar's flag for each handler (Ansible's zipflag). */
export const TAR_FLAGS: Record<Exclude<Handler, 'ZipArchive'>, string | undefined> = { TgzArchive: '-z', TarArchive: undefined };

export interface ProbeOptions {
  dest: string;
  /** The archive's path on the host, or undefined: it comes on stdin (a controller file). */
  remoteSrc?: string;
  creates?: string;
  extraOpts: string[];
  include: string[];
  exclude: string[];
  keepNewer: boolean;
  owner?: string;
  group?: string;
  /** Stat the listed entries in dest (mode/owner/group were given). */
  statEntries: boolean;
}

/** tar's options shared by --list, --diff and --extract (Ansible's order). */
export function tarOptions(o: Pick<ProbeOptions, 'extraOpts' | 'owner' | 'group' | 'keepNewer' | 'exclude'>, flag: string | undefined, withAttrs: boolean): string[] {
  const args: string[] = [];
  if (flag) args.push(flag);
  if (o.extraOpts.length) args.push('--show-transformed-names', ...o.extraOpts);
  if (withAttrs && o.owner) args.push(`--owner=${o.owner}`);
  if (withAttrs && o.group) args.push(`--group=${o.group}`);
  if (withAttrs && o.keepNewer) args.push('--keep-newer-files');
  for (const e of o.exclude) args.push(`--exclude=${e.replace(/\/+$/, '')}`);
  return args;
}

/** unzip's arguments after the archive: excludes, includes (Ansible's ZipArchive.unarchive). */
export function unzipSelection(o: Pick<ProbeOptions, 'include' | 'exclude'>): string[] {
  return [...(o.exclude.length ? ['-x', ...o.exclude] : []), ...o.include];
}

const KIND_LINES = [
  // The first 6 bytes decide the handler (tar itself also looks at them to pick a decompressor).
  `m=$(od -An -tx1 -N6 -- "$a" | tr -d ' \\n')`,
  `case $m in 504b0304*|504b0506*) h=ZipArchive ;; 1f8b*) h=TgzArchive ;; *) h=TarArchive ;; esac`,
  // tar needs the zstd program for .tar.zst.
  `case $m in 28b52ffd*) command -v zstd >/dev/null 2>&1 || { echo "tool zstd"; exit 0; } ;; esac`,
  `echo "handler $h"`,
].join('\n');

export function unarchiveProbe(o: ProbeOptions): string {
  const tarCase = (['TgzArchive', 'TarArchive'] as const).map((h) => {
    const list = ['--list', ...tarOptions(o, TAR_FLAGS[h], false), '-f', raw('"$a"'), ...o.include];
    const diff = ['--diff', '-C', raw('"$dest"'), ...tarOptions(o, TAR_FLAGS[h], true), '-f', raw('"$a"'), ...o.include];
    return [
      `  ${h})`,
      sh`    LC_ALL=C tar ${list} > "$x/list" 2> "$x/err"; echo "listrc $?"`,
      `    sed 's/^/f /' "$x/list"; sed 's/^/e /' "$x/err"`,
      sh`    if [ -d "$dest" ]; then (cd "$dest" && LC_ALL=C tar ${diff}) 2>&1 | sed 's/^/d /'; fi`,
      '    ;;',
    ].filter(Boolean).join('\n');
  });
  const zipCase = [
    '  ZipArchive)',
    `    command -v unzip >/dev/null 2>&1 || { echo "tool unzip"; exit 0; }`,
    `    unzip -Z1 "$a" > "$x/list" 2> "$x/err"; echo "listrc $?"`,
    `    sed 's/^/f /' "$x/list"; sed 's/^/e /' "$x/err"`,
    `    if [ -d "$dest" ]; then`,
    sh`      mkdir "$x/u" && unzip -q -o ${o.extraOpts} "$a" ${unzipSelection(o)} -d "$x/u" > /dev/null 2>&1`,
    // Each entry as extracted here against dest, in tar --diff's words. Directory mtimes move
    // whenever an entry is added, so only files' mtimes count (tar --diff does the same).
    `      cd "$x/u" && find . -mindepth 1 | while IFS= read -r f; do`,
    `        f=\${f#./}; t=$dest/$f`,
    `        if [ ! -e "$t" ] && [ ! -L "$t" ]; then echo "d $f: Warning: Cannot stat: No such file or directory"; continue; fi`,
    `        if [ -L "$f" ]; then [ -L "$t" ] && [ "$(readlink -- "$f")" = "$(readlink -- "$t")" ] || echo "d $f: Symlink differs"; continue; fi`,
    `        if [ -d "$f" ]; then [ -d "$t" ] && [ ! -L "$t" ] || { echo "d $f: File type differs"; continue; }`,
    `        else { [ -f "$t" ] && [ ! -L "$t" ]; } || { echo "d $f: File type differs"; continue; }; fi`,
    `        set -- $(stat -c '%a %u %g %Y' -- "$f") $(stat -c '%a %u %g %Y' -- "$t")`,
    // keep_newer: a file newer in dest is left alone entirely (Ansible excludes it from unzip).
    `        if [ -f "$f" ] && [ -n "$keep" ] && [ "$8" -gt "$4" ]; then echo "n $f"; continue; fi`,
    `        [ -d "$f" ] || cmp -s -- "$f" "$t" || echo "d $f: Contents differ"`,
    `        [ "$1" = "$5" ] || echo "d $f: Mode differs"; [ "$2" = "$6" ] || echo "d $f: Uid differs"; [ "$3" = "$7" ] || echo "d $f: Gid differs"`,
    `        if [ -f "$f" ] && [ "$4" != "$8" ]; then echo "d $f: Mod time differs"; fi`,
    `      done`,
    `    fi`,
    '    ;;',
  ].join('\n');
  return [
    sh`dest=${o.dest}; keep=${o.keepNewer ? '1' : ''}`,
    o.creates !== undefined ? sh`if [ -e ${o.creates} ]; then echo creates yes; exit 0; fi` : '',
    statLines('dest', raw('"$dest"'), true),
    idLookupLines(o.owner, o.group),
    `echo "runuid $(id -u)"`,
    `x=$(mktemp -d /tmp/.hostwright-unarchive.XXXXXXXX) || exit 1`,
    `trap 'cd /; rm -rf -- "$x"' EXIT`,
    o.remoteSrc !== undefined
      ? sh`a=${o.remoteSrc}; if [ ! -e "$a" ]; then echo src absent; exit 0; elif [ ! -r "$a" ]; then echo src unreadable; exit 0; fi`
      : `a=$x/archive; cat > "$a"`,
    `[ -s "$a" ] || { echo src empty; exit 0; }`,
    `s=$(sha1sum < "$a") && echo "srcsha1 \${s%% *}"`,
    KIND_LINES,
    // Ansible needs GNU tar (--diff, --show-transformed-names).
    `case $h in Tar*) v=$(tar --version 2>/dev/null | head -n 1); case $v in *GNU*) ;; *) echo "tool gtar"; exit 0 ;; esac ;; esac`,
    `case $h in`,
    ...tarCase,
    zipCase,
    `esac`,
    o.statEntries ? `[ -d "$dest" ] && cd "$dest" && tr '\\n' '\\0' < "$x/list" | xargs -0 -r stat -c 'a ${STAT_FORMAT}|%n' -- 2>/dev/null` : '',
    'exit 0',
  ].filter(Boolean).join('\n') + '\n';
}

export interface UnarchiveState {
  /** `creates` exists: nothing to do. */
  creates?: boolean;
  dest?: FileInfo;
  /** The archive could not be read: 'absent', 'unreadable', 'empty'. */
  src?: 'absent' | 'unreadable' | 'empty';
  srcSha1?: string;
  handler?: Handler;
  /** A tool the host lacks for this archive: 'unzip', 'zstd', 'gtar'. */
  missingTool?: string;
  listRc?: number;
  listErr?: string;
  /** Entries as listed (before Ansible's exclude fnmatch). */
  entries: string[];
  /** zip with keep_newer: files newer in dest, left out of the extraction. */
  newer: string[];
  /** `--diff` lines (or the zip comparison's, in the same words). */
  differences: string[];
  /** Listed entries as they are in dest, by entry name (only when mode/owner/group were given). */
  stats: Map<string, FileInfo>;
  runUid?: number;
  ids: Ids;
}

export function parseUnarchiveProbe(out: Buffer, owner: string | undefined, group: string | undefined): UnarchiveState {
  const { fields, records } = parseProbe(out);
  const state: UnarchiveState = { entries: [], newer: [], differences: [], stats: new Map(), ids: parseIds(fields, owner, group) };
  if (fields.get('creates') === 'yes') return { ...state, creates: true };
  const dest = parseStat(fields, 'dest');
  if (dest) state.dest = dest;
  const src = fields.get('src');
  if (src === 'absent' || src === 'unreadable' || src === 'empty') state.src = src;
  if (fields.has('srcsha1')) state.srcSha1 = fields.get('srcsha1')!;
  if (fields.has('handler')) state.handler = fields.get('handler') as Handler;
  if (fields.has('tool')) state.missingTool = fields.get('tool')!;
  if (fields.has('listrc')) state.listRc = Number(fields.get('listrc'));
  if (fields.has('runuid')) state.runUid = Number(fields.get('runuid'));
  const errors: string[] = [];
  for (const [key, value] of records) {
    if (key === 'f') state.entries.push(value);
    else if (key === 'e') errors.push(value);
    else if (key === 'd') state.differences.push(value);
    else if (key === 'n') state.newer.push(value);
    else if (key === 'a') {
      // `a <stat fields>|<name>`: the name is everything after the 10th '|'.
      const parts = value.split('|');
      const name = parts.slice(10).join('|');
      const info = parseStat(new Map([['s', parts.slice(0, 10).join('|')]]), 's');
      if (info) state.stats.set(name, info);
    }
  }
  if (errors.length) state.listErr = errors.join('\n');
  return state;
}
