/**
 * backup_verify: re-reads an archive of a job's series (the newest, or the one named) against the
 * sha256 beside it and lists it to the end with tar, so a damaged archive is found before it is
 * needed. PostgreSQL dumps inside it are read to the end too: the sha256 only proves the archive is
 * the one backup wrote, not that pg_dump wrote a whole dump (a disk that filled, a pg_dump killed
 * after its output was already archived by hand), so each `<db>.dump` is listed (`pg_restore
 * --list`: its table of contents) and then decoded whole (`pg_restore -f /dev/null`: every data
 * block read and decompressed, no server needed). pg_restore runs where backup runs pg_dump: in
 * the podman `container` when one is named, else on the host; a host with neither (a copy's target)
 * checks the archive only and says so. Read-only: the work is the probe, never changed; a bad
 * archive fails the task saying why.
 */
import { defineModule } from '../../runner/module.js';
import type { Plan } from '../../runner/module.types.js';
import { raw, sh } from '../../runner/shell.js';
import { runProbe } from '../_lib/probe.js';
import { DUMP_DIR, type DumpReader } from './postgres.js';
import { DEFAULT_DEST, parseArchiveName, seriesDir } from './series.js';
import { backupVerifyDefinition, type BackupVerifyParams } from './verify.params.js';

export type { BackupVerifyParams } from './verify.params.js';

export interface VerifyState {
  /** The archive checked (undefined: the series has none). */
  archive?: string;
  expected?: string;
  actual?: string;
  tarRc?: number;
  entries: number;
  tarError: string[];
  /** The archived paths (absolute): the members whose parent directory is not in the archive. */
  roots: string[];
  /** The databases dumped into the archive. */
  dumps: string[];
  /** The archive holds a `globals.sql` (roles, tablespaces). */
  globals: boolean;
  /** An encrypted archive that was not decrypted (no key given). */
  notDecrypted?: boolean;
  /** age's error when it could not decrypt (a wrong key, a damaged header). */
  ageError?: string;
  /** Each dump read with pg_restore, in archive order. */
  dumpChecks: DumpCheck[];
  /** The archive holds dumps but no pg_restore could read them (none on the host, no container). */
  noPgRestore?: boolean;
}

/** One dump read to the end: pg_restore's exit code and its table of contents' entry count. */
export interface DumpCheck {
  database: string;
  /** `pg_restore --list`'s exit code, and the entry count its header states (TOC_ENTRIES). */
  listRc: number;
  toc: number;
  /** `pg_restore -f /dev/null`'s exit code: every data block read and decompressed. */
  readRc: number;
  /** pg_restore's last error lines. */
  error: string[];
}

/**
 * awk over `tar -t`'s listing, followed by a `::tar-exit N` line: prints `entries N`, `tar N`,
 * `root /path` for each archived path (a member whose parent directory is not a member: tar lists
 * a directory before what it holds), `dump DB` and `globals yes` for the PostgreSQL members.
 * Only directories are remembered, so memory grows with the tree's directories, not its files.
 */
const LISTING_AWK = String.raw`
  { n = $0; last = n; sub(/\/$/, "", n) }
  n ~ /^::tar-exit / { next }
  { count++ }
  n == ".hostwright-backup" || n == ".hostwright-backup/postgres" { next }
  n ~ /^\.hostwright-backup\// { if (n ~ /^\.hostwright-backup\/postgres\/[^\/]+\.dump$/) { d = n; sub(/^.*\//, "", d); sub(/\.dump$/, "", d); print "dump " d } else if (n == ".hostwright-backup/postgres/globals.sql") print "globals yes"; next }
  { p = n; if (sub(/\/[^\/]*$/, "", p) == 0 || !(p in dirs)) print "root /" n; if ($0 ~ /\/$/) dirs[n] = 1 }
  END { printf "entries %d\n", count; if (last ~ /^::tar-exit [0-9]+$/) { sub(/^::tar-exit /, "", last); print "tar " last } }`;

/**
 * Sets `$a` to the archive's file name: the one named when it is in the series directory `dir`,
 * else the newest (names of a series sort in time order: fixed-width UTC stamps after the same
 * prefix); empty when there is none. Shared by verify, restore and copy.
 */
export function pickArchive(job: string, dir: string, archive: string | undefined): string {
  return archive
    ? sh`a=${archive}; [ -f ${dir}/"$a" ] || a=`
    : sh`a=; for f in ${dir}/${job}-*.tar.gz ${dir}/${job}-*.tar.zst ${dir}/${job}-*.tar.gz.age ${dir}/${job}-*.tar.zst.age; do [ -f "$f" ] || continue; n=\${f##*/}; r=\${n#${job}-}; r=\${r#????????T??????Z-}; case $r in *[!a-z0-9.]*) continue ;; esac; if [ -z "$a" ] || [ "$n" \\> "$a" ]; then a=$n; fi; done`;
}

/**
 * Probe lines that choose the archive (`$a`, in the series directory, which becomes the cwd) and
 * read it: its sha256 against the `.sha256` beside it, and tar's listing to the end. Exits 0 early
 * (printing nothing about an archive) when the series has none. Shared with backup_restore.
 */
export function archiveProbe(job: string, dest: string | undefined, archive: string | undefined, key: string | undefined, reader?: DumpReader): string {
  const dir = seriesDir(dest ?? DEFAULT_DEST, job);
  return [
    pickArchive(job, dir, archive),
    '[ -n "$a" ] || exit 0',
    sh`cd ${dir} || exit 0`,
    `printf 'archive %s\\n' "$a"`,
    `if [ -f "$a.sha256" ]; then read -r e _ < "$a.sha256"; printf 'expected %s\\n' "$e"; fi`,
    `s=$(sha256sum < "$a") && printf 'actual %s\\n' "\${s%% *}"`,
    'case $a in *.zst|*.zst.age) z=--zstd ;; *) z=--gzip ;; esac',
    // An encrypted archive is read through age with the key; without a key only its sha256 is checked.
    key
      ? sh`case $a in *.age) list() { age -d -i ${key} -- "$a" | tar -t $z -f -; } ;; *) list() { tar -t $z -f "$a"; } ;; esac`
      : `case $a in *.age) echo 'notdecrypted yes'; exit 0 ;; esac; list() { tar -t $z -f "$a"; }`,
    // tar's stdout (plus its exit code) goes through awk to fd 3 = the probe's stdout; from stderr
    // age's first error and the last three other lines are kept. The listing is kept in $l: its
    // `dump` lines name the dumps read next.
    `l=$( { err=$( { { list; echo "::tar-exit $?"; } 2>&4 | awk '${LISTING_AWK}' >&3; } 4>&1); if [ -n "$err" ]; then printf '%s\\n' "$err" | grep -m1 '^age: error' | sed 's/^/ageerr /'; printf '%s\\n' "$err" | grep -v '^age: ' | tail -n 3 | sed 's/^/tarerr /'; fi; } 3>&1)`,
    `printf '%s\\n' "$l"`,
    dumpChecks(key, reader),
  ].join('\n');
}

/**
 * The entry count `pg_restore --list`'s header states (`;     TOC Entries: N`), from its output in
 * $o; nothing when there is no header. Not the object lines it lists: a dump of an empty database
 * lists none (its ENCODING, STDSTRINGS, SEARCHPATH and DATABASE entries are counted, not listed),
 * and is as restorable as any other.
 */
export const TOC_ENTRIES = `printf '%s\\n' "$o" | sed -n 's/^;[[:space:]]*TOC Entries:[[:space:]]*\\([0-9][0-9]*\\).*/\\1/p' | head -n 1`;

/**
 * Probe lines reading each dump the listing found (`dump DB` lines in $l, only when tar listed the
 * archive to its end): the member alone out of the archive (`--occurrence=1`: tar stops at it, and
 * backup archives the dumps first), through `pg_restore --list` and then `pg_restore -f /dev/null`.
 * Prints `dumpcheck DB LISTRC TOC READRC` and `dumperr DB LINE` lines, or `nopgrestore yes`.
 */
function dumpChecks(key: string | undefined, reader: DumpReader | undefined): string {
  const member = `"${DUMP_DIR}/$db.dump"`;
  const extract = key
    ? sh`case $a in *.age) dumpof() { age -d -i ${key} -- "$a" | tar -x $z -O --occurrence=1 -f - -- ${raw(member)}; } ;; *) dumpof() { tar -x $z -O --occurrence=1 -f "$a" -- ${raw(member)}; } ;; esac`
    : `dumpof() { tar -x $z -O --occurrence=1 -f "$a" -- ${member}; }`;
  return [
    `printf '%s\\n' "$l" | grep -qx 'tar 0' || exit 0`,
    `printf '%s\\n' "$l" | grep -q '^dump ' || exit 0`,
    reader?.container
      ? sh`pgr() { podman exec -i ${reader.container} pg_restore "$@"; }`
      : `if command -v pg_restore >/dev/null 2>&1; then pgr() { pg_restore "$@"; }; else echo 'nopgrestore yes'; exit 0; fi`,
    extract,
    // A pipeline's status is pg_restore's (its last command): tar or age dying of SIGPIPE when
    // --list stops reading after the table of contents is harmless. --list's entries are the
    // lines `<id>; <oid> <oid> <kind> ...`; its errors are the lines starting `pg_restore:`.
    `printf '%s\\n' "$l" | sed -n 's/^dump //p' | while IFS= read -r db; do`,
    `  o=$( { dumpof | pgr --list 2>&1; echo "::rc $?"; } )`,
    `  e=$( { dumpof | pgr -f /dev/null; } 2>&1 ); r=$?`,
    `  n=$(${TOC_ENTRIES})`,
    `  printf 'dumpcheck %s %s %s %s\\n' "$db" "\${o##*::rc }" "\${n:-0}" "$r"`,
    `  { printf '%s\\n' "$o" | grep '^pg_restore:'; printf '%s\\n' "$e"; } | grep -v '^$' | awk '!seen[$0]++' | tail -n 3 | sed "s|^|dumperr $db |"`,
    'done',
  ].join('\n');
}

export function verifyProbe(p: BackupVerifyParams): string {
  return archiveProbe(p.job, p.dest, p.archive, p.encryption_key, p.postgres);
}

export function parseVerifyProbe(stdout: string): VerifyState {
  const st: VerifyState = { entries: 0, tarError: [], roots: [], dumps: [], globals: false, dumpChecks: [] };
  const checks = new Map<string, DumpCheck>();
  for (const line of stdout.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp < 0) continue;
    const [key, value] = [line.slice(0, sp), line.slice(sp + 1)];
    if (key === 'archive') st.archive = value;
    else if (key === 'expected') st.expected = value;
    else if (key === 'actual') st.actual = value;
    else if (key === 'tar') st.tarRc = Number(value);
    else if (key === 'entries') st.entries = Number(value.trim());
    else if (key === 'tarerr') st.tarError.push(value);
    else if (key === 'root') st.roots.push(value);
    else if (key === 'dump') st.dumps.push(value);
    else if (key === 'globals') st.globals = value === 'yes';
    else if (key === 'notdecrypted') st.notDecrypted = value === 'yes';
    else if (key === 'ageerr') st.ageError = value;
    else if (key === 'nopgrestore') st.noPgRestore = value === 'yes';
    else if (key === 'dumpcheck') {
      // The database name may hold no space (DATABASE_PATTERN): the last three fields are numbers.
      const m = /^(\S+) (-?\d+) (\d+) (-?\d+)$/.exec(value);
      if (m) checks.set(m[1]!, { database: m[1]!, listRc: Number(m[2]), toc: Number(m[3]), readRc: Number(m[4]), error: [] });
    } else if (key === 'dumperr') {
      const sp2 = value.indexOf(' ');
      checks.get(value.slice(0, sp2))?.error.push(value.slice(sp2 + 1));
    }
  }
  st.dumpChecks = [...checks.values()];
  return st;
}

/** Why the archive the probe read cannot be trusted, or undefined when it is sound. */
export function archiveProblem(job: string, dest: string | undefined, archive: string | undefined, st: VerifyState): string | undefined {
  const dir = seriesDir(dest ?? DEFAULT_DEST, job);
  if (archive !== undefined && !parseArchiveName(job, archive)) return `${archive} is not an archive name of job ${job}`;
  if (!st.archive) return archive ? `no archive ${dir}/${archive}` : `no archive in ${dir}`;
  const path = `${dir}/${st.archive}`;
  if (!st.expected) return `archive ${path} is damaged: it has no ${st.archive}.sha256 beside it`;
  if (st.actual !== st.expected) return `archive ${path} is damaged: its sha256 is ${st.actual ?? 'unreadable'}, ${st.archive}.sha256 says ${st.expected}`;
  if (st.notDecrypted) return undefined;
  if (st.ageError) return `cannot decrypt ${path}: ${st.ageError.replace(/^age: error: /, '')} (is encryption_key the identity this archive was encrypted for?)`;
  if (st.tarRc !== 0) return `archive ${path} is damaged: tar cannot list it to the end (exit ${st.tarRc ?? '?'}): ${st.tarError.join(' / ')}`;
  for (const db of st.dumps) {
    const c = st.dumpChecks.find((x) => x.database === db);
    if (!c) {
      if (st.noPgRestore) continue;
      return `archive ${path}: the dump of database ${db} was not read (pg_restore printed nothing)`;
    }
    const why = c.error.join(' / ') || `exit ${c.listRc !== 0 ? c.listRc : c.readRc}`;
    if (c.listRc !== 0 || c.toc === 0) return `archive ${path} is damaged: pg_restore --list cannot read the dump of database ${db}: ${c.listRc !== 0 ? why : 'its table of contents is empty'}`;
    if (c.readRc !== 0) return `archive ${path} is damaged: pg_restore cannot read the dump of database ${db} to the end: ${why}`;
  }
  return undefined;
}

export function planVerify(p: BackupVerifyParams, st: VerifyState): Plan {
  const dir = seriesDir(p.dest ?? DEFAULT_DEST, p.job);
  const path = st.archive ? `${dir}/${st.archive}` : undefined;
  const dumpsRead = st.dumps.length > 0 && !st.noPgRestore && st.dumpChecks.length === st.dumps.length;
  const result = path ? { archive: path, checksum: st.actual ?? null, entries: st.entries, paths: st.roots, databases: st.dumps, dumps_read: dumpsRead } : undefined;
  const problem = archiveProblem(p.job, p.dest, p.archive, st);
  if (problem) return { changed: false, actions: [], ...(result ? { result } : {}), failed: problem };
  if (st.notDecrypted) return { changed: false, actions: [], result, summary: `${path}: sha256 ok; encrypted, not decrypted (no encryption_key given)` };
  const dumps = st.dumps.length === 0 ? '' : st.noPgRestore ? `; dumps not read (no pg_restore on the host: give postgres.container)` : `; ${st.dumps.length} dump${st.dumps.length === 1 ? '' : 's'} read to the end by pg_restore`;
  return { changed: false, actions: [], result, summary: `${path}: sha256 ok, ${st.entries} entries listed${dumps}` };
}

export const backup_verify = defineModule<BackupVerifyParams, VerifyState>({
  ...backupVerifyDefinition,
  async gather(p, probe) {
    return parseVerifyProbe((await runProbe(probe, verifyProbe(p), `an archive of backup job ${p.job}`)).stdout);
  },
  plan: (p, st) => planVerify(p, st),
});
