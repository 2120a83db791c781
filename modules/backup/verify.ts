/**
 * backup_verify: re-reads an archive of a job's series (the newest, or the one named) against the
 * sha256 beside it and lists it to the end with tar, so a damaged archive is found before it is
 * needed. Read-only: the work is the probe, never changed; a bad archive fails the task saying why.
 */
import type { JSONSchemaType } from 'ajv';
import { defineModule } from '../../runner/module.js';
import type { Plan } from '../../runner/module.types.js';
import { sh } from '../../runner/shell.js';
import { runProbe } from '../_lib/probe.js';
import { DEFAULT_DEST, JOB_PATTERN, parseArchiveName, seriesDir } from './series.js';

export interface BackupVerifyParams {
  /** The job whose series is read. */
  job: string;
  /** An archive's file name in the series. @default the newest */
  archive?: string;
  /** @default /var/backups/hostwright */
  dest?: string;
}

const schema: JSONSchemaType<BackupVerifyParams> = {
  type: 'object',
  properties: {
    job: { type: 'string', pattern: JOB_PATTERN },
    archive: { type: 'string', pattern: '^[^/\\n]+$', nullable: true },
    dest: { type: 'string', pattern: '^/[^\\n]*$', nullable: true },
  },
  required: ['job'],
  additionalProperties: false,
};

export interface VerifyState {
  /** The archive checked (undefined: the series has none). */
  archive?: string;
  expected?: string;
  actual?: string;
  tarRc?: number;
  entries: number;
  tarError: string[];
}

export function verifyProbe(p: BackupVerifyParams): string {
  const dir = seriesDir(p.dest ?? DEFAULT_DEST, p.job);
  // Names of the series sort in time order (fixed-width UTC stamps after the same prefix).
  const pick = p.archive
    ? sh`a=${p.archive}; [ -f ${dir}/"$a" ] || a=`
    : sh`a=; for f in ${dir}/${p.job}-*.tar.gz ${dir}/${p.job}-*.tar.zst; do [ -f "$f" ] || continue; n=\${f##*/}; r=\${n#${p.job}-}; r=\${r#????????T??????Z-}; case $r in *[!a-z0-9.]*) continue ;; esac; if [ -z "$a" ] || [ "$n" \\> "$a" ]; then a=$n; fi; done`;
  return [
    pick,
    '[ -n "$a" ] || exit 0',
    sh`cd ${dir} || exit 0`,
    `printf 'archive %s\\n' "$a"`,
    `if [ -f "$a.sha256" ]; then read -r e _ < "$a.sha256"; printf 'expected %s\\n' "$e"; fi`,
    `s=$(sha256sum < "$a") && printf 'actual %s\\n' "\${s%% *}"`,
    `if out=$(tar -tf "$a" 2>&1); then echo 'tar 0'; printf '%s\\n' "$out" | wc -l | sed 's/^/entries /'; else rc=$?; printf 'tar %s\\n' "$rc"; printf '%s\\n' "$out" | tail -n 3 | sed 's/^/tarerr /'; fi`,
  ].join('\n');
}

export function parseVerifyProbe(stdout: string): VerifyState {
  const st: VerifyState = { entries: 0, tarError: [] };
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
  }
  return st;
}

export function planVerify(p: BackupVerifyParams, st: VerifyState): Plan {
  const dir = seriesDir(p.dest ?? DEFAULT_DEST, p.job);
  if (p.archive !== undefined && !parseArchiveName(p.job, p.archive)) return { changed: false, actions: [], failed: `${p.archive} is not an archive name of job ${p.job}` };
  if (!st.archive) return { changed: false, actions: [], failed: p.archive ? `no archive ${dir}/${p.archive}` : `no archive in ${dir}` };
  const path = `${dir}/${st.archive}`;
  const result = { archive: path, checksum: st.actual ?? null, entries: st.entries };
  const fail = (why: string): Plan => ({ changed: false, actions: [], result, failed: `archive ${path} is damaged: ${why}` });
  if (!st.expected) return fail(`it has no ${st.archive}.sha256 beside it`);
  if (st.actual !== st.expected) return fail(`its sha256 is ${st.actual ?? 'unreadable'}, ${st.archive}.sha256 says ${st.expected}`);
  if (st.tarRc !== 0) return fail(`tar cannot list it to the end (exit ${st.tarRc ?? '?'}): ${st.tarError.join(' / ')}`);
  return { changed: false, actions: [], result, summary: `${path}: sha256 ok, ${st.entries} entries listed` };
}

export const backup_verify = defineModule<BackupVerifyParams, VerifyState>({
  name: 'backup_verify',
  schema,
  async gather(p, probe) {
    return parseVerifyProbe((await runProbe(probe, verifyProbe(p), `an archive of backup job ${p.job}`)).stdout);
  },
  plan: (p, st) => planVerify(p, st),
});
