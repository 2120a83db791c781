/**
 * backup: one archive of `paths` in the job's series, then the series pruned with restic's
 * retention. The archive is written under a temp name, its sha256 beside it, and only then renamed
 * to its final name, so a name that looks complete always is. One run at a time per series: an
 * flock on `<series>/.lock` (the kernel drops it when a killed run's process dies, so it is never
 * stuck). Non-idempotent: every run writes a new archive, so check mode says "would run" and lists
 * the archive it would write and the ones it would prune.
 */
import type { JSONSchemaType } from 'ajv';
import { defineModule, type ParamIssue } from '../../runner/module.js';
import type { Effect, Plan } from '../../runner/module.types.js';
import { sh, raw } from '../../runner/shell.js';
import { runProbe } from '../_lib/probe.js';
import { applyRetention, type RetentionPolicy } from './retention.js';
import { archiveName, DEFAULT_DEST, JOB_PATTERN, parseStamp, seriesArchives, seriesDir, type Archive, type Compression } from './series.js';

export interface BackupParams extends RetentionPolicy {
  /** The job's name: its series is `<dest>/<job>/`, and retention prunes only that series. */
  job: string;
  /** Absolute paths to archive (owners, modes and symlinks are kept, as tar does as root). */
  paths: string[];
  /** tar `--exclude` patterns. @default [] */
  exclude?: string[];
  /** Directory holding one series directory per job. @default /var/backups/hostwright */
  dest?: string;
  /** `auto` uses zstd when the host has it, else gzip. @default auto */
  compression?: 'auto' | Compression;
}

const count = { type: 'integer', minimum: 0, nullable: true } as const;

const schema: JSONSchemaType<BackupParams> = {
  type: 'object',
  properties: {
    job: { type: 'string', pattern: JOB_PATTERN },
    paths: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^/[^\\n]*$' } },
    exclude: { type: 'array', items: { type: 'string', pattern: '^[^\\n]+$' }, nullable: true },
    dest: { type: 'string', pattern: '^/[^\\n]*$', nullable: true },
    compression: { type: 'string', enum: ['auto', 'gzip', 'zstd'], nullable: true },
    keep_last: count,
    keep_hourly: count,
    keep_daily: count,
    keep_weekly: count,
    keep_monthly: count,
    keep_yearly: count,
  },
  required: ['job', 'paths'],
  additionalProperties: false,
};

function check(p: BackupParams): ParamIssue[] {
  return p.paths.some((x) => x.replace(/\/+$/, '') === '') ? [{ field: 'paths', message: 'must name something below / (not / itself)' }] : [];
}

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
}

export function backupProbe(p: BackupParams): string {
  const dir = seriesDir(p.dest ?? DEFAULT_DEST, p.job);
  return [
    `printf 'now %s\\n' "$(date -u +%Y%m%dT%H%M%SZ)"`,
    `if command -v zstd >/dev/null 2>&1; then echo 'zstd yes'; fi`,
    // The new name's random part comes from the host, so the plan follows from what was observed.
    `printf 'suffix %s\\n' "$(od -An -tx1 -N5 /dev/urandom | tr -d ' \\n')"`,
    ...p.paths.map((x) => sh`[ -e ${x} ] || [ -L ${x} ] || printf 'missing %s\\n' ${x}`),
    sh`if [ -d ${dir} ]; then for f in ${dir}/*; do [ -f "$f" ] && printf 'entry %s\\n' "\${f##*/}"; done; fi`,
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
  }
  return state;
}

/** tar's operands: paths relative to / (tar -C /), so the archive never holds absolute names. */
function tarOperands(paths: string[]): string[] {
  return paths.map((x) => x.replace(/^\/+/, '').replace(/\/+$/, ''));
}

export function backupScript(p: BackupParams, dir: string, name: string, compression: Compression, prune: string[]): string {
  const tmp = `${dir}/.${name}.partial`;
  const excludes = (p.exclude ?? []).map((e) => sh`--exclude=${e}`).join(' ');
  return [
    'set -u',
    'umask 077',
    sh`mkdir -p -- ${dir} || exit 1`,
    // The lock lives as long as fd 9: a run killed at any point releases it with its process.
    sh`exec 9>>${dir}/.lock`,
    sh`flock -n 9 || { echo ${`another backup of series ${p.job} is running (${dir}/.lock is held)`} >&2; exit 75; }`,
    // Under the lock no other run is writing: temp files left here by a killed run can go.
    sh`rm -f -- ${dir}/.${p.job}-*.partial ${dir}/.${p.job}-*.partial.sha256`,
    sh`tar -C / --create --file=${tmp} ${raw(compression === 'zstd' ? '--zstd' : '--gzip')} ${raw(excludes)} -- ${tarOperands(p.paths)} || { rc=$?; rm -f -- ${tmp}; echo "tar failed (exit $rc); no archive was written" >&2; exit 1; }`,
    sh`sum=$(sha256sum < ${tmp}) && sum=\${sum%% *} || { rm -f -- ${tmp}; exit 1; }`,
    sh`printf '%s  %s\\n' "$sum" ${name} > ${tmp}.sha256 && mv -f -- ${tmp}.sha256 ${`${dir}/${name}.sha256`} && mv -f -- ${tmp} ${`${dir}/${name}`} || { rm -f -- ${tmp} ${tmp}.sha256; exit 1; }`,
    ...prune.map((old) => sh`rm -f -- ${`${dir}/${old}`} ${`${dir}/${old}.sha256`}`),
    `printf 'sha256 %s\\n' "$sum"`,
  ].join('\n');
}

export function planBackup(p: BackupParams, state: BackupState): Plan {
  if (state.missing.length > 0) return { changed: false, actions: [], failed: `nothing to back up: ${state.missing.join(', ')} does not exist` };
  if (!/^[0-9a-f]{10}$/.test(state.suffix)) return { changed: false, actions: [], failed: `cannot draw a random name from the host's /dev/urandom (got ${JSON.stringify(state.suffix)})` };
  if (!parseStamp(state.now)) return { changed: false, actions: [], failed: `cannot read the host's UTC time (date printed ${JSON.stringify(state.now)})` };
  const wanted = p.compression ?? 'auto';
  if (wanted === 'zstd' && !state.zstd) return { changed: false, actions: [], failed: 'compression zstd: the host has no zstd (install the zstd package)' };
  const compression: Compression = wanted === 'auto' ? (state.zstd ? 'zstd' : 'gzip') : wanted;
  const dir = seriesDir(p.dest ?? DEFAULT_DEST, p.job);
  const name = archiveName(p.job, state.now, state.suffix, compression);
  const fresh: Archive = { name, time: parseStamp(state.now)!, compression };
  const { prune } = applyRetention([...seriesArchives(p.job, state.entries), fresh], p);
  const pruned = prune.map((a) => a.name).sort();
  const archive = `${dir}/${name}`;
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
    result: { archive, pruned: pruned.map((n) => `${dir}/${n}`), compression },
    effects,
    actions: [
      {
        kind: 'run',
        script: backupScript(p, dir, name, compression, pruned),
        describe: `back up ${p.paths.join(' ')} to ${archive}`,
        result: (exec) => ({ checksum: /^sha256 ([0-9a-f]{64})$/m.exec(exec.stdout)?.[1] }),
      },
    ],
  };
}

export const backup = defineModule<BackupParams, BackupState>({
  name: 'backup',
  schema,
  check,
  async gather(p, probe) {
    const r = await runProbe(probe, backupProbe(p), `the series of backup job ${p.job}`);
    return parseBackupProbe(r.stdout);
  },
  plan: (p, state) => planBackup(p, state),
});
