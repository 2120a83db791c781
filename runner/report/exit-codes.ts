/**
 * ansible-playbook's exit codes (cli/__init__.py, executor/task_queue_manager.py,
 * plugins/strategy/__init__.py):
 *   0 ok · 1 error (AnsibleError) · 2 failed hosts · 4 unreachable hosts · 4 parser error ·
 *   5 options error · 99 user interrupted · 250 unexpected exception.
 * Unreachable wins over failed: the strategy checks `_unreachable_hosts` first, and that set
 * survives from play to play, while hosts that failed in an earlier play are marked failed again in
 * later ones — so over a whole run it comes down to "any unreachable → 4, else any failed → 2",
 * which the recap counters show (ignored failures count as ignored, rescued ones as rescued).
 * One exception: any_errors_fatal or max_fail_percentage breaking a play (RUN_FAILED_BREAK_PLAY)
 * is turned into RUN_FAILED_HOSTS by playbook_executor, so it exits 2 even with unreachable hosts.
 */
import type { HostStats } from '../events.js';
import { LoadError, OptionsError, RunError, UnreachableError } from '../errors.js';

export const EXIT = {
  OK: 0,
  ERROR: 1,
  FAILED_HOSTS: 2,
  UNREACHABLE_HOSTS: 4,
  PARSER_ERROR: 4,
  OPTIONS_ERROR: 5,
  INTERRUPTED: 99,
  UNEXPECTED: 250,
} as const;

export interface RunOutcome {
  /** The recap counters, host → stats. */
  stats: Readonly<Record<string, HostStats>>;
  /** A play was stopped by any_errors_fatal or max_fail_percentage. */
  failedBreakPlay?: boolean;
  /** The user pressed Ctrl-C. */
  interrupted?: boolean;
  /** Hosts whose failures meta clear_host_errors cleared: Ansible no longer counts them as failed. */
  clearedHosts?: ReadonlySet<string>;
}

export function exitCodeForRun(outcome: RunOutcome): number {
  if (outcome.interrupted) return EXIT.INTERRUPTED;
  if (outcome.failedBreakPlay) return EXIT.FAILED_HOSTS;
  const all = Object.entries(outcome.stats).flatMap(([host, s]) => (outcome.clearedHosts?.has(host) ? [] : [s]));
  if (all.some((s) => s.unreachable > 0)) return EXIT.UNREACHABLE_HOSTS;
  if (all.some((s) => s.failed > 0)) return EXIT.FAILED_HOSTS;
  return EXIT.OK;
}

/** An error that stopped the run before or outside the task loop. */
export function exitCodeForError(error: unknown): number {
  if (error instanceof OptionsError) return EXIT.OPTIONS_ERROR;
  if (error instanceof LoadError) return EXIT.PARSER_ERROR;
  if (error instanceof UnreachableError || error instanceof RunError) return EXIT.ERROR;
  if (isAbort(error)) return EXIT.INTERRUPTED;
  return EXIT.UNEXPECTED;
}

/** Errors we raise on purpose (Ansible's AnsibleError family) print as one line, no stack. */
export function isExpectedError(error: unknown): boolean {
  return error instanceof OptionsError || error instanceof LoadError || error instanceof UnreachableError || error instanceof RunError;
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}
