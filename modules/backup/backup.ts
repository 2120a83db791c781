/**
 * backup: one archive of `paths` and PostgreSQL dumps (`postgres`) in the job's series, then the
 * series pruned with restic's retention. Dumps are written into a staging directory in the series
 * first (`pg_dump -Fc` per database, `pg_dumpall --globals-only`), then archived with the paths as
 * members below `.hostwright-backup/postgres/`, so one archive (one checksum) holds a whole run. The archive is written under a temp name, its sha256 beside it, and only then renamed
 * to its final name, so a name that looks complete always is. One run at a time per series: an
 * flock on `<series>/.lock` (the kernel drops it when a killed run's process dies, so it is never
 * stuck). Non-idempotent: every run writes a new archive, so check mode says "would run" and lists
 * the archive it would write and the ones it would prune.
 */
import { defineModule } from '../../runner/module.js';
import type { Action, Effect, Plan } from '../../runner/module.types.js';
import { quote, raw, sh } from '../../runner/shell.js';
import { runProbe } from '../_lib/probe.js';
import { DUMP_DIR, pgConnArgs, pgDatabasesProbe, pgFunction, pgWhere, type PostgresBackupSource } from './postgres.js';
import { applyRetention } from './retention.js';
import { archiveName, DEFAULT_DEST, HASH_FUNCTION, parseStamp, seriesArchives, seriesDir, type Archive, type Compression } from './series.js';
import { backupDefinition, type BackupParams } from './backup.params.js';

export type { BackupParams } from './backup.params.js';

/** What one probe sees: the host's UTC time, whether it has zstd, missing sources, the series' entries. */
export interface BackupState {
  /** The host's clock, `YYYYMMDDTHHMMSSZ`: the new archive's time. */
  now: string;
  zstd: boolean;
  missing: string[];
  /** File names in the series directory (none when it does not exist). */
  entries: string[];
  /** Random suffix for the new archive's name (10 hex digits from the host's /dev/urandom). */
  suffix: string;
  /** The server's databases (when `postgres` is given and psql could connect). */
  databases?: string[];
  /** Why psql could not list the databases (its last lines). */
  pgError?: string[];
  /** With encryption_key: the host has age, and can read the key file. */
  age?: boolean;
  keyReadable?: boolean;
}

export function backupProbe(p: BackupParams): string {
  const dir = seriesDir(p.dest ?? DEFAULT_DEST, p.job);
  return [
    `printf 'now %s\\n' "$(date -u +%Y%m%dT%H%M%SZ)"`,
    `if command -v zstd >/dev/null 2>&1; then echo 'zstd yes'; fi`,
    // The new name's random part comes from the host, so the plan follows from what was observed.
    `printf 'suffix %s\\n' "$(od -An -tx1 -N5 /dev/urandom | tr -d ' \\n')"`,
    ...(p.paths ?? []).map((x) => sh`[ -e ${x} ] || [ -L ${x} ] || printf 'missing %s\\n' ${x}`),
    sh`if [ -d ${dir} ]; then for f in ${dir}/*; do [ -f "$f" ] && printf 'entry %s\\n' "\${f##*/}"; done; fi`,
    ...(p.postgres ? [pgDatabasesProbe(p.postgres)] : []),
    ...(p.encryption_key ? ['if command -v age >/dev/null 2>&1; then echo "age yes"; fi', sh`if [ -r ${p.encryption_key} ] && [ -f ${p.encryption_key} ]; then echo 'key yes'; fi`] : []),
    'true',
  ].join('\n');
}

export function parseBackupProbe(stdout: string): BackupState {
  const state: BackupState = { now: '', zstd: false, missing: [], entries: [], suffix: '' };
  for (const line of stdout.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp < 0) continue;
    const [key, value] = [line.slice(0, sp), line.slice(sp + 1)];
    if (key === 'now') state.now = value;
    else if (key === 'zstd') state.zstd = value === 'yes';
    else if (key === 'suffix') state.suffix = value;
    else if (key === 'missing') state.missing.push(value);
    else if (key === 'entry') state.entries.push(value);
    else if (key === 'pgdb') (state.databases ??= []).push(value);
    else if (key === 'pgerr') (state.pgError ??= []).push(value);
    else if (key === 'age') state.age = value === 'yes';
    else if (key === 'key') state.keyReadable = value === 'yes';
  }
  return state;
}

/** tar's operands: paths relative to / (tar -C /), so the archive never holds absolute names. */
function tarOperands(paths: string[]): string[] {
  return paths.map((x) => x.replace(/^\/+/, '').replace(/\/+$/, ''));
}

/**
 * Dump lines for the staging directory ("$stage"): one `pg_dump -Fc` per database, then the
 * globals. Each failure stops the run (`fail` removes the temp files) naming the database.
 */
function dumpScript(pg: PostgresBackupSource): string[] {
  const out = (file: string) => raw(`"$stage"/${quote(`${DUMP_DIR}/${file}`)}`);
  const conn = pgConnArgs(pg);
  return [
    pgFunction(pg),
    sh`mkdir -p -- ${out('')} || fail 'cannot create the staging directory'`,
    ...pg.databases.map((db) => sh`hw_pg pg_dump ${raw(conn)} -Fc -d ${db} </dev/null >${out(`${db}.dump`)} || fail ${`pg_dump of database ${db} ${pgWhere(pg)} failed`}`),
    ...(pg.globals === false ? [] : [sh`hw_pg pg_dumpall ${raw(conn)} --globals-only </dev/null >${out('globals.sql')} || fail ${`pg_dumpall --globals-only ${pgWhere(pg)} failed`}`]),
  ];
}

/**
 * tar (through age when encrypting) into the temp file ("$tmp"), hashed on the way by tee into a
 * fifo read by a sha256 (openssl's, else sha256sum), so the archive is never read a second time. Without pipefail (dash),
 * tar's and age's exit codes come back on fd 3 as `tar N` / `age N` lines.
 */
function tarLines(p: BackupParams, compression: Compression, rest: string): string[] {
  // zstd on every core (-T0): the same format; the run then keeps up with a hand-made
  // `tar | zstd` although it also hashes what it writes (bench/backup.ts).
  const z = raw(compression === 'zstd' ? `--use-compress-program='zstd -T0'` : '--gzip');
  const key = p.encryption_key;
  const tar = sh`{ tar -C / --create --file=- ${z} ${raw(rest)}; echo "tar $?" >&3; }`;
  const age = key ? sh` | { age -e "$kf" ${key}; echo "age $?" >&3; }` : '';
  return [
    // An identity file encrypts to its own recipient (age -e -i); anything else is a recipients file.
    ...(key ? [sh`if grep -q '^AGE-SECRET-KEY-' ${key}; then kf=-i; else kf=-R; fi`] : []),
    HASH_FUNCTION,
    `mkfifo "$tmp.hash" && { hash < "$tmp.hash" > "$tmp.sum" & } || fail 'cannot start the sha256 of the archive'`,
    `st=$( { ${tar}${age} | tee "$tmp.hash" > "$tmp"; } 3>&1 ) || fail 'writing the archive failed'`,
    'wait',
    `trc=$(printf '%s\\n' "$st" | sed -n 's/^tar //p')`,
    `[ "$trc" = 0 ] || fail 'tar failed' "$trc"`,
    ...(key ? [`arc=$(printf '%s\\n' "$st" | sed -n 's/^age //p')`, sh`[ "$arc" = 0 ] || fail ${`age could not encrypt with ${key}`} "$arc"`] : []),
    `read -r sum _ < "$tmp.sum" && [ -n "$sum" ] || fail 'sha256sum failed'`,
    'rm -f -- "$tmp.hash" "$tmp.sum"',
  ];
}

/**
 * The run: lock, clean up after killed runs, dump, archive into a temp name, checksum, rename,
 * prune. The archive's name is the shell variable `n`: the plan's name, or for a scheduled run
 * (schedule.ts) `nameExpr`, an expression the host evaluates at each run.
 */
export function backupScript(p: BackupParams, dir: string, name: string, compression: Compression, prune: string[], nameExpr?: string): string {
  const excludes = (p.exclude ?? []).map((e) => sh`--exclude=${e}`).join(' ');
  const paths = p.paths ?? [];
  // Operands: the staged dumps (relative to the stage), then the paths (relative to /).
  const operands = [
    p.postgres ? sh`-C "$stage" ${DUMP_DIR.split('/')[0]!}` : '',
    paths.length ? sh`${raw(p.postgres ? '-C / ' : '')}-- ${tarOperands(paths)}` : '',
  ].filter(Boolean).join(' ');
  return [
    'set -u',
    'umask 077',
    sh`d=${dir}`,
    nameExpr ? `n=${nameExpr}` : sh`n=${name}`,
    'tmp="$d/.$n.partial"; stage="$d/.$n.stage"',
    sh`mkdir -p -- "$d" || exit 1`,
    // The lock lives as long as fd 9: a run killed at any point releases it with its process.
    sh`exec 9>>"$d/.lock"`,
    sh`flock -n 9 || { echo ${`another backup of series ${p.job} is running (${dir}/.lock is held)`} >&2; exit 75; }`,
    // Under the lock no other run is writing: temp files left here by a killed run can go.
    sh`rm -f -- "$d"/.${p.job}-*.partial "$d"/.${p.job}-*.partial.*`,
    ...(p.postgres
      ? [
          sh`rm -rf -- "$d"/.${p.job}-*.stage`,
          'fail() { rc=$?; [ $# -lt 2 ] || rc=$2; rm -rf -- "$stage" "$tmp" "$tmp.hash" "$tmp.sum"; echo "$1 (exit $rc); no archive was written" >&2; exit 1; }',
          ...dumpScript(p.postgres),
        ]
      : ['fail() { rc=$?; [ $# -lt 2 ] || rc=$2; rm -f -- "$tmp" "$tmp.hash" "$tmp.sum"; echo "$1 (exit $rc); no archive was written" >&2; exit 1; }']),
    ...tarLines(p, compression, `${excludes} ${operands}`),
    ...(p.postgres ? ['rm -rf -- "$stage"'] : []),
    `printf '%s  %s\\n' "$sum" "$n" > "$tmp.sha256" && mv -f -- "$tmp.sha256" "$d/$n.sha256" && mv -f -- "$tmp" "$d/$n" || { rm -f -- "$tmp" "$tmp.sha256"; exit 1; }`,
    ...prune.map((old) => sh`rm -f -- ${`${dir}/${old}`} ${`${dir}/${old}.sha256`}`),
    `printf 'sha256 %s\\n' "$sum"`,
  ].join('\n');
}

/** Where `copy_to_controller` puts a host's archives of a job: its own copy of the series. */
export function controllerSeries(dir: string, host: string, job: string): string {
  return seriesDir(`${dir.replace(/\/+$/, '')}/${host}`, job);
}

export function planBackup(p: BackupParams, state: BackupState, host = 'localhost'): Plan {
  if (state.missing.length > 0) return { changed: false, actions: [], failed: `nothing to back up: ${state.missing.join(', ')} does not exist` };
  if (p.postgres) {
    const pg = p.postgres;
    if (!state.databases) return { changed: false, actions: [], failed: `cannot list PostgreSQL's databases ${pgWhere(pg)}: ${(state.pgError ?? []).join(' / ') || 'psql printed nothing'}` };
    const absent = pg.databases.filter((d) => !state.databases!.includes(d));
    if (absent.length) return { changed: false, actions: [], failed: `PostgreSQL ${pgWhere(pg)} has no database ${absent.join(', ')}` };
  }
  if (!/^[0-9a-f]{10}$/.test(state.suffix)) return { changed: false, actions: [], failed: `cannot draw a random name from the host's /dev/urandom (got ${JSON.stringify(state.suffix)})` };
  if (!parseStamp(state.now)) return { changed: false, actions: [], failed: `cannot read the host's UTC time (date printed ${JSON.stringify(state.now)})` };
  const wanted = p.compression ?? 'auto';
  if (wanted === 'zstd' && !state.zstd) return { changed: false, actions: [], failed: 'compression zstd: the host has no zstd (install the zstd package)' };
  const compression: Compression = wanted === 'auto' ? (state.zstd ? 'zstd' : 'gzip') : wanted;
  const dir = seriesDir(p.dest ?? DEFAULT_DEST, p.job);
  if (p.encryption_key && !state.age) return { changed: false, actions: [], failed: 'encryption_key: the host has no age (install the age package)' };
  if (p.encryption_key && !state.keyReadable) return { changed: false, actions: [], failed: `encryption_key: ${p.encryption_key} is not a readable file on the host` };
  const encrypted = p.encryption_key !== undefined;
  const name = archiveName(p.job, state.now, state.suffix, compression, encrypted);
  const fresh: Archive = { name, time: parseStamp(state.now)!, compression, encrypted };
  const { prune } = applyRetention([...seriesArchives(p.job, state.entries), fresh], p);
  const pruned = prune.map((a) => a.name).sort();
  const archive = `${dir}/${name}`;
  // The checksum first: a complete-looking archive name appears on the controller last.
  const copy = p.copy_to_controller ? `${controllerSeries(p.copy_to_controller, host, p.job)}/${name}` : undefined;
  const copies: Action[] = copy ? [{ kind: 'fetch', path: `${archive}.sha256`, dest: `${copy}.sha256` }, { kind: 'fetch', path: archive, dest: copy }] : [];
  const effects: Effect[] = [
    { kind: 'path', path: archive, state: 'file', created: true },
    { kind: 'path', path: `${archive}.sha256`, state: 'file', created: true },
    ...pruned.flatMap((n): Effect[] => [
      { kind: 'path', path: `${dir}/${n}`, state: 'absent' },
      { kind: 'path', path: `${dir}/${n}.sha256`, state: 'absent' },
    ]),
  ];
  return {
    changed: true,
    nonIdempotent: true,
    summary: `archive ${archive}` + (pruned.length ? `; prune ${pruned.length}: ${pruned.join(', ')}` : ''),
    result: { archive, pruned: pruned.map((n) => `${dir}/${n}`), compression, ...(encrypted ? { encrypted } : {}), ...(copy ? { copy } : {}) },
    effects,
    actions: [
      {
        kind: 'run',
        script: backupScript(p, dir, name, compression, pruned),
        describe: `back up ${[...(p.paths ?? []), ...(p.postgres?.databases ?? []).map((d) => `database ${d}`)].join(' ')} to ${archive}`,
        result: (exec) => ({ checksum: /^sha256 ([0-9a-f]{64})$/m.exec(exec.stdout)?.[1] }),
      },
      ...copies,
    ],
  };
}

export const backup = defineModule<BackupParams, BackupState>({
  ...backupDefinition,
  async gather(p, probe) {
    const r = await runProbe(probe, backupProbe(p), `the series of backup job ${p.job}`);
    return parseBackupProbe(r.stdout);
  },
  plan: (p, state, ctx) => planBackup(p, state, ctx.host),
});
