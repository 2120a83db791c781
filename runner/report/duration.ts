/**
 * Durations as people read them: Ansible's timer and profile_tasks callbacks (ansible.posix) for
 * the lines that copy theirs, and a short form for the live view's rows.
 */

/** profile_tasks' secondsToStr: `H:MM:SS.mmm` (hours unpadded). */
export function clockDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms));
  const millis = total % 1000;
  const seconds = Math.floor(total / 1000) % 60;
  const minutes = Math.floor(total / 60_000) % 60;
  const hours = Math.floor(total / 3_600_000);
  return `${hours}:${pad(minutes, 2)}:${pad(seconds, 2)}.${pad(millis, 3)}`;
}

/** The timer callback's line (whole seconds, truncated as timedelta.seconds is). */
export function timerLine(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  return `Playbook run took ${days} days, ${hours} hours, ${minutes} minutes, ${s % 60} seconds`;
}

/** Short elapsed time for narrow rows: `0.4s`, `12.3s`, `2m05s`, `1h02m`. */
export function shortDuration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const whole = Math.floor(s);
  if (whole < 3600) return `${Math.floor(whole / 60)}m${pad(whole % 60, 2)}s`;
  return `${Math.floor(whole / 3600)}h${pad(Math.floor((whole % 3600) / 60), 2)}m`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
