/**
 * --profile: what Ansible users get from the ansible.posix profile_tasks and timer callbacks, in
 * their shape (plugins/callback/profile_tasks.py, timer.py):
 *
 *   TASK [install nginx] ***********************************************************
 *   Saturday 05 December 2026  20:38:52 +0000 (0:00:00.616)       0:00:00.626 *****
 *   ...
 *   PLAY RECAP *********************************************************************
 *   ...
 *   Saturday 05 December 2026  20:38:52 +0000 (0:00:00.032)       0:00:00.658 *****
 *   ===============================================================================
 *   install nginx ----------------------------------------------------------- 0.62s
 *   HOST [web1] ------------------------------------------------------------- 0.60s
 *   Playbook run took 0 days, 0 hours, 0 minutes, 0 seconds
 *
 * A task's time runs from its start to the next task's start (or the recap), summed over serial
 * batches; the 20 longest are listed, longest first (profile_tasks' defaults). Then each host's
 * time: the sum of its results' durations (loop items one by one), which profile_tasks does not
 * have. Without --profile none of this is printed, so the plain output stays ansible-playbook's.
 */
import type { RunEvent } from '../events.js';
import { clockDuration, timerLine } from './duration.js';

/** profile_tasks' output_limit default. */
const TASKS_LISTED = 20;
/** profile_tasks' filled(): its own fixed width, not the terminal's. */
const FILL_WIDTH = 79;

interface TaskTime {
  name: string;
  location: string | undefined;
  elapsedMs: number;
}

export interface ProfilerOptions {
  /** Display.columns (bannerColumns): the task lines' width. */
  columns: number;
  verbosity: number;
  /** Injected for tests. @default performance.now / new Date */
  now?: () => number;
  date?: () => Date;
}

export class Profiler {
  readonly #columns: number;
  readonly #verbosity: number;
  readonly #now: () => number;
  readonly #date: () => Date;
  readonly #start: number;
  /** When the last tasktime() line was printed (profile_tasks' tn). */
  #last: number;
  readonly #tasks = new Map<string, TaskTime>();
  #current: { task: TaskTime; since: number } | undefined;
  readonly #hosts = new Map<string, number>();

  constructor(options: ProfilerOptions) {
    this.#columns = options.columns;
    this.#verbosity = options.verbosity;
    this.#now = options.now ?? (() => performance.now());
    this.#date = options.date ?? (() => new Date());
    this.#start = this.#last = this.#now();
  }

  /**
   * Lines to print after what the stdout reporter printed for the event: the time line after a
   * task's banner, the summary after the recap.
   */
  observe(event: RunEvent): string[] {
    switch (event.type) {
      case 'task_start': {
        const line = this.#taskTime();
        this.#stopCurrent();
        const key = `${event.kind} ${event.name} ${event.location ?? ''}`;
        let task = this.#tasks.get(key);
        if (!task) this.#tasks.set(key, (task = { name: event.name, location: event.location, elapsedMs: 0 }));
        this.#current = { task, since: this.#now() };
        return [line];
      }
      case 'host_result':
        // A loop's own result repeats its items' time.
        if (event.durationMs !== undefined && (event.item !== undefined || !Array.isArray(event.result.results))) {
          this.#hosts.set(event.host, (this.#hosts.get(event.host) ?? 0) + event.durationMs);
        }
        return [];
      case 'recap':
        return this.#summary();
      default:
        return [];
    }
  }

  #stopCurrent(): void {
    if (this.#current) this.#current.task.elapsedMs += this.#now() - this.#current.since;
    this.#current = undefined;
  }

  #summary(): string[] {
    const lines = [this.#taskTime(), filled('', '=')];
    this.#stopCurrent();
    const tasks = [...this.#tasks.values()].sort((a, b) => b.elapsedMs - a.elapsedMs).slice(0, TASKS_LISTED);
    for (const t of tasks) {
      lines.push(this.#timed(t.name, t.elapsedMs));
      if (this.#verbosity >= 2 && t.location) lines.push(`${t.location} `.padEnd(this.#columns, '-'));
    }
    for (const [host, ms] of [...this.#hosts].sort((a, b) => b[1] - a[1])) lines.push(this.#timed(`HOST [${host}]`, ms));
    lines.push(timerLine(this.#now() - this.#start));
    return lines;
  }

  /** `name ------ 0.62s`: u"{0:-<{2}}{1:->9}".format(name + ' ', ' %.02fs', columns - 9). */
  #timed(name: string, ms: number): string {
    return `${name} `.padEnd(this.#columns - 9, '-') + ` ${(ms / 1000).toFixed(2)}s`.padStart(9, '-');
  }

  /** profile_tasks' tasktime(): the wall clock, the time since the last such line, the total. */
  #taskTime(): string {
    const now = this.#now();
    const line = `${strftime(this.#date())} (${clockDuration(now - this.#last)})${' '.repeat(7)}${clockDuration(now - this.#start)}`;
    this.#last = now;
    return filled(line);
  }
}

/** profile_tasks' filled(): the message, a space, the fill to 79 columns (at least 3), a space. */
export function filled(msg: string, fill = '*'): string {
  const head = msg ? `${msg} ` : '';
  return `${head}${fill.repeat(Math.max(3, FILL_WIDTH - head.length))} `;
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** time.strftime('%A %d %B %Y  %H:%M:%S %z') in local time (C locale names). */
export function strftime(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  const offset = -d.getTimezoneOffset();
  const zone = `${offset >= 0 ? '+' : '-'}${p(Math.floor(Math.abs(offset) / 60))}${p(Math.abs(offset) % 60)}`;
  return `${DAYS[d.getDay()]} ${p(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()}  ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${zone}`;
}
