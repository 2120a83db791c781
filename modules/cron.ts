/**
 * cron: one job (or env variable) in a user's crontab or in a /etc/cron.d file, marked
 * `#Ansible: NAME` as ansible-core's cron module marks it, so entries either tool made are
 * recognised by the other. The editing rules are in _lib/crontab.ts (with the Ansible bugs it
 * avoids). One probe reads the crontab (`crontab -l -u USER`) or the cron file; a user crontab is
 * installed with `crontab -u USER -` (which validates it: a bad time fails there and the old
 * crontab stays), a cron file is written atomically (mode 0644 when new) or removed when empty.
 */
import { defineModule } from '../runner/module.js';
import type { Action, FileDiff, Plan, Predicted } from '../runner/module.types.js';
import { sh } from '../runner/shell.js';
import { CONTENT_MARK, parseProbe } from './_lib/probe.js';
import {
  jobLine,
  names,
  putEnv,
  putJob,
  removeEnv,
  removeJob,
  renderCrontab,
  splitLines,
  stripCrontabHeader,
  timeFieldProblem,
  type Edit,
} from './_lib/crontab.js';
import { cronDefinition, type CronParams, TIME_FIELDS } from './cron.params.js';

export type { CronParams, SpecialTime } from './cron.params.js';

export interface CronState {
  /** The crontab's text as `crontab -l` gives it (header dropped), or the cron file's content; '' when none. */
  text: string;
  /** The cron file exists (cron_file only). */
  fileExists: boolean;
  /** Reading failed (unknown user, no permission): the message. */
  problem?: string;
}

export function cronFilePath(cronFile: string): string {
  return cronFile.startsWith('/') ? cronFile : `/etc/cron.d/${cronFile}`;
}

export function cronProbeScript(p: Pick<CronParams, 'user' | 'cron_file'>): string {
  if (p.cron_file !== undefined) {
    return [sh`f=${cronFilePath(p.cron_file)}`, `if [ -f "$f" ]; then echo file yes; echo '${CONTENT_MARK}'; cat -- "$f"; else echo file no; fi`].join('\n');
  }
  // The crontab goes straight to stdout; its exit code and stderr tell an empty crontab ("no
  // crontab for USER", rc 1) from a failure (an unknown user).
  return [`echo '${CONTENT_MARK}'`, p.user !== undefined ? sh`crontab -l -u ${p.user}` : 'crontab -l'].join('\n');
}

export function parseCronProbe(out: { stdoutBytes: Buffer; stderr: string; rc: number }, p: Pick<CronParams, 'cron_file'>): CronState {
  const { fields, content } = parseProbe(out.stdoutBytes);
  const text = content?.toString('utf8') ?? '';
  if (p.cron_file !== undefined) {
    if (out.rc !== 0) return { text: '', fileExists: false, problem: `reading the cron file failed: ${out.stderr.trim()}` };
    return { text, fileExists: fields.get('file') === 'yes' };
  }
  if (out.rc !== 0 && !/no crontab for/.test(out.stderr)) return { text: '', fileExists: false, problem: `Unable to read crontab: ${out.stderr.trim()}` };
  return { text: stripCrontabHeader(text).text, fileExists: false };
}

export const cron = defineModule<CronParams, CronState>({
  ...cronDefinition,
  async gather(p, probe) {
    return parseCronProbe(await probe.run(cronProbeScript(p)), p);
  },
  plan: (p, s) => planCron(p, s),
  overlay: (s, predicted, p) => overlayCron(s, predicted, p),
});

/** What a check run's earlier tasks leave: the user crontab or cron file they write, the user they create. */
export function overlayCron(s: CronState, predicted: Predicted, p: CronParams): CronState {
  if (p.cron_file !== undefined) {
    const path = cronFilePath(p.cron_file);
    const pf = predicted.path(path);
    if (!pf) return s;
    if (pf.state === 'absent') return { text: '', fileExists: false };
    if (pf.state === 'file' && pf.content) return { text: pf.content.toString('utf8'), fileExists: true };
    return predicted.unpredictable(pf.by, path);
  }
  const tab = predicted.resource(CRONTAB, p.user ?? '');
  if (tab) return { text: String(tab.attrs?.text ?? ''), fileExists: false };
  // The crontab of a user an earlier task creates is empty (crontab -l said the user is unknown).
  if (s.problem && p.user !== undefined && predicted.user(p.user)?.state === 'present') return { text: '', fileExists: false };
  return s;
}

/** The effect type of a user's whole crontab (key: the user, '' for the connection's). */
const CRONTAB = 'crontab';

function diffHeader(p: CronParams): string {
  if (p.cron_file !== undefined) return cronFilePath(p.cron_file);
  return p.user !== undefined ? `crontab for user "${p.user}"` : 'crontab';
}

export function planCron(p: CronParams, s: CronState): Plan {
  const result: Record<string, unknown> = { ...(p.cron_file !== undefined ? { cron_file: p.cron_file } : {}) };
  if (s.problem) return { changed: false, actions: [], failed: s.problem, result };
  const lines = splitLines(s.text);
  const present = p.state !== 'absent';
  let edit: Edit | { failed: string };
  if (p.env) {
    edit = present ? putEnv(lines, p.name, p.job ?? '', p) : removeEnv(lines, p.name);
  } else if (present) {
    // Times that cron(8) would reject fail here for a cron file (nothing checks those files);
    // a user crontab is checked by `crontab` itself when it is installed.
    if (p.cron_file !== undefined && !p.special_time) {
      const bad = TIME_FIELDS.map((f) => timeFieldProblem(f, p[f] ?? '*')).find(Boolean);
      if (bad) return { changed: false, actions: [], failed: `${bad} in ${cronFilePath(p.cron_file)}`, result };
    }
    const line = jobLine({
      minute: p.minute ?? '*', hour: p.hour ?? '*', day: p.day ?? '*', month: p.month ?? '*', weekday: p.weekday ?? '*',
      job: p.job ?? '', disabled: p.disabled ?? false,
      ...(p.special_time ? { special_time: p.special_time } : {}),
      ...(p.cron_file !== undefined ? { fileUser: p.user! } : {}),
    });
    edit = putJob(lines, p.name, line);
  } else {
    edit = removeJob(lines, p.name);
  }
  if ('failed' in edit) return { changed: false, actions: [], failed: edit.failed, result };

  const after = renderCrontab(edit.lines);
  const header = diffHeader(p);
  const listing = names(edit.lines);
  // A cron file left without entries is removed (as Ansible does when removing its last job).
  if (p.cron_file !== undefined && !present && edit.changed && edit.lines.every((l) => !l.trim())) {
    const path = cronFilePath(p.cron_file);
    const diff: FileDiff = { before: s.text, after: '', before_header: header, after_header: '/dev/null' };
    return { changed: s.fileExists, actions: [{ kind: 'run', script: sh`rm -f -- ${path}`, describe: `remove ${path}` }], diffs: [diff], result: { ...result, state: 'absent' }, effects: [{ kind: 'path', path, state: 'absent' }] };
  }
  // An unterminated last line is not run by cron: adding the newline is a change on its own.
  const changed = edit.changed || (s.text !== '' && !/[\r\n]$/.test(s.text));
  if (!changed) return { changed: false, actions: [], result: { ...result, ...listing } };
  const actions: Action[] = [];
  if (p.cron_file !== undefined) {
    actions.push({ kind: 'write', path: cronFilePath(p.cron_file), content: after, ...(s.fileExists ? {} : { mode: '0644' }), ...(p.backup ? { backup: true } : {}) });
  } else {
    const u = p.user !== undefined ? sh` -u ${p.user}` : '';
    if (p.backup) actions.push({ kind: 'run', script: `b=$(mktemp /tmp/crontabXXXXXXXX) && crontab -l${u} > "$b" 2>/dev/null; echo "$b"`, describe: 'back up the crontab' });
    actions.push({ kind: 'run', script: `crontab${u} -`, stdin: after, describe: `install ${header}` });
  }
  return {
    changed: true,
    actions,
    diffs: [{ before: s.text, after, before_header: header, after_header: header }],
    result: { ...result, ...listing },
    effects: [
      p.cron_file !== undefined
        ? { kind: 'path', path: cronFilePath(p.cron_file), state: 'file', content: Buffer.from(after), ...(s.fileExists ? {} : { mode: 0o644, created: true }) }
        : { kind: 'resource', type: CRONTAB, key: p.user ?? '', state: 'present', attrs: { text: after } },
    ],
  };
}
