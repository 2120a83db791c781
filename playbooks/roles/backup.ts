/**
 * backup: the stack's nightly backup with the backup module — one archive per run holding a
 * `pg_dump -Fc` of each database (taken inside the PostgreSQL container) and the podman volumes'
 * files, in the job's series under /var/backups/hostwright, pruned with restic-style retention —
 * and playbooks/restore.ts puts a database back from the newest or a named archive.
 *
 * The nightly run happens on the host without Hostwright: the role writes the backup module's own
 * run as a script (modules/backup/schedule.ts: lock, dumps, archive under a temp name, sha256,
 * rename, retention, one log line) and schedules it in /etc/cron.d/hostwright-backup.
 * playbooks/backup.ts takes the same backup now, through the module (`backupNow`).
 */
import { block, task, type HostContext, type Items } from '../../runner/index.js';
import { backup as backupModule, backup_restore, copy, cron, file, type BackupParams, type RetentionPolicy } from '../../modules/index.js';
import { backupCronScript } from '../../modules/backup/schedule.js';
import { perHost, type PerHost } from './per-host.js';

export interface BackupVars extends RetentionPolicy {
  /** The series' name (`<dest>/<job>/`). @default 'site' */
  job?: string;
  /** Directory of the series. @default '/var/backups/hostwright' */
  dest?: string;
  /** The PostgreSQL container and the databases dumped from it. */
  postgres?: { container: string; databases: string[] };
  /** podman named volumes whose files go into the archive. @default [] */
  volumes?: string[];
  /** Where rootful podman keeps named volumes (`<dir>/<name>/_data`). @default '/var/lib/containers/storage/volumes' */
  volumesDir?: string;
  /** When the nightly run starts (cron fields, the host's time). @default { hour: '3', minute: '17' } */
  schedule?: { hour: string; minute: string };
  /** The host's log of the nightly runs, one line each. @default '/var/log/hostwright-backup.log' */
  log?: string;
}

const DEFAULT_DEST = '/var/backups/hostwright';

export const backupJob = (v: BackupVars): string => v.job ?? 'site';
export const backupScriptPath = (v: BackupVars): string => `/usr/local/sbin/hostwright-backup-${backupJob(v)}`;

const RETENTION_KEYS = ['keep_last', 'keep_hourly', 'keep_daily', 'keep_weekly', 'keep_monthly', 'keep_yearly'] as const;

/** The backup module's parameters for these vars: the same for the nightly script and backup.ts. */
export function backupParams(v: BackupVars): BackupParams {
  const pg = v.postgres;
  const paths = (v.volumes ?? []).map((name) => `${v.volumesDir ?? '/var/lib/containers/storage/volumes'}/${name}/_data`);
  return {
    job: backupJob(v),
    dest: v.dest ?? DEFAULT_DEST,
    ...(paths.length ? { paths } : {}),
    ...(pg ? { postgres: { container: pg.container, user: 'postgres', host: '/run/postgresql', databases: pg.databases } } : {}),
    ...Object.fromEntries(RETENTION_KEYS.filter((k) => v[k] !== undefined).map((k) => [k, v[k]])),
  };
}

/** site.ts's part: where the archives go, and the nightly run as a script in the host's cron. */
export function backup(vars: PerHost<BackupVars>): Items {
  const v = perHost(vars);
  return [
    block({
      tags: ['backup'],
      block: [
        task('backup directory', file((h) => ({ path: v(h).dest ?? DEFAULT_DEST, state: 'directory', mode: '0700' }))),
        task(
          'nightly backup script',
          copy((h) => ({
            dest: backupScriptPath(v(h)),
            mode: '0700',
            owner: 'root',
            group: 'root',
            content: backupCronScript(backupParams(v(h)), { log: v(h).log ?? '/var/log/hostwright-backup.log' }),
          })),
        ),
        task(
          'nightly backup scheduled',
          cron((h) => ({
            name: `hostwright backup ${backupJob(v(h))}`,
            cron_file: 'hostwright-backup',
            user: 'root',
            job: backupScriptPath(v(h)),
            hour: v(h).schedule?.hour ?? '3',
            minute: v(h).schedule?.minute ?? '17',
          })),
        ),
      ],
    }),
  ];
}

/** playbooks/backup.ts's part: the same backup now, through the module. Not idempotent: every run writes an archive. */
export function backupNow(vars: PerHost<BackupVars>): Items {
  const v = perHost(vars);
  return [task('database dump and volume archive', backupModule((h) => backupParams(v(h))), { tags: ['backup'] })];
}

/**
 * restore.ts's part: the databases put back from the newest archive of the series, or from
 * `archive` (a file name in the series). Each database is dropped (its sessions ended) and
 * restored from the dump in one transaction; files stay as they are.
 */
export function restoreDatabases(vars: PerHost<BackupVars>, archive: (h: HostContext) => string | undefined): Items {
  const v = perHost(vars);
  return [
    task(
      'restore the databases',
      backup_restore((h) => {
        const pg = v(h).postgres;
        if (!pg) throw new Error('the backup vars name no PostgreSQL container: nothing to restore');
        const name = archive(h);
        return {
          job: backupJob(v(h)),
          dest: v(h).dest ?? DEFAULT_DEST,
          ...(name ? { archive: name } : {}),
          paths: [],
          postgres: { container: pg.container, user: 'postgres', host: '/run/postgresql', databases: pg.databases.map((db) => ({ name: db, drop: true })) },
        };
      }),
      { tags: ['restore'] },
    ),
  ];
}
