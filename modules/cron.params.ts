/** cron's parameters: what validates a call without loading the module's code (cron.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../runner/module.js';

export type SpecialTime = 'reboot' | 'yearly' | 'annually' | 'monthly' | 'weekly' | 'daily' | 'hourly';

export const timeField = { type: 'string', nullable: true, default: '*', pattern: '^\\S+$' } as const;

export const TIME_FIELDS = ['minute', 'hour', 'day', 'month', 'weekday'] as const;

export interface CronParams {
  /** The entry's name: the `#Ansible: NAME` marker of a job, or the variable of an env entry. */
  name: string;
  /** Whose crontab (or, with cron_file, the user field of the line). @default the connection's user */
  user?: string;
  /** The command (or, with env, the variable's value). Required with state=present. */
  job?: string;
  /** A file in /etc/cron.d (a bare name) or an absolute path, instead of the user's crontab. @default none */
  cron_file?: string;
  /** @default 'present' */
  state?: 'present' | 'absent';
  /** Keep a copy of the crontab before changing it (a temp file named in `backup_file`). @default false */
  backup?: boolean;
  /** @default '*' */
  minute?: string;
  /** @default '*' */
  hour?: string;
  /** Day of the month. @default '*' */
  day?: string;
  /** @default '*' */
  month?: string;
  /** Day of the week. @default '*' */
  weekday?: string;
  /** `@reboot`, `@daily`, ... instead of the time fields. @default none */
  special_time?: SpecialTime;
  /** Keep the job but comment it out. @default false */
  disabled?: boolean;
  /** Manage an environment variable line (`NAME="job"`) instead of a job. @default false */
  env?: boolean;
  /** env only: put a new variable after this variable. @default none (top of the crontab) */
  insertafter?: string;
  /** env only: put a new variable before this variable. @default none (top of the crontab) */
  insertbefore?: string;
}

export const schema: JSONSchemaType<CronParams> = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1 },
    user: { type: 'string', nullable: true, minLength: 1 },
    job: { type: 'string', nullable: true },
    cron_file: { type: 'string', nullable: true, minLength: 1 },
    state: { type: 'string', enum: ['present', 'absent'], nullable: true, default: 'present' },
    backup: { type: 'boolean', nullable: true, default: false },
    minute: timeField,
    hour: timeField,
    day: timeField,
    month: timeField,
    weekday: timeField,
    special_time: { type: 'string', enum: ['reboot', 'yearly', 'annually', 'monthly', 'weekly', 'daily', 'hourly'], nullable: true },
    disabled: { type: 'boolean', nullable: true, default: false },
    env: { type: 'boolean', nullable: true, default: false },
    insertafter: { type: 'string', nullable: true },
    insertbefore: { type: 'string', nullable: true },
  },
  required: ['name'],
  additionalProperties: false,
};

/** Ansible's own checks, at load time. */
export function check(p: CronParams): ParamIssue[] {
  const issues: ParamIssue[] = [];
  if (p.cron_file === '/etc/crontab') issues.push({ field: 'cron_file', message: 'Will not manage /etc/crontab via cron_file, see documentation.' });
  if (p.special_time && TIME_FIELDS.some((f) => (p[f] ?? '*') !== '*')) {
    issues.push({ field: 'special_time', message: 'You must specify time and date fields or special time.' });
  }
  if (p.insertafter !== undefined && p.insertbefore !== undefined) issues.push({ field: 'insertafter', message: 'parameters are mutually exclusive: insertafter|insertbefore' });
  if (p.state !== 'absent') {
    if (p.cron_file !== undefined && p.user === undefined) issues.push({ field: 'user', message: 'To use cron_file=... parameter you must specify user=... as well' });
    if (p.job === undefined) issues.push({ field: 'job', message: "You must specify 'job' to install a new cron job or variable" });
    if ((p.insertafter !== undefined || p.insertbefore !== undefined) && !p.env) {
      issues.push({ field: 'insertafter', message: 'Insertafter and insertbefore parameters are valid only with env=yes' });
    }
  }
  if (p.env && p.name.includes(' ')) issues.push({ field: 'name', message: 'Invalid name for environment variable' });
  return issues;
}

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const cronDefinition: ModuleDefinition<CronParams> = { name: 'cron', probeAhead: true, schema, check };
