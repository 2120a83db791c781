/**
 * backup_restore: puts an archive of a job's series (the newest, or the one named) back. The probe
 * verifies it first — sha256 against the `.sha256` beside it, tar's listing to the end — and a
 * damaged archive is refused before anything is touched; the run checks the sha256 again against
 * the one the plan saw, under the series lock (so no backup prunes it meanwhile).
 *
 * Files: every archived path (or the `paths` chosen) is extracted into a temp directory beside it
 * (same filesystem), all of them before anything is replaced; then each restored tree and the old
 * one exchange places in one atomic renameat2(RENAME_EXCHANGE) (through perl-base's syscall(): the
 * path is never absent), or where the host cannot, with two renames (the old one moved into the
 * temp dir, the restored one into place: the path is absent between them); the temp dir is then
 * removed. Databases: each dump is restored with pg_restore into its target, created when missing
 * or dropped and created first with `drop`, in one transaction (`--single-transaction
 * --exit-on-error`), before any file is swapped. Check mode lists what would be replaced or created.
 * Restoring always runs (non-idempotent).
 */
import { defineModule } from '../../runner/module.js';
import type { Effect, Plan } from '../../runner/module.types.js';
import { quote, raw, sh } from '../../runner/shell.js';
import { runProbe } from '../_lib/probe.js';
import { DUMP_DIR, pgConnArgs, pgDatabasesProbe, pgFunction, pgWhere } from './postgres.js';
import { DEFAULT_DEST, parseArchiveName, seriesDir, tarReader } from './series.js';
import { archiveProbe, archiveProblem, parseVerifyProbe, type VerifyState } from './verify.js';
import { backupRestoreDefinition, type BackupRestoreParams } from './restore.params.js';

export type { BackupRestoreParams } from './restore.params.js';

export interface RestoreState extends VerifyState {
  /** Random suffix for the temp names (from the host's /dev/urandom). */
  suffix: string;
  /** Archived paths that exist on the host now (they would be replaced). */
  existing: string[];
  /** The server's databases (when `postgres` is given and psql could connect). */
  databases?: string[];
  pgError?: string[];
}

export function restoreProbe(p: BackupRestoreParams): string {
  return [
    `printf 'suffix %s\\n' "$(od -An -tx1 -N5 /dev/urandom | tr -d ' \\n')"`,
    `out=$(\n${archiveProbe(p.job, p.dest, p.archive, p.encryption_key, p.postgres)}\n) || exit 1`,
    `printf '%s\\n' "$out"`,
    // Which of the archived paths are there now (they would be replaced).
    `printf '%s\\n' "$out" | while read -r k v; do [ "$k" = root ] || continue; if [ -e "$v" ] || [ -L "$v" ]; then printf 'existing %s\\n' "$v"; fi; done`,
    ...(p.postgres ? [pgDatabasesProbe(p.postgres)] : []),
    'true',
  ].join('\n');
}

export function parseRestoreProbe(stdout: string): RestoreState {
  const st: RestoreState = { ...parseVerifyProbe(stdout), suffix: '', existing: [] };
  for (const line of stdout.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp < 0) continue;
    const [key, value] = [line.slice(0, sp), line.slice(sp + 1)];
    if (key === 'suffix') st.suffix = value;
    else if (key === 'existing') st.existing.push(value);
    else if (key === 'pgdb') (st.databases ??= []).push(value);
    else if (key === 'pgerr') (st.pgError ??= []).push(value);
  }
  return st;
}

/**
 * Shell function `exchange A B`: swaps two paths on one filesystem atomically with renameat2(2)'s
 * RENAME_EXCHANGE, which no tool of Debian 12 offers (coreutils 9.1's mv has no --exchange, that
 * came in 9.5; util-linux 2.38 has no exch, that came in 2.40). Perl is there on every Debian and
 * Ubuntu host (perl-base is Essential) and its syscall() makes the call itself; renameat2 has a
 * number per architecture, the ones below (from the kernel's syscall tables). It returns non-zero
 * — and the caller falls back to two renames — without perl, on another architecture, or where the
 * filesystem refuses the flag (EINVAL: some network filesystems; overlayfs and ext4/xfs/btrfs take it).
 */
const EXCHANGE_FUNCTION = [
  'case $(uname -m) in x86_64) nr=316 ;; aarch64|riscv64) nr=276 ;; i?86) nr=353 ;; armv7*|armv6*) nr=382 ;; ppc64*) nr=357 ;; s390x) nr=347 ;; *) nr= ;; esac',
  `exchange() { [ -n "$nr" ] && command -v perl >/dev/null 2>&1 && perl -e 'my ($n, $a, $b) = @ARGV; exit(syscall($n + 0, -100, $a, -100, $b, 2) == 0 ? 0 : 1)' "$nr" "$1" "$2" 2>/dev/null; }`,
].join('\n');

const parentOf = (path: string) => path.slice(0, path.lastIndexOf('/')) || '/';
const baseOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);

interface DatabaseStep {
  dump: string;
  target: string;
  /** drop: dropped and created; create: created (missing); into: restored into the existing one. */
  how: 'drop' | 'create' | 'into';
}

export function restoreScript(p: BackupRestoreParams, st: RestoreState, files: string[], dbs: DatabaseStep[]): string {
  const dir = seriesDir(p.dest ?? DEFAULT_DEST, p.job);
  const archive = st.archive!;
  const read = tarReader(parseArchiveName(p.job, archive)!, quote(archive), p.encryption_key === undefined ? undefined : quote(p.encryption_key));
  const temp = (path: string) => `${parentOf(path)}/.hw-restore-${st.suffix}`;
  const stage = `${dir}/.restore-${st.suffix}`;
  const cleanup = [...files.map(temp), ...(dbs.length ? [stage] : [])];
  const pg = p.postgres;
  const conn = pg ? pgConnArgs(pg) : '';
  const lines = [
    'set -u',
    'umask 022',
    sh`cd ${dir} || exit 1`,
    sh`exec 9>>.lock`,
    sh`flock -n 9 || { echo ${`a backup or restore of series ${p.job} is running (${dir}/.lock is held); nothing restored`} >&2; exit 75; }`,
    sh`fail() { rc=$?; rm -rf -- ${cleanup}; echo "$1 (exit $rc)" >&2; exit 1; }`,
    // The archive restored is the one the plan verified, byte for byte.
    sh`s=$(sha256sum < ${archive}) && [ "\${s%% *}" = ${st.actual!} ] || { echo ${`archive ${dir}/${archive} changed since it was verified (its sha256 is no longer ${st.actual!}); nothing restored`} >&2; exit 1; }`,
  ];
  // 1. Everything extracted before anything is replaced.
  for (const path of files) {
    const member = path.slice(1);
    const strip = member.split('/').length - 1;
    lines.push(
      sh`mkdir -p -- ${parentOf(path)} && rm -rf -- ${temp(path)} && mkdir -m 700 -- ${temp(path)} || fail ${`cannot make a temp dir beside ${path}`}`,
      sh`${raw(read.prefix)}tar -C ${temp(path)} -x -p ${raw(read.args)} --strip-components=${strip} -- ${member} || fail ${`tar could not extract ${path}; nothing replaced`}`,
    );
  }
  if (dbs.length) {
    lines.push(
      sh`mkdir -m 700 -- ${stage} || fail 'cannot make a temp dir in the series'`,
      sh`${raw(read.prefix)}tar -C ${stage} -x ${raw(read.args)} --strip-components=2 -- ${[...new Set(dbs.map((d) => `${DUMP_DIR}/${d.dump}.dump`)), ...(pg?.globals ? [`${DUMP_DIR}/globals.sql`] : [])]} || fail 'tar could not extract the dumps; nothing replaced'`,
      pgFunction(pg!),
    );
    if (pg?.globals) lines.push(sh`hw_pg psql ${raw(conn)} -X -q -d postgres -f - < ${`${stage}/globals.sql`} || fail ${`replaying globals.sql ${pgWhere(pg)} failed`}`);
    // 2. Databases, each in one transaction.
    for (const d of dbs) {
      if (d.how === 'drop') lines.push(sh`hw_pg dropdb ${raw(conn)} --if-exists --force ${d.target} </dev/null || fail ${`dropdb ${d.target} failed`}`);
      if (d.how !== 'into') lines.push(sh`hw_pg createdb ${raw(conn)} ${d.target} </dev/null || fail ${`createdb ${d.target} failed`}`);
      const clean = d.how === 'into' ? '--clean --if-exists ' : '';
      lines.push(sh`hw_pg pg_restore ${raw(conn)} -d ${d.target} ${raw(clean)}--single-transaction --exit-on-error < ${`${stage}/${d.dump}.dump`} || fail ${`pg_restore of ${d.dump} into database ${d.target} ${pgWhere(pg!)} failed (rolled back)`}`);
    }
    lines.push(sh`rm -rf -- ${stage}`);
  }
  // 3. Files swapped in: the restored tree and the old one exchange places in one renameat2
  // (RENAME_EXCHANGE), so the path is never absent; where that is not possible, two renames.
  if (files.length) lines.push(EXCHANGE_FUNCTION);
  for (const path of files) {
    const restored = `${temp(path)}/${baseOf(path)}`;
    lines.push(
      sh`if [ ! -e ${path} ] && [ ! -L ${path} ]; then mv -- ${restored} ${path} || fail ${`cannot move the restored ${path} into place`}; echo ${`swap new ${path}`}`,
      sh`elif exchange ${restored} ${path}; then echo ${`swap exchanged ${path}`}`,
      // The old one goes back if the restored one cannot take its place: fail() removes the temp dir.
      sh`else mv -- ${path} ${`${temp(path)}/.replaced`} || fail ${`cannot move ${path} aside`}; mv -- ${restored} ${path} || { mv -- ${`${temp(path)}/.replaced`} ${path}; fail ${`cannot move the restored ${path} into place; the old one was put back`}; }; echo ${`swap renamed ${path}`}; fi`,
      sh`rm -rf -- ${temp(path)}`,
    );
  }
  return lines.join('\n');
}

/**
 * How each path went into place, from the script's `swap HOW PATH` lines: `exchanged` (one atomic
 * renameat2), `renamed` (two renames: the path was briefly absent), `new` (nothing was there).
 */
export function swapsOf(stdout: string): Record<string, 'exchanged' | 'renamed' | 'new'> {
  const out: Record<string, 'exchanged' | 'renamed' | 'new'> = {};
  for (const m of stdout.matchAll(/^swap (exchanged|renamed|new) (\/.*)$/gm)) out[m[2]!] = m[1] as 'exchanged' | 'renamed' | 'new';
  return out;
}

export function planRestore(p: BackupRestoreParams, st: RestoreState): Plan {
  const fail = (why: string): Plan => ({ changed: false, actions: [], failed: why });
  const problem = archiveProblem(p.job, p.dest, p.archive, st);
  if (problem) return fail(`${problem}; nothing restored`);
  if (st.notDecrypted) return fail(`archive ${seriesDir(p.dest ?? DEFAULT_DEST, p.job)}/${st.archive!} is encrypted: give encryption_key (the age identity file that decrypts it); nothing restored`);
  if (!/^[0-9a-f]{10}$/.test(st.suffix)) return fail(`cannot draw a random name from the host's /dev/urandom (got ${JSON.stringify(st.suffix)})`);
  const dir = seriesDir(p.dest ?? DEFAULT_DEST, p.job);
  const path = `${dir}/${st.archive!}`;
  const files = p.paths ?? st.roots;
  const notArchived = files.filter((f) => !st.roots.includes(f));
  if (notArchived.length) return fail(`${path} does not hold ${notArchived.join(', ')} (it holds: ${st.roots.join(', ') || 'no paths'})`);
  const dbs: DatabaseStep[] = [];
  if (p.postgres) {
    const pg = p.postgres;
    const missing = pg.databases.filter((d) => !st.dumps.includes(d.name)).map((d) => d.name);
    if (missing.length) return fail(`${path} holds no dump of database ${missing.join(', ')} (it holds: ${st.dumps.join(', ') || 'none'})`);
    if (pg.globals && !st.globals) return fail(`${path} holds no globals.sql`);
    if (!st.databases) return fail(`cannot list PostgreSQL's databases ${pgWhere(pg)}: ${(st.pgError ?? []).join(' / ') || 'psql printed nothing'}`);
    for (const d of pg.databases) {
      const target = d.target ?? d.name;
      const exists = st.databases.includes(target);
      dbs.push({ dump: d.name, target, how: !exists ? 'create' : d.drop ? 'drop' : 'into' });
    }
  }
  if (!files.length && !dbs.length) return fail(`nothing to restore from ${path}: no paths chosen and no databases`);
  const replace = files.filter((f) => st.existing.includes(f));
  const create = files.filter((f) => !st.existing.includes(f));
  const databases = dbs.map((d) => ({ dump: d.dump, database: d.target, action: { drop: 'drop and create', create: 'create', into: 'replace its objects' }[d.how] }));
  const effects: Effect[] = files.flatMap((f): Effect[] => [{ kind: 'path', path: f, state: 'exists' }, { kind: 'tree', path: f }]);
  const parts = [
    replace.length ? `replace ${replace.join(', ')}` : '',
    create.length ? `create ${create.join(', ')}` : '',
    ...databases.map((d) => `database ${d.database} from ${d.dump}.dump (${d.action})`),
  ].filter(Boolean);
  return {
    changed: true,
    nonIdempotent: true,
    summary: `restore ${path}: ${parts.join('; ')}`,
    result: { archive: path, checksum: st.actual, replaced: replace, created: create, databases },
    effects,
    actions: [{ kind: 'run', script: restoreScript(p, st, files, dbs), describe: `restore ${path}`, result: (exec) => ({ swapped: swapsOf(exec.stdout) }) }],
  };
}

export const backup_restore = defineModule<BackupRestoreParams, RestoreState>({
  ...backupRestoreDefinition,
  async gather(p, probe) {
    return parseRestoreProbe((await runProbe(probe, restoreProbe(p), `an archive of backup job ${p.job}`)).stdout);
  },
  plan: (p, st) => planRestore(p, st),
});
