/**
 * The live view on a terminal: while a play runs, listr2 shows it as one spinning row
 * (`PLAY [web] · 30 hosts`) with one line per task under it:
 *
 *   ⠹ PLAY [web] · 30 hosts
 *     ✔ TASK [install nginx]   30/30  ok=28 changed=2
 *     ⠿ TASK [write config]    12/30  changed=12 failed=1
 *
 * What a user must keep — failures, diffs, warnings, verbose lines — is printed below the view in
 * Ansible's plain format (TextFormatter) once the play is over, then the PLAY RECAP as plain text.
 *
 * Rows are lines of the play task's output rather than listr tasks of their own: listr2 9 cannot
 * add tasks to a list that is already running, and Ansible tasks only become known as they start.
 * Events only update counters; the rows are redrawn at most every RENDER_INTERVAL_MS, so a run
 * with thousands of results pays nothing for the view.
 */
import type { HostStatus, Reporter, RunEvent } from '../events.js';
import { Masker } from '../mask.js';
import { plainStyle, type Style } from './style.js';
import { TextFormatter, type Chunk, type OutputStream } from './text.js';

export const RENDER_INTERVAL_MS = 100;

/**
 * listr2 is imported when the live view is first wanted, not when this file is: runs on pipes, in
 * CI and with --json never load it. One import per process, shared by every play.
 */
let listr2: Promise<typeof import('listr2')> | undefined;
const loadListr2 = (): Promise<typeof import('listr2')> => (listr2 ??= import('listr2'));
/** Finished task rows kept in view; older ones scroll out (their problems are printed anyway). */
const FINISHED_ROWS_SHOWN = 5;

export interface ProgressReporterOptions {
  verbosity: number;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  style?: Style;
  masker?: Masker;
  columns?: number;
}

interface Row {
  name: string;
  prefix: string;
  /** Each host's outcome so far; a loop's items fold into one outcome per host. */
  hosts: Map<string, RowStatus>;
  finished: boolean;
}

/** An ignored failure (ignore_errors) is not a failed host: it gets its own count. */
type RowStatus = HostStatus | 'ignored';

/** How a host's loop items add up: the worst outcome wins, and any ok beats all-skipped. */
const SEVERITY: Record<RowStatus, number> = { skipped: 0, ok: 1, changed: 2, ignored: 3, failed: 4, unreachable: 5 };

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
  #task: TaskHandle | undefined;
  #dirty = true;
  readonly #timer: NodeJS.Timeout;

  constructor(
    readonly name: string,
    readonly hostCount: number,
    readonly style: Style,
    readonly masker: Masker,
    output: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
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
              },
              rendererOptions: { outputBar: true, persistentOutput: true },
            },
          ],
          {
            renderer: 'default',
            rendererOptions: { logger, formatOutput: 'truncate', removeEmptyLines: true },
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
    for (const row of this.rows) row.finished = true;
    const row: Row = { name, prefix, hosts: new Map(), finished: false };
    this.rows.push(row);
    this.#byName.set(name, row);
    this.#dirty = true;
  }

  result(e: Extract<RunEvent, { type: 'host_result' }>): void {
    const row = this.#byName.get(e.task);
    if (!row) return;
    const before = row.hosts.get(e.host);
    const status: RowStatus = e.ignored && (e.status === 'failed' || e.status === 'unreachable') ? 'ignored' : e.status;
    // A loop's own result (no item) says how the host ended; items only add up until then.
    const next = e.item === undefined || before === undefined || SEVERITY[status] > SEVERITY[before] ? status : before;
    row.hosts.set(e.host, next);
    this.#dirty = true;
  }

  async end(): Promise<void> {
    for (const row of this.rows) row.finished = true;
    this.#dirty = true;
    clearInterval(this.#timer);
    this.#done.resolve();
    await this.#ran;
  }

  #render(): void {
    if (!this.#task || !this.#dirty) return;
    this.#dirty = false;
    this.#task.title = this.#title();
    const finished = this.rows.filter((r) => r.finished);
    const shown = [...finished.slice(-FINISHED_ROWS_SHOWN), ...this.rows.filter((r) => !r.finished)];
    this.#task.output = shown.map((r) => this.#row(r)).join('\n');
  }

  #title(): string {
    const tasks = this.rows.length ? ` · ${this.rows.length} task${this.rows.length === 1 ? '' : 's'}` : '';
    return this.masker.mask(`PLAY [${this.name}] · ${this.hostCount} host${this.hostCount === 1 ? '' : 's'}${tasks}`);
  }

  #row(row: Row): string {
    const r = { ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, ignored: 0, finished: row.finished };
    for (const status of row.hosts.values()) r[status]++;
    const bad = r.failed + r.unreachable > 0;
    const icon = !r.finished ? '…' : bad ? this.style.paint('error', '✖') : this.style.paint('ok', '✔');
    const counts = [
      r.ok ? this.style.paint('ok', `ok=${r.ok}`) : '',
      r.changed ? this.style.paint('changed', `changed=${r.changed}`) : '',
      r.failed ? this.style.paint('error', `failed=${r.failed}`) : '',
      r.unreachable ? this.style.paint('unreachable', `unreachable=${r.unreachable}`) : '',
      r.skipped ? this.style.paint('skip', `skipped=${r.skipped}`) : '',
      r.ignored ? this.style.paint('warn', `ignored=${r.ignored}`) : '',
    ].filter(Boolean);
    return `${icon} ${row.prefix} [${this.masker.mask(row.name)}]  ${row.hosts.size}/${this.hostCount}  ${counts.join(' ')}`.trimEnd();
  }
}

export class ProgressReporter implements Reporter {
  readonly #stdout: NodeJS.WriteStream;
  readonly #stderr: NodeJS.WriteStream;
  readonly #style: Style;
  readonly #masker: Masker;
  /** Prints only what must stay on screen; banners come with the first such line of a task. */
  readonly #details: TextFormatter;
  #chain: Promise<void> = Promise.resolve();
  #play: LivePlay | undefined;
  /** The announced play, shown once its first task starts (a play may match no host). */
  #pendingPlay: Extract<RunEvent, { type: 'play_start' }> | undefined;
  /** Detail lines of the current play, printed when its view ends. */
  #held: Chunk[] = [];

  constructor(options: ProgressReporterOptions) {
    // Start loading listr2 now, while the inventory loads and hosts connect, not at the first task.
    loadListr2().catch(() => undefined);
    this.#stdout = options.stdout;
    this.#stderr = options.stderr;
    this.#style = options.style ?? plainStyle;
    this.#masker = options.masker ?? new Masker();
    this.#details = new TextFormatter({
      verbosity: options.verbosity,
      style: this.#style,
      masker: this.#masker,
      lazyTaskBanners: true,
      ...(options.columns !== undefined ? { columns: options.columns } : {}),
    });
  }

  emit(event: RunEvent): void {
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
        this.#play?.taskStarted(event.name, event.kind === 'handler' ? 'RUNNING HANDLER' : 'TASK');
        this.#hold(this.#details.format(event));
        return;
      case 'host_result':
        this.#play?.result(event);
        // Failures stay on screen, and changes when they come with a diff to read.
        if (event.status === 'failed' || event.status === 'unreachable' || (event.status === 'changed' && event.diffs?.length)) {
          this.#hold(this.#details.format(event));
        }
        return;
      case 'warning':
      case 'verbose':
      case 'play_abort':
        this.#hold(this.#details.format(event));
        return;
      case 'play_no_hosts':
      case 'playbook_start':
      case 'recap':
      case 'interrupted':
        this.#endPlay();
        this.#write(this.#details.format(event));
        return;
    }
  }

  async close(): Promise<void> {
    this.#endPlay();
    await this.#chain;
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
