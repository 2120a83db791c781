/**
 * WaitAction: one command that retries an attempt script on the host until it exits with an ok
 * code or the deadline passes, so waiting costs one round trip however many attempts it takes.
 * Each attempt runs in a fresh `/bin/sh -c` (an `exit` in it ends only that attempt) with its
 * output captured; on timeout the last attempt's output and exit code come back for the message.
 */
import type { WaitAction } from './module.types.js';
import { sh } from './shell.js';

/** stderr line of a wait that ran out of time: `hostwright-wait: timeout <last rc>`. */
export const WAIT_MARK = 'hostwright-wait:';
/** How long after the wait's own deadline the runner kills it (an attempt that hangs). */
export const WAIT_GRACE_MS = 10_000;

/**
 * The clock is /proc/uptime in centiseconds (read by a builtin: no fork per attempt); without it,
 * `date +%s` with one second of slack, so a wait never gives up before its timeout.
 */
export function waitScript(action: WaitAction): string {
  const centiseconds = Math.max(1, Math.ceil(action.timeoutMs / 10));
  const interval = String((action.intervalMs ?? 1000) / 1000);
  const okCodes = (action.okCodes ?? [0]).join(' ');
  return [
    sh`attempt=${action.script}`,
    `if read -r u _ </proc/uptime 2>/dev/null; then`,
    `  now() { read -r u _ </proc/uptime; c=\${u%.*}\${u#*.}; }; slack=0`,
    `else`,
    `  now() { c=$(( $(date +%s) * 100 )); }; slack=100`,
    `fi`,
    `now; deadline=$(( c + ${centiseconds} + slack ))`,
    `while :; do`,
    `  out=$(/bin/sh -c "$attempt" 2>&1); rc=$?`,
    sh`  case ${` ${okCodes} `} in *" $rc "*) exit 0 ;; esac`,
    `  now; if [ "$c" -ge "$deadline" ]; then printf '%s' "$out"; echo "${WAIT_MARK} timeout $rc" >&2; exit 1; fi`,
    sh`  sleep ${interval}`,
    `done`,
  ].join('\n') + '\n';
}

/** The failure message of a wait that ran out of time, with the tail of the last attempt's output. */
export function waitTimedOut(action: WaitAction, lastRc: number | undefined, lastOutput: string): string {
  const head = `timed out after ${action.timeoutMs / 1000} s waiting for ${action.describe}`;
  if (lastRc === undefined) return `${head} (the last attempt was still running)`;
  const out = lastOutput.trim();
  const tail = out.length > 2000 ? `...${out.slice(-2000)}` : out;
  return `${head}; last attempt rc=${lastRc}${tail ? `: ${tail}` : ''}`;
}
