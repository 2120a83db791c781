/**
 * The live view on a terminal: while a play runs, listr2 shows it as one spinning row
 * (`PLAY [web] · 30 hosts · 2 tasks · 12.3s`) with one line per task under it:
 *
 *   ⠹ PLAY [web] · 30 hosts · 2 tasks · 12.3s
 *     ✔ TASK [install nginx]  30/30  ok=28 changed=2  4.1s
 *     ✖ TASK [write config]  30/30  changed=29 failed=1  0.8s
 *         web7: Destination directory /etc/nginx does not exist
 *     ⠼ TASK [add users]  12/30 · item 40/90  ok=12  7.4s
 *     total  ok=40 changed=31 failed=1
 *
 * A failure shows under its task as it happens, with its message; the full result is printed in
 * Ansible's plain format (TextFormatter) when the play's view ends, with the changed results and
 * the handlers' lines, then the PLAY RECAP and which hosts changed or failed.
 * Marks never claim more than happened: ✔ only for a task over on every host without a failure,
 * ✖ for a failure, ⊘ for a task Ctrl-C stopped; the play's own row fails when a host failed in it.
 * Each task row ends with its duration (the running one's time so far).
 * Rows fit the terminal's width: the time goes first, then the task name is shortened, never the counts.
 *
 * Rows are lines of the play task's output rather than listr tasks of their own: listr2 9 cannot
 * add tasks to a list that is already running, and Ansible tasks only become known as they start.
 * Events only update counters; the rows are redrawn every RENDER_INTERVAL_MS.
 */
import type { HostStats, HostStatus, Reporter, RunEvent } from '../events.js';
import { Masker } from '../mask.js';
import { shortDuration, timerLine } from './duration.js';
import type { Profiler } from './profile.js';
import { plainStyle, type ColorRole, type Style } from './style.js';
import { TextFormatter, type Chunk } from './text.js';

export const RENDER_INTERVAL_MS = 100;

/**
 * listr2 is imported when the live view is first wanted, not when this file is: runs on pipes, in
 * CI and with --json never load it. One import per process, shared by every play.
 */
let listr2: Promise<typeof import('listr2')> | undefined;
const loadListr2 = (): Promise<typeof import('listr2')> => (listr2 ??= import('listr2'));
/** Finished task rows kept in view; older ones scroll out (their problems are printed anyway). */
const FINISHED_ROWS_SHOWN = 5;
/** Failure lines shown under one task row; the rest are counted. */
const FAILURES_SHOWN = 3;
/**
 * Columns listr2 takes from a task's output line: it indents it by 4 and truncates it at the
 * terminal's width minus 4 (its level indentation and 2 more, listr2 9's formatOutput 'truncate').
 */
const OUTPUT_MARGIN = 6;
/** Columns of a task's name kept before its row drops its time (a shorter name is kept whole). */
const NAME_KEPT_FOR_TIME = 24;
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface ProgressReporterOptions {
  verbosity: number;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  style?: Style;
  masker?: Masker;
  /** Banner width of the plain lines (see bannerColumns); rows follow the terminal's own width. */
  columns?: number;
  /** performance.now() when the run started: the elapsed time after the recap. @default construction */
  startedAt?: number;
  /** --profile: its summary (which ends with the run's time) follows the recap. */
  profiler?: Profiler;
  /**
   * display_ok_hosts: false hides the handlers' ok lines printed after the view (the only ok lines
   * it prints; skipped ones it never prints). Rows count every result either way. @default true
   */
  displayOkHosts?: boolean;
}

/** An ignored failure (ignore_errors) is not a failed host: it gets its own count. */
type RowStatus = HostStatus | 'ignored';

const COUNTERS: readonly { status: RowStatus; label: string; short: string; role: ColorRole }[] = [
  { status: 'ok', label: 'ok', short: 'ok', role: 'ok' },
  { status: 'changed', label: 'changed', short: 'ch', role: 'changed' },
  { status: 'failed', label: 'failed', short: 'fail', role: 'error' },
  { status: 'unreachable', label: 'unreachable', short: 'unr', role: 'unreachable' },
  { status: 'skipped', label: 'skipped', short: 'skip', role: 'skip' },
  { status: 'ignored', label: 'ignored', short: 'ign', role: 'warn' },
];

/** How a host's loop items add up: the worst outcome wins, and any ok beats all-skipped. */
const SEVERITY: Record<RowStatus, number> = { skipped: 0, ok: 1, changed: 2, ignored: 3, failed: 4, unreachable: 5 };

interface Row {
  name: string;
  prefix: string;
  /** Each host's outcome so far; a loop's items fold into one outcome per host. */
  hosts: Map<string, RowStatus>;
  /** Hosts whose execution is over (a loop: its last item reported). */
  done: Set<string>;
  /** A loop's progress per host: items reported of how many. */
  items: Map<string, { done: number; total: number }>;
  /** Hosts expected to run it: the play's hosts but those that already failed in it. */
  expected: number;
  /** First line of each failure's message, as it came. */
  failures: string[];
  finished: boolean;
  interrupted: boolean;
  /** performance.now() when the task started, and when it ended (the next task's start, Ctrl-C, the play's end). */
  startedAt: number;
  endedAt?: number;
}

type HostResult = Extract<RunEvent, { type: 'host_result' }>;

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

type TaskHandle = { title: string | undefined; output: string | undefined };

/** One play on screen. */
class LivePlay {
  readonly rows: Row[] = [];
  readonly #byName = new Map<string, Row>();
  readonly #done = deferred();
  readonly #ran: Promise<unknown>;
  readonly #started = performance.now();
  /** Hosts that failed (not ignored) in this play: the play's row fails with them. */
  readonly #failedHosts = new Set<string>();
  #interrupted = false;
  /** Ctrl-C came: running tasks end, no new one starts. */
  #stopping = false;
  #task: TaskHandle | undefined;
  readonly #timer: NodeJS.Timeout;

  constructor(
    readonly name: string,
    readonly hostCount: number,
    readonly style: Style,
    readonly masker: Masker,
    readonly output: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
  ) {
    // The view is a convenience: if it breaks (or listr2 fails to load), the run and the plain
    // lines after it go on.
    this.#ran = loadListr2()
      .then(({ Listr, ListrLogger, ProcessOutput }) => {
        const logger = new ListrLogger({ useIcons: true, processOutput: new ProcessOutput(output.stdout, output.stderr) });
        return new Listr(
          [
            {
              title: this.#title(),
              task: async (_ctx, task) => {
                this.#task = task;
                this.#render();
                await this.#done.promise;
                this.#render();
                // listr2 marks the play's row ✖ and shows this message under it.
                if (this.#interrupted) throw new Error('interrupted: stopped before the play ended');
                if (this.#failedHosts.size) throw new Error(this.#failureSummary());
              },
              rendererOptions: { outputBar: true, persistentOutput: true },
            },
          ],
          {
            renderer: 'default',
            rendererOptions: { logger, formatOutput: 'truncate', removeEmptyLines: true, collapseErrors: false },
            // listr2 falls back to its line renderer when the process' stdout is no terminal; keep
            // that on our streams too.
            fallbackRendererOptions: { logger },
            // Ctrl-C belongs to the executor (clean stop, exit 99), not to listr's process.exit(127).
            registerSignalListeners: false,
            exitOnError: false,
          },
        ).run();
      })
      .catch(() => undefined);
    this.#timer = setInterval(() => this.#render(), RENDER_INTERVAL_MS);
    this.#timer.unref();
  }

  taskStarted(name: string, prefix: string): void {
    // Linear strategy: a new task means the previous ones are over on every host.
    const now = performance.now();
    for (const row of this.rows) finish(row, now);
    const expected = this.hostCount - this.#failedHosts.size;
    const row: Row = { name, prefix, hosts: new Map(), done: new Set(), items: new Map(), expected, failures: [], finished: false, interrupted: false, startedAt: now };
    this.rows.push(row);
    this.#byName.set(name, row);
  }

  result(e: HostResult): void {
    const row = this.#byName.get(e.task);
    if (!row) return;
    const before = row.hosts.get(e.host);
    const status: RowStatus = e.ignored && (e.status === 'failed' || e.status === 'unreachable') ? 'ignored' : e.status;
    // A loop's own result (no item) says how the host ended; items only add up until then.
    const next = e.item === undefined || before === undefined || SEVERITY[status] > SEVERITY[before] ? status : before;
    row.hosts.set(e.host, next);
    if (e.loop) row.items.set(e.host, { done: e.loop.index + 1, total: e.loop.total });
    if (e.item === undefined || (e.loop && e.loop.index + 1 === e.loop.total)) row.done.add(e.host);
    if (status === 'failed' || status === 'unreachable') {
      this.#failedHosts.add(e.host);
      const label = e.item !== undefined ? `${e.host} (item=${e.item})` : e.host;
      // A command's msg ("non-zero return code") says less than the first line of its stderr.
      const stderr = typeof e.result.stderr === 'string' && e.result.stderr.trim() ? `: ${firstLine(e.result.stderr)}` : '';
      row.failures.push(`${label}: ${firstLine(e.result.msg ?? e.status)}${stderr}`);
    }
  }

  stopRequested(): void {
    this.#stopping = true;
  }

  /** Ctrl-C: what was still running is marked stopped, never done. */
  interrupt(): void {
    this.#interrupted = true;
    const now = performance.now();
    for (const row of this.rows) {
      if (!row.finished && row.done.size < row.expected) row.interrupted = true;
      row.endedAt ??= now;
    }
  }

  async end(): Promise<void> {
    const now = performance.now();
    for (const row of this.rows) finish(row, now);
    clearInterval(this.#timer);
    this.#done.resolve();
    await this.#ran;
  }

  #render(): void {
    if (!this.#task) return;
    const width = Math.max(20, (this.output.stdout.columns ?? 80) - OUTPUT_MARGIN);
    this.#task.title = this.#title();
    const finished = this.rows.filter((r) => r.finished);
    const shown = [...finished.slice(-FINISHED_ROWS_SHOWN), ...this.rows.filter((r) => !r.finished)];
    const lines = shown.flatMap((r) => this.#row(r, width));
    if (this.rows.length) lines.push(this.#total(width));
    if (this.#stopping && !this.#interrupted) lines.push(this.style.paint('warn', fit('stopping: no new task starts', width)));
    this.#task.output = lines.join('\n');
  }

  /** `PLAY [name] · 3 hosts · 2 tasks · 4.2s`: the play's name gives way on a narrow terminal. */
  #title(): string {
    const tasks = this.rows.length ? ` · ${plural(this.rows.length, 'task')}` : '';
    const elapsed = ` · ${shortDuration(performance.now() - this.#started)}`;
    const rest = this.#stopping && !this.#interrupted ? ` · stopping${elapsed}` : ` · ${plural(this.hostCount, 'host')}${tasks}${elapsed}`;
    // listr2 puts the spinner and a space before the title and truncates it at the width minus 2.
    const room = (this.output.stdout.columns ?? 80) - 4 - rest.length;
    return this.masker.mask(`${fit(`PLAY [${this.name}]`, Math.max(room, 8))}${rest}`);
  }

  #failureSummary(): string {
    const hosts = [...this.#failedHosts];
    const listed = hosts.slice(0, 5).join(', ') + (hosts.length > 5 ? ', …' : '');
    return this.masker.mask(`${plural(hosts.length, 'host')} failed: ${listed}`);
  }

  #row(row: Row, width: number): string[] {
    const statuses = [...row.hosts.values()];
    const bad = statuses.some((s) => s === 'failed' || s === 'unreachable');
    const icon = row.interrupted
      ? this.style.paint('warn', '⊘')
      : bad
        ? this.style.paint('error', '✖')
        : row.finished
          ? this.style.paint('ok', '✔')
          : this.style.paint('changed', SPINNER[Math.floor(performance.now() / RENDER_INTERVAL_MS) % SPINNER.length]!);
    // A finished row's hosts are all done; a running one counts those whose execution is over.
    const done = row.finished && !row.interrupted ? row.hosts.size : row.done.size;
    let progress = `${done}/${row.expected}`;
    if (row.items.size) {
      let itemsDone = 0;
      let itemsTotal = 0;
      for (const i of row.items.values()) {
        itemsDone += i.done;
        itemsTotal += i.total;
      }
      progress += ` · item ${itemsDone}/${itemsTotal}`;
    }
    if (row.interrupted) progress += ' · interrupted';
    const head = `${row.prefix} [${this.masker.mask(row.name)}]`;
    const counted = `${progress}  ${this.#counts(statuses, width - 2 - progress.length - 12)}`.trimEnd();
    // A finished task's duration, the running one's time so far: the first thing to go on a
    // narrow terminal, before the name is cut short of NAME_KEPT_FOR_TIME columns.
    const time = `  ${shortDuration((row.endedAt ?? performance.now()) - row.startedAt)}`;
    const roomWithTime = width - 2 - 2 - visibleLength(counted) - time.length;
    const tail = roomWithTime >= Math.min([...head].length, NAME_KEPT_FOR_TIME) ? `${counted}${time}` : counted;
    // The counts stay whole; the task's name gives way (at least "TASK [x…]" stays).
    const room = width - 2 - 2 - visibleLength(tail);
    const lines = [`${icon} ${fit(head, Math.max(room, 8))}  ${tail}`];
    for (const f of row.failures.slice(0, FAILURES_SHOWN)) lines.push(`    ${this.style.paint('error', fit(this.masker.mask(f), width - 4))}`);
    if (row.failures.length > FAILURES_SHOWN) lines.push(`    ${this.style.paint('error', `… ${row.failures.length - FAILURES_SHOWN} more failed`)}`);
    return lines;
  }

  /** The play's counts so far, over every task row (also the ones scrolled out). */
  #total(width: number): string {
    const all = this.rows.flatMap((r) => [...r.hosts.values()]);
    return `total  ${this.#counts(all, width - 7)}`.trimEnd();
  }

  /** `ok=2 changed=1 failed=1`, in short labels when the full ones would not fit. */
  #counts(statuses: readonly RowStatus[], room: number): string {
    const n = new Map<RowStatus, number>();
    for (const s of statuses) n.set(s, (n.get(s) ?? 0) + 1);
    const present = COUNTERS.filter((c) => n.get(c.status));
    const full = present.map((c) => `${c.label}=${n.get(c.status)}`).join(' ');
    const useShort = full.length > room;
    return present.map((c) => this.style.paint(c.role, `${useShort ? c.short : c.label}=${n.get(c.status)}`)).join(' ');
  }
}

/** A task row over: no more spinner, and its time stops. */
function finish(row: Row, now: number): void {
  row.finished = true;
  row.endedAt ??= now;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function firstLine(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return (text ?? '').trim().split('\n', 1)[0] ?? '';
}

/** Columns a painted string takes (escape sequences take none). */
function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return [...text.replace(/\u001b\[[0-9;]*m/g, '')].length;
}

/** Shortened to `width` columns with an ellipsis. */
function fit(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

export class ProgressReporter implements Reporter {
  readonly #stdout: NodeJS.WriteStream;
  readonly #stderr: NodeJS.WriteStream;
  readonly #style: Style;
  readonly #masker: Masker;
  readonly #startedAt: number;
  readonly #profiler: Profiler | undefined;
  /** Prints only what must stay on screen; banners come with the first such line of a task. */
  readonly #details: TextFormatter;
  #chain: Promise<void> = Promise.resolve();
  #play: LivePlay | undefined;
  /** The announced play, shown once its first task starts (a play may match no host). */
  #pendingPlay: Extract<RunEvent, { type: 'play_start' }> | undefined;
  /** Detail lines of the current play, printed when its view ends. */
  #held: Chunk[] = [];
  /** Handlers by name: their results are printed after the view like failures and changes. */
  readonly #handlers = new Set<string>();

  constructor(options: ProgressReporterOptions) {
    // Start loading listr2 now, while the inventory loads and hosts connect, not at the first task.
    loadListr2().catch(() => undefined);
    this.#stdout = options.stdout;
    this.#stderr = options.stderr;
    this.#style = options.style ?? plainStyle;
    this.#masker = options.masker ?? new Masker();
    this.#startedAt = options.startedAt ?? performance.now();
    this.#profiler = options.profiler;
    this.#details = new TextFormatter({
      verbosity: options.verbosity,
      style: this.#style,
      masker: this.#masker,
      lazyTaskBanners: true,
      displayOkHosts: options.displayOkHosts ?? true,
      ...(options.columns !== undefined ? { columns: options.columns } : {}),
    });
  }

  emit(event: RunEvent): void {
    // Only the summary is printed (after the recap): its per-task time lines would break the view.
    const profiled = this.#profiler?.observe(event) ?? [];
    switch (event.type) {
      case 'play_start':
        this.#endPlay();
        this.#pendingPlay = event;
        return;
      case 'task_start':
        if (!this.#play && this.#pendingPlay) {
          const p = this.#pendingPlay;
          this.#play = new LivePlay(p.name, p.hosts.length, this.#style, this.#masker, { stdout: this.#stdout, stderr: this.#stderr });
        }
        if (event.kind === 'handler') this.#handlers.add(event.name);
        this.#play?.taskStarted(event.name, event.kind === 'handler' ? 'RUNNING HANDLER' : 'TASK');
        this.#hold(this.#details.format(event));
        return;
      case 'host_result':
        this.#play?.result(event);
        // What stays on screen: failures, changes (with their diffs), and what handlers did.
        if (event.status !== 'ok' && event.status !== 'skipped') this.#hold(this.#details.format(event));
        else if (event.status === 'ok' && this.#handlers.has(event.task)) this.#hold(this.#details.format(event));
        return;
      case 'warning':
      case 'verbose':
      case 'play_abort':
        this.#hold(this.#details.format(event));
        return;
      case 'stop_requested':
        this.#play?.stopRequested();
        return;
      case 'interrupted':
        this.#play?.interrupt();
        this.#endPlay();
        this.#write(this.#details.format(event));
        return;
      case 'recap':
        this.#endPlay();
        this.#write([...this.#details.format(event), ...this.#afterRecap(event.stats, profiled)]);
        return;
      case 'play_no_hosts':
      case 'playbook_start':
        this.#endPlay();
        this.#write(this.#details.format(event));
        return;
    }
  }

  async close(): Promise<void> {
    this.#endPlay();
    await this.#chain;
  }

  /** Which hosts changed and which failed, by name, and how long the run took. */
  #afterRecap(stats: Readonly<Record<string, HostStats>>, profiled: string[]): Chunk[] {
    const hosts = Object.keys(stats).sort();
    const failed = hosts.filter((h) => stats[h]!.failed > 0 || stats[h]!.unreachable > 0);
    const changed = hosts.filter((h) => stats[h]!.changed > 0);
    const line = (text: string): Chunk => ({ stream: 'stdout', text: `${text}\n` });
    const out: Chunk[] = [];
    if (failed.length) out.push(line(this.#style.paint('error', `failed (${failed.length}): ${failed.join(' ')}`)));
    if (changed.length) out.push(line(this.#style.paint('changed', `changed (${changed.length}): ${changed.join(' ')}`)));
    if (profiled.length) out.push(...profiled.map(line));
    else out.push(line(timerLine(performance.now() - this.#startedAt)));
    return out;
  }

  #hold(chunks: Chunk[]): void {
    if (this.#play) this.#held.push(...chunks);
    else this.#write(chunks);
  }

  /** Stop the live view of the current play, then print what it held back. */
  #endPlay(): void {
    const play = this.#play;
    const held = this.#held;
    this.#play = undefined;
    this.#pendingPlay = undefined;
    this.#held = [];
    if (play) this.#chain = this.#chain.then(() => play.end());
    if (held.length) this.#write(held);
  }

  #write(chunks: Chunk[]): void {
    if (chunks.length === 0) return;
    this.#chain = this.#chain.then(() => {
      for (const c of chunks) (c.stream === 'stdout' ? this.#stdout : this.#stderr).write(c.text);
    });
  }
}
