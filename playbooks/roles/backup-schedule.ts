/**
 * backupSchedule: runs a backup job from the host's cron, without Hostwright. Two tasks: `copy`
 * writes the job's script (modules/backup/schedule.ts: the same run `backup` applies — lock,
 * dumps, temp name, sha256, rename — then the retention, one log line per run, the run's exit
 * status), and `cron` installs it in /etc/cron.d/hostwright-backup (one `#Ansible:` entry per job).
 *
 *   tasks: [...backupSchedule({ backup: { job: 'site', paths: ['/srv/app'], keep_daily: 7, keep_weekly: 13 }, hour: '3', minute: '15' })]
 *
 * The log (default /var/log/hostwright-backup.log) gets, per run:
 *   2026-12-05T03:15:02Z job=site status=ok archive=/var/backups/hostwright/site/site-...tar.zst sha256=... pruned=1 seconds=4
 *   2026-12-06T03:15:01Z job=site status=failed exit=1 error="pg_dump of database app on the host failed (exit 1); no archive was written" seconds=0
 * cron mails the run's stderr to root where a mailer is set up; `state: 'absent'` removes both.
 */
import { task, type Task } from '../../runner/index.js';
import { copy, cron, file, type BackupParams } from '../../modules/index.js';
import { backupCronScript } from '../../modules/backup/schedule.js';

export interface BackupScheduleOptions {
  /** The backup: backup's parameters (not copy_to_controller: the controller is not there at 3 a.m.). */
  backup: BackupParams;
  /** cron's fields. @default '0' */
  minute?: string;
  /** @default '3' */
  hour?: string;
  /** @default '*' */
  day?: string;
  /** @default '*' */
  month?: string;
  /** @default '*' */
  weekday?: string;
  /** Where the script goes. @default /usr/local/sbin/hostwright-backup-<job> */
  script?: string;
  /** One line per run is appended here. @default /var/log/hostwright-backup.log */
  log?: string;
  /** @default present */
  state?: 'present' | 'absent';
}

export function backupSchedule(o: BackupScheduleOptions): Task[] {
  const job = o.backup.job;
  const script = o.script ?? `/usr/local/sbin/hostwright-backup-${job}`;
  const present = (o.state ?? 'present') === 'present';
  const entry = cron({
    name: `hostwright backup ${job}`,
    cron_file: 'hostwright-backup',
    user: 'root',
    job: script,
    minute: o.minute ?? '0',
    hour: o.hour ?? '3',
    day: o.day ?? '*',
    month: o.month ?? '*',
    weekday: o.weekday ?? '*',
    state: o.state ?? 'present',
  });
  return present
    ? [
        task(`backup script for job ${job}`, copy({ dest: script, mode: '0700', owner: 'root', group: 'root', content: backupCronScript(o.backup, { log: o.log ?? '/var/log/hostwright-backup.log' }) })),
        task(`schedule backup job ${job}`, entry),
      ]
    : [task(`unschedule backup job ${job}`, entry), task(`remove the backup script for job ${job}`, file({ path: script, state: 'absent' }))];
}
