/**
 * What the executor tells reporters. The executor emits these in order; reporters (plain text,
 * the live listr2 view, --json lines) render them and keep no other channel to the executor.
 * Values in events are already masked (no_log, secret params): reporters never see secrets.
 */
import type { FileDiff, TaskResult } from './module.types.js';

/** Per-host counters, Ansible's PLAY RECAP columns. */
export interface HostStats {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

/** How one task ended on one host; `status` picks the line (`ok:`, `changed:`, `fatal:` ...). */
export type HostStatus = 'ok' | 'changed' | 'skipped' | 'failed' | 'unreachable';

export type RunEvent =
  | { type: 'playbook_start'; file: string; check: boolean; diff: boolean }
  | { type: 'play_start'; name: string; hosts: string[]; pattern: string }
  /** No host matched the play's pattern (Ansible: "skipping: no hosts matched"). */
  | { type: 'play_no_hosts'; name: string }
  | { type: 'task_start'; name: string; kind: 'task' | 'handler' | 'setup'; location?: string }
  | {
      type: 'host_result';
      host: string;
      /** `delegate_to` target, shown as `[host -> target]`. */
      delegatedTo?: string;
      task: string;
      /** The module the task ran (Ansible's task action): the text reporter cleans `debug` results as Ansible does. */
      action?: string;
      status: HostStatus;
      /** Failure was ignored (ignore_errors): shown as failed + "...ignoring". */
      ignored?: boolean;
      /** Loop item label when the result is for one loop item. */
      item?: string;
      /** Which item of how many this is (0-based), for progress by item. */
      loop?: { index: number; total: number };
      /** How long this host's execution (or this loop item) took, in milliseconds. */
      durationMs?: number;
      /** Check mode and the module can't predict the outcome: "would run". */
      wouldRun?: boolean;
      /** A dynamic include that ran: Ansible's `included: <name> for <hosts> => (item=x)` line. */
      included?: string;
      /** The hosts the same included file runs on (one `included:` line for them, on the first one's event). */
      includedHosts?: string[];
      /** includeRole ran on the host: no line (as Ansible prints none), not counted. */
      roleIncluded?: string;
      /** Check mode: skipped because it needs what this earlier task (by name) would only tell by running. */
      dependsOn?: string;
      result: TaskResult;
      /** Diffs to render under --diff (already masked). */
      diffs?: FileDiff[];
    }
  | { type: 'warning'; message: string }
  | { type: 'verbose'; level: 1 | 2 | 3 | 4; host?: string; message: string }
  /** Nothing more will run for the play (all hosts failed, any_errors_fatal, max_fail_percentage). */
  | { type: 'play_abort'; reason: string }
  | { type: 'recap'; stats: Record<string, HostStats> }
  /** --step: the question asked before a task, and whether the answer runs it. */
  | { type: 'step'; question: string; run: boolean }
  /** Ctrl-C (or SIGTERM/SIGHUP) arrived: no new task starts; what runs ends, then 'interrupted'. */
  | { type: 'stop_requested'; signal: string }
  | { type: 'interrupted' };

export interface Reporter {
  emit(event: RunEvent): void;
  /** Flush and release the terminal. */
  close(): Promise<void>;
}
