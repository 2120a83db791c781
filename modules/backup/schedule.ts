/**
 * A backup run without Hostwright: the sh script cron starts (playbooks/roles/backup-schedule.ts
 * installs it with `copy` and the `cron` module). It is the same run `backup` applies — lock,
 * cleanup after killed runs, dumps, archive under a temp name, sha256, rename — with the name drawn
 * on the host at each run, then the series pruned with the same restic rules, computed by
 * RETENTION_AWK (no interpreter but sh and awk on the host; test/unit checks it agrees with
 * applyRetention). Each run appends one line to the log and exits with the run's status.
 */
import { quote, sh } from '../../runner/shell.js';
import { backupScript, type BackupParams } from './backup.js';
import { isEmptyPolicy } from './retention.js';
import { DEFAULT_DEST, seriesDir, type Compression } from './series.js';

/**
 * restic's rules in POSIX awk. Input: `STAMP NAME` lines, newest first; output: the names to
 * prune. ISO weeks from the civil date (days since 1970 as in Hinnant's days_from_civil; the
 * week belongs to the year of its Thursday), as retention.ts's isoWeek.
 */
export const RETENTION_AWK = String.raw`
function dfc(y, m, d,   era, yoe, doy) { if (m <= 2) y--; era = int(y / 400); yoe = y - era * 400; doy = int((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1; return era * 146097 + yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy - 719468 }
function isoweek(s,   y, n, t, wy) { y = substr(s, 1, 4) + 0; n = dfc(y, substr(s, 5, 2) + 0, substr(s, 7, 2) + 0); t = n - (n + 3) % 7 + 3; wy = y; if (t < dfc(y, 1, 1)) wy = y - 1; else if (t >= dfc(y + 1, 1, 1)) wy = y + 1; return wy * 100 + int((t - dfc(wy, 1, 1)) / 7) + 1 }
BEGIN { if (!last && !hourly && !daily && !weekly && !monthly && !yearly) exit; R[1] = "h"; R[2] = "d"; R[3] = "w"; R[4] = "m"; R[5] = "y"; left["h"] = hourly; left["d"] = daily; left["w"] = weekly; left["m"] = monthly; left["y"] = yearly }
{
  s = $1; kept = 0
  if (last > 0) { last--; kept = 1 }
  k["h"] = substr(s, 1, 11); k["d"] = substr(s, 1, 8); k["w"] = isoweek(s); k["m"] = substr(s, 1, 6); k["y"] = substr(s, 1, 4)
  for (i = 1; i <= 5; i++) { r = R[i]; if (left[r] > 0 && k[r] != prev[r]) { prev[r] = k[r]; left[r]--; kept = 1 } }
  if (!kept) print $2
}`;

/**
 * `STAMP NAME` lines of the series' archives in "$d" for job (names of exactly the series' shape,
 * as parseArchiveName), newest first.
 */
export function seriesListing(job: string): string {
  return sh`for f in "$d"/${job}-*; do n=\${f##*/}; r=\${n#${job}-}; case $r in [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z-*.tar.gz|[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z-*.tar.zst|[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z-*.tar.gz.age|[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z-*.tar.zst.age) ;; *) continue ;; esac; x=\${r#*Z-}; x=\${x%%.tar.*}; case $x in *[!a-z0-9]*|'') continue ;; esac; [ -f "$f" ] && printf '%s %s\\n' "\${r%%-*}" "$n"; done | sort -r`;
}

export interface BackupCronScriptOptions {
  /** The log file, one line appended per run. */
  log: string;
}

/** The whole script cron runs for one backup job. */
export function backupCronScript(p: BackupParams, o: BackupCronScriptOptions): string {
  if (p.copy_to_controller) throw new Error('backup_cron: copy_to_controller needs a Hostwright run (the controller is not there when cron runs)');
  const dir = seriesDir(p.dest ?? DEFAULT_DEST, p.job);
  const ext = (c: Compression) => `.tar.${c === 'zstd' ? 'zst' : 'gz'}${p.encryption_key ? '.age' : ''}`;
  const nameExpr = (c: Compression) => `${quote(`${p.job}-`)}"$(date -u +%Y%m%dT%H%M%SZ)-$(od -An -tx1 -N5 /dev/urandom | tr -d ' \\n')"${quote(ext(c))}`;
  const variant = (c: Compression) => backupScript(p, dir, '', c, [], nameExpr(c)).replace(/\nprintf 'sha256 %s\\n' "\$sum"$/, '\nprintf \'archive=%s sha256=%s\' "$d/$n" "$sum" > "$res"');
  const wanted = p.compression ?? 'auto';
  const run =
    wanted === 'auto'
      ? `if command -v zstd >/dev/null 2>&1; then\n${variant('zstd')}\nelse\n${variant('gzip')}\nfi`
      : variant(wanted);
  const policy = `-v last=${p.keep_last ?? 0} -v hourly=${p.keep_hourly ?? 0} -v daily=${p.keep_daily ?? 0} -v weekly=${p.keep_weekly ?? 0} -v monthly=${p.keep_monthly ?? 0} -v yearly=${p.keep_yearly ?? 0}`;
  const prune = isEmptyPolicy(p)
    ? []
    : [
        // Still under the lock (fd 9) the run took: prune as `backup` would have.
        `gone=$(${seriesListing(p.job)} | awk ${policy} '${RETENTION_AWK}')`,
        'for x in $gone; do rm -f -- "$d/$x" "$d/$x.sha256"; done',
        `printf ' pruned=%s' "$(printf '%s' "$gone" | grep -c .)" >> "$res"`,
      ];
  return [
    '#!/bin/sh',
    `# Written by Hostwright (playbooks/roles/backup-schedule.ts): backup job ${p.job}, series ${dir}.`,
    '# One run: archive (written under a temp name, renamed after its sha256), prune, one log line.',
    sh`log=${o.log}`,
    'res=$(mktemp) || exit 1',
    'start=$(date +%s)',
    '(',
    run,
    ...prune,
    `) 2>"$res.err"`,
    'rc=$?',
    'if [ $rc = 0 ]; then what="status=ok $(cat "$res")"; else what="status=failed exit=$rc error=\\"$(grep . "$res.err" | tail -n 1)\\""; fi',
    sh`printf '%s job=%s %s seconds=%s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" ${p.job} "$what" "$(( $(date +%s) - start ))" >> "$log"`,
    'cat "$res.err" >&2; rm -f "$res" "$res.err"',
    'exit $rc',
    '',
  ].join('\n');
}
