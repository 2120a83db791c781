/**
 * backup: the stack's nightly backup with the backup module — one archive per run holding a
 * `pg_dump -Fc` of each database (taken inside the PostgreSQL container) and the podman volumes'
 * files, in the job's series under /var/backups/hostwright, pruned with restic-style retention —
 * and playbooks/restore.ts puts a database back from the newest or a named archive.
 *
 * Taking a backup is a run of the module, so the nightly schedule is a cron entry on the
 * CONTROLLER, where Hostwright and the inventory live: it runs playbooks/backup.ts against the
 * host. The hosts themselves need nothing but tar and podman. Two parts:
 *   - `backup(vars)`, in site.ts: the series directory and the controller's cron entry;
 *   - `backupNow(vars)`, in playbooks/backup.ts: the dump and the archive, with retention.
 */
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import { block, task, type HostContext, type Items } from '../../runner/index.js';
import { backup as backupModule, backup_restore, command, cron, file, type RetentionPolicy } from '../../modules/index.js';
import { sh } from '../../runner/shell.js';
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
  /** When the nightly run starts (cron fields, the controller's time). @default { hour: '3', minute: '17' } */
  schedule?: { hour: string; minute: string };
  /**
   * The controller's cron file for the nightly run (cron's `cron_file`: a name in /etc/cron.d, or
   * an absolute path). @default 'hostwright-backup-<job>'
   */
  cronFile?: string;
  /** `VAR=value` words put before the nightly command (the lab passes HOSTWRIGHT_LAB). @default '' */
  commandEnv?: string;
  /** The controller's log of the nightly runs. @default '/var/log/hostwright-backup-<job>.log' */
  log?: string;
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DEFAULT_DEST = '/var/backups/hostwright';

export const backupJob = (v: BackupVars): string => v.job ?? 'site';

const retention = (v: BackupVars): RetentionPolicy => {
  const keys = ['keep_last', 'keep_hourly', 'keep_daily', 'keep_weekly', 'keep_monthly', 'keep_yearly'] as const;
  return Object.fromEntries(keys.filter((k) => v[k] !== undefined).map((k) => [k, v[k]]));
};

/** The nightly command: this repository's backup.ts, against the inventory and host this run used. */
export function nightlyCommand(v: BackupVars, h: HostContext): string {
  const inventory = String(h.vars['inventory_file']);
  const host = String(h.vars['inventory_hostname']);
  const log = v.log ?? `/var/log/hostwright-backup-${backupJob(v)}.log`;
  const env = v.commandEnv ? `${v.commandEnv} ` : '';
  return `${sh`cd ${REPO_ROOT}`} && ${env}${sh`node_modules/.bin/tsx playbooks/backup.ts -i ${inventory} --limit ${host} >> ${log} 2>&1`}`;
}

/** site.ts's part: where the archives go, and the nightly run scheduled on the controller. */
export function backup(vars: PerHost<BackupVars>): Items {
  const v = perHost(vars);
  return [
    block({
      tags: ['backup'],
      block: [
        task('backup directory', file((h) => ({ path: v(h).dest ?? DEFAULT_DEST, state: 'directory', mode: '0700' }))),
        task(
          'nightly backup, scheduled on the controller',
          cron((h) => ({
            name: `hostwright backup ${backupJob(v(h))} of ${String(h.vars['inventory_hostname'])}`,
            cron_file: v(h).cronFile ?? `hostwright-backup-${backupJob(v(h))}`,
            user: os.userInfo().username,
            hour: v(h).schedule?.hour ?? '3',
            minute: v(h).schedule?.minute ?? '17',
            job: nightlyCommand(v(h), h),
          })),
          { delegate_to: 'localhost', become: false },
        ),
      ],
    }),
  ];
}

/** playbooks/backup.ts's part: dump, archive, prune. Not idempotent: every run writes an archive. */
export function backupNow(vars: PerHost<BackupVars>): Items {
  const v = perHost(vars);
  const volumes = task(
    'volume paths',
    command((h) => ({ argv: ['podman', 'volume', 'inspect', '--format', '{{.Mountpoint}}', ...(v(h).volumes ?? [])] })),
    { changed_when: () => false, check_mode: false, when: (h) => (v(h).volumes ?? []).length > 0 },
  );
  const mountpoints = (h: HostContext): string[] =>
    (v(h).volumes ?? []).length > 0 ? String(volumes.result(h)?.stdout ?? '').split('\n').filter((l) => l.startsWith('/')) : [];
  return [
    block({
      tags: ['backup'],
      block: [
        volumes,
        task(
          'database dump and volume archive',
          backupModule((h) => {
            const pg = v(h).postgres;
            const paths = mountpoints(h);
            return {
              job: backupJob(v(h)),
              dest: v(h).dest ?? DEFAULT_DEST,
              ...(paths.length ? { paths } : {}),
              ...(pg ? { postgres: { container: pg.container, user: 'postgres', host: '/run/postgresql', databases: pg.databases } } : {}),
              ...retention(v(h)),
            };
          }),
        ),
      ],
    }),
  ];
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
        if (!pg) throw new Error('the backup vars name no PostgreSQL container (backup_postgres): nothing to restore');
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
