/**
 * backup: the stack's nightly backup with the backup module — one archive per run holding a
 * `pg_dump -Fc` of each database and `pg_dumpall --globals-only` (roles), taken inside the
 * PostgreSQL container, and the files of the podman volumes named in `volumes`, in the job's series
 * under /var/backups/hostwright, pruned with restic-style retention — and playbooks/restore.ts puts
 * the databases and those volumes back from the newest or a named archive.
 *
 * The database's own data volume is never archived as files: a copy of a running server's data
 * directory is torn (files copied at different moments, with no WAL to replay them to one point)
 * and may not start, or start with silently broken tables, while looking like a backup. A
 * consistent file-level copy needs either the server stopped for the length of the copy (nightly
 * downtime) or pg_backup_start/stop with the WAL written meanwhile and the backup_label (a psql
 * session held open across the copy, plus WAL archiving): the dump is already that consistent
 * copy (one MVCC snapshot), smaller, and restorable into any PostgreSQL of the same or a newer
 * major version. So the role refuses the data volume in `volumes` and says why; `volumes` is for
 * the application's own files (uploads, configuration).
 *
 * The nightly run happens on the host without Hostwright: the role writes the backup module's own
 * run as a script (modules/backup/schedule.ts: lock, dumps, archive under a temp name, sha256,
 * rename, retention, one log line) and schedules it in /etc/cron.d/hostwright-backup.
 * playbooks/backup.ts takes the same backup now, through the module (`backupNow`).
 */
import { block, optional, task, type HostContext, type Items } from '../../runner/index.js';
import { backup as backupModule, backup_restore, copy, cron, file, shell, type BackupParams, type RetentionPolicy } from '../../modules/index.js';
import { sh } from '../../runner/shell.js';
import { backupCronScript } from '../../modules/backup/schedule.js';
import { perHost, type PerHost } from './per-host.js';

export interface BackupVars extends RetentionPolicy {
  /** The series' name (`<dest>/<job>/`). @default 'site' */
  job?: string;
  /** Directory of the series. @default '/var/backups/hostwright' */
  dest?: string;
  /**
   * The PostgreSQL container and the databases dumped from it; `volume` is its data volume, which
   * `volumes` may not name (see above).
   */
  postgres?: { container: string; databases: string[]; volume?: string };
  /** podman named volumes whose files go into the archive (and restore.ts puts back). @default [] */
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

/** The directories of the `volumes` on the host, checked: never the database's data volume. */
export function volumePaths(v: BackupVars): string[] {
  const data = v.postgres?.volume;
  if (data !== undefined && (v.volumes ?? []).includes(data)) {
    throw new Error(
      `backup volumes: ${data} is the data volume of the running PostgreSQL container ${v.postgres!.container}; a file copy of a live data directory is not a consistent backup (the databases are backed up by pg_dump and the roles by pg_dumpall --globals-only): remove it from backup_volumes`,
    );
  }
  return (v.volumes ?? []).map((name) => `${v.volumesDir ?? '/var/lib/containers/storage/volumes'}/${name}/_data`);
}

/** The backup module's parameters for these vars: the same for the nightly script and backup.ts. */
export function backupParams(v: BackupVars): BackupParams {
  const pg = v.postgres;
  const paths = volumePaths(v);
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
  return [task('database dumps and volume files', backupModule((h) => backupParams(v(h))), { tags: ['backup'] })];
}

/** Prints the running containers that use any of the volumes (one name a line) and stops them. */
export function stopUsersScript(volumes: string[]): string {
  return [
    sh`for v in ${volumes}; do podman ps --format '{{.Names}}' --filter volume="$v"; done | sort -u > /tmp/.hostwright-restore-stopped.$$`,
    'while read -r c; do podman stop -- "$c" >/dev/null || exit 1; echo "$c"; done < /tmp/.hostwright-restore-stopped.$$',
    'rc=$?; rm -f /tmp/.hostwright-restore-stopped.$$; exit $rc',
  ].join('\n');
}

/**
 * restore.ts's part: the newest archive of the series, or `archive` (a file name in the series),
 * verified (sha256, tar listing, dumps read by pg_restore) and put back: each database dropped
 * (its sessions ended) and restored from its dump in one transaction, and the files of `volumes`
 * swapped back in while the containers using them are stopped (a volume's directory swapped under
 * a running container would leave it writing into the old, removed tree), started again after,
 * also when the restore failed. Check mode lists what would be replaced and which databases are
 * dropped and restored. An archive made before a volume was added to `volumes` fails naming what
 * it holds.
 */
export function restoreBackup(vars: PerHost<BackupVars>, archive: (h: HostContext) => string | undefined): Items {
  const v = perHost(vars);
  const volumes = (h: HostContext) => v(h).volumes ?? [];
  return [
    block({
      tags: ['restore'],
      block: [
        task('stop the containers using the volumes', shell((h) => ({ cmd: stopUsersScript(volumes(h)) })), { when: (h) => volumes(h).length > 0, register: 'restore_stopped' }),
        task(
          'restore the databases and volumes',
          backup_restore((h) => {
            const pg = v(h).postgres;
            const name = archive(h);
            const paths = volumePaths(v(h));
            if (!pg && !paths.length) throw new Error('the backup vars name no PostgreSQL container and no volumes: nothing to restore');
            return {
              job: backupJob(v(h)),
              dest: v(h).dest ?? DEFAULT_DEST,
              ...(name ? { archive: name } : {}),
              paths,
              ...(pg ? { postgres: { container: pg.container, user: 'postgres', host: '/run/postgresql', databases: pg.databases.map((db) => ({ name: db, drop: true })) } } : {}),
            };
          }),
        ),
      ],
      always: [
        task(
          'start the stopped containers again',
          shell((h) => {
            const stopped = ((optional(h.vars)['restore_stopped'] as { stdout_lines?: string[] } | undefined)?.stdout_lines ?? []).filter(Boolean);
            return { cmd: stopped.length ? sh`podman start -- ${stopped}` : 'true' };
          }),
          { when: (h) => volumes(h).length > 0 },
        ),
      ],
    }),
  ];
}
