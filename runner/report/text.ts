/**
 * Plain lines in the shape of ansible-playbook 2.14's default stdout callback
 * (plugins/callback/default.py), byte for byte where the values allow it:
 *
 *   PLAY [web] *********************************************************************
 *   TASK [install nginx] ***********************************************************
 *   ok: [web1]            changed: [web2 -> bastion]        skipping: [web3]
 *   fatal: [web4]: FAILED! => {"changed": false, "msg": "..."}    ...ignoring
 *   ok: [web1] => (item=a)                                        PLAY RECAP ****
 *
 * The formatter is pure (events in, chunks out) so the live view can reuse it for what it prints
 * above or after its rows; TextReporter just writes the chunks.
 */
import path from 'node:path';
import type { Reporter, RunEvent } from '../events.js';
import type { TaskResult } from '../module.types.js';
import { Masker } from '../mask.js';
import { banner, MIN_COLUMNS } from './banner.js';
import { renderDiffs } from './diff.js';
import type { Profiler } from './profile.js';
import { pyJsonDumps } from './pyjson.js';
import { recapLines } from './recap.js';
import { plainStyle, type ColorRole, type Style } from './style.js';

export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface Chunk {
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface TextFormatOptions {
  /** -v count. */
  verbosity: number;
  style?: Style;
  masker?: Masker;
  /** Banner width, see bannerColumns(). @default 79 */
  columns?: number;
  /**
   * Print a task's banner with its first printed result rather than when it starts (Ansible does
   * this when ok/skipped results are hidden); the live view prints only failures and diffs.
   */
  lazyTaskBanners?: boolean;
  /**
   * The default callback's display_skipped_hosts and display_ok_hosts (ansible.cfg's [defaults],
   * ANSIBLE_DISPLAY_SKIPPED_HOSTS, ANSIBLE_DISPLAY_OK_HOSTS): false hides `skipping:` lines, or
   * `ok:` lines (not `changed:`), loop items and handlers included, and then every task banner
   * waits for a line to print under it. The recap still counts them. @default true
   */
  displaySkippedHosts?: boolean;
  displayOkHosts?: boolean;
}

type HostResultEvent = Extract<RunEvent, { type: 'host_result' }>;

const TASK_PREFIX = { task: 'TASK', setup: 'TASK', handler: 'RUNNING HANDLER' } as const;

export class TextFormatter {
  readonly #verbosity: number;
  readonly #style: Style;
  readonly #masker: Masker;
  readonly #columns: number;
  readonly #lazyTaskBanners: boolean;
  readonly #displaySkippedHosts: boolean;
  readonly #displayOkHosts: boolean;
  /** Banner prefix and location of each started task, so a late result can repeat its banner. */
  readonly #tasks = new Map<string, { prefix: string; location: string | undefined }>();
  #lastBanner: string | undefined;
  #lastEvent: RunEvent['type'] | undefined;
  #lastPlay: string | undefined;
  readonly #warned = new Set<string>();

  constructor(options: TextFormatOptions) {
    this.#verbosity = options.verbosity;
    this.#style = options.style ?? plainStyle;
    this.#masker = options.masker ?? new Masker();
    this.#columns = options.columns ?? MIN_COLUMNS;
    this.#displaySkippedHosts = options.displaySkippedHosts ?? true;
    this.#displayOkHosts = options.displayOkHosts ?? true;
    // default.py _task_start: the banner comes at once only when no result kind is hidden.
    this.#lazyTaskBanners = (options.lazyTaskBanners ?? false) || !this.#displaySkippedHosts || !this.#displayOkHosts;
  }

  format(event: RunEvent): Chunk[] {
    const out: Chunk[] = [];
    this.#format(event, out);
    this.#lastEvent = event.type;
    // Each piece was masked before it was colored; this pass is the belt to those braces.
    return out.map((c) => ({ stream: c.stream, text: this.#masker.mask(c.text) }));
  }

  #format(event: RunEvent, out: Chunk[]): void {
    switch (event.type) {
      case 'playbook_start':
        if (this.#verbosity > 1) this.#banner(out, `PLAYBOOK: ${path.basename(event.file)}`);
        return;
      case 'play_start':
        this.#lastPlay = event.name;
        this.#lastBanner = undefined;
        this.#playBanner(out, event.name);
        return;
      case 'play_no_hosts':
        // Ansible announces the play, then says no host matched it.
        if (!(this.#lastEvent === 'play_start' && this.#lastPlay === event.name)) {
          this.#playBanner(out, event.name);
        }
        this.#line(out, 'skipping: no hosts matched', 'skip');
        return;
      case 'task_start':
        this.#tasks.set(event.name, { prefix: TASK_PREFIX[event.kind], location: event.location });
        if (this.#lazyTaskBanners) this.#lastBanner = undefined;
        else this.#taskBanner(out, event.name);
        return;
      case 'host_result':
        this.#hostResult(event, out);
        return;
      case 'warning':
        this.#warning(out, event.message);
        return;
      case 'verbose':
        // Display.verbose: shown when verbosity >= level, `<host> msg` when about one host.
        if (this.#verbosity >= event.level) {
          this.#line(out, event.host !== undefined ? `<${event.host}> ${event.message}` : event.message, 'verbose');
        }
        return;
      case 'play_abort':
        this.#banner(out, 'NO MORE HOSTS LEFT');
        return;
      case 'step':
        // _take_step repeats its question as a banner, whatever the answer.
        this.#banner(out, event.question);
        return;
      case 'recap':
        this.#banner(out, 'PLAY RECAP');
        for (const line of recapLines(event.stats, this.#style)) out.push({ stream: 'stdout', text: `${line}\n` });
        out.push({ stream: 'stdout', text: '\n' });
        return;
      case 'interrupted':
        // display.error() wraps "\n[ERROR]: ..." with textwrap, which turns the newline into a space.
        out.push({ stream: 'stderr', text: `${this.#style.paint('error', ' [ERROR]: User interrupted execution')}\n` });
        return;
    }
  }

  #hostResult(e: HostResultEvent, out: Chunk[]): void {
    if (this.#hidden(e)) return;
    if (this.#lastBanner !== e.task) this.#taskBanner(out, e.task);
    const label = e.delegatedTo && e.delegatedTo !== e.host ? `${e.host} -> ${e.delegatedTo}` : e.host;
    const result: TaskResult = { ...e.result };
    const loopAggregate = e.item === undefined && Array.isArray(result.results);
    const suffix = e.wouldRun ? ' (would run)' : e.dependsOn !== undefined ? ` (depends on an earlier task that would run: '${e.dependsOn}')` : '';

    if (e.status === 'unreachable') {
      this.#line(out, `fatal: [${label}]: UNREACHABLE! => ${this.#dump(result)}`, 'unreachable');
      if (e.ignored) this.#line(out, '...ignoring', 'skip');
      return;
    }
    if (e.status === 'skipped') {
      // Item lines name the host without its delegate, and end with a space (default.py).
      const head = e.item !== undefined ? `skipping: [${e.host}] => (item=${e.item}) ` : `skipping: [${e.host}]`;
      if (loopAggregate) delete result.results;
      this.#line(out, head + suffix + (this.#verbose(result) ? ` => ${this.#dump(result)}` : ''), 'skip');
      return;
    }
    this.#warnings(out, result);
    if (e.status === 'failed') {
      if (e.item !== undefined) {
        this.#line(out, `failed: [${label}] (item=${e.item}) => ${this.#dump(result)}`, 'error');
      } else if (!loopAggregate) {
        this.#line(out, `fatal: [${label}]: FAILED! => ${this.#dump(result)}`, 'error');
      }
      // A loop's own failure line is its items' lines; only the "...ignoring" follows.
      if (e.ignored && e.item === undefined) this.#line(out, '...ignoring', 'skip');
      return;
    }
    // ok / changed. Diffs come first, and only for a change (v2_on_file_diff then v2_runner_on_ok);
    // a loop's diffs come with its items.
    if (e.status === 'changed' && e.diffs?.length && !loopAggregate) {
      const m = (t: string): string => this.#masker.mask(t);
      const masked = e.diffs.map((d) => ({ ...d, before: m(d.before), after: m(d.after) }));
      const text = renderDiffs(masked, this.#style);
      if (text) out.push({ stream: 'stdout', text });
    }
    if (loopAggregate) return;
    if (e.roleIncluded !== undefined) return;
    if (e.included !== undefined) {
      // One line per included file, on its first host's event (default.py's v2_playbook_on_include).
      if (e.includedHosts && e.includedHosts[0] !== e.host) return;
      const item = e.item !== undefined ? ` => (item=${e.item})` : '';
      return this.#line(out, `included: ${e.included} for ${(e.includedHosts ?? [label]).join(', ')}${item}`, 'skip');
    }
    const role: ColorRole = e.status === 'changed' ? 'changed' : 'ok';
    const head = e.item !== undefined ? `${e.status}: [${label}] => (item=${e.item})` : `${e.status}: [${label}]`;
    if (e.action === 'debug') cleanDebugResult(result);
    this.#line(out, head + suffix + (this.#verbose(result) ? ` => ${this.#dump(result)}` : ''), role);
  }

  /**
   * A result display_skipped_hosts or display_ok_hosts hides: no banner, no warnings, no line
   * (default.py returns before any of them). An include's result is an `ok` that always shows.
   */
  #hidden(e: HostResultEvent): boolean {
    if (e.status === 'skipped') return !this.#displaySkippedHosts;
    return e.status === 'ok' && e.included === undefined && !this.#displayOkHosts;
  }

  /** default.py's _run_is_verbose: -v, or a result that asks to be shown (debug, assert). */
  #verbose(result?: TaskResult): boolean {
    return this.#verbosity > 0 || result?._ansible_verbose_always === true;
  }

  /** CallbackBase._dump_results after TaskResult.clean_copy: what the user sees after `=>`. */
  #dump(result: TaskResult): string {
    const shown: Record<string, unknown> = stripInternal(result) as Record<string, unknown>;
    delete shown.failed;
    delete shown.skipped;
    delete shown.exception;
    delete shown.warnings;
    if (this.#verbosity < 3) {
      delete shown.invocation;
      delete shown.diff;
    }
    // CallbackBase._dump_results indents results that are always shown (debug, assert), and at -vvv.
    return pyJsonDumps(shown, this.#verbosity > 2 || result._ansible_verbose_always === true ? 4 : undefined);
  }

  #warnings(out: Chunk[], result: TaskResult): void {
    const warnings = result.warnings;
    if (!Array.isArray(warnings)) return;
    for (const w of warnings) this.#warning(out, String(w));
    delete result.warnings;
  }

  /** Display.warning: "[WARNING]: msg" wrapped to the width, on stderr, each text once. */
  #warning(out: Chunk[], message: string): void {
    const text = wrap(`[WARNING]: ${this.#masker.mask(message)}`, this.#columns).join('\n');
    if (this.#warned.has(text)) return;
    this.#warned.add(text);
    out.push({ stream: 'stderr', text: `${this.#style.paint('warn', text)}\n` });
  }

  #taskBanner(out: Chunk[], name: string): void {
    const task = this.#tasks.get(name) ?? { prefix: 'TASK', location: undefined };
    this.#banner(out, `${task.prefix} [${name.trim()}]`);
    if (this.#verbosity >= 2 && task.location) this.#line(out, `task path: ${task.location}`, 'debug');
    this.#lastBanner = name;
  }

  /** An unnamed play's banner is a bare `PLAY` (default.py). */
  #playBanner(out: Chunk[], name: string): void {
    this.#banner(out, name.trim() ? `PLAY [${name.trim()}]` : 'PLAY');
  }

  #banner(out: Chunk[], message: string): void {
    out.push({ stream: 'stdout', text: `\n${banner(this.#masker.mask(message), this.#columns)}\n` });
  }

  /** Masked before painting: colors break lines apart, and a secret spanning lines with them. */
  #line(out: Chunk[], text: string, role: ColorRole): void {
    out.push({ stream: 'stdout', text: `${this.#style.paint(role, this.#masker.mask(text))}\n` });
  }
}

export interface TextReporterOptions extends TextFormatOptions {
  stdout: OutputStream;
  stderr: OutputStream;
  /** --profile: its lines follow the formatter's for each event. */
  profiler?: Profiler;
}

/** The reporter for pipes, CI and NO_COLOR terminals: plain lines as they come. */
export class TextReporter implements Reporter {
  readonly #formatter: TextFormatter;
  readonly #stdout: OutputStream;
  readonly #stderr: OutputStream;
  readonly #profiler: Profiler | undefined;

  constructor(options: TextReporterOptions) {
    this.#formatter = new TextFormatter(options);
    this.#stdout = options.stdout;
    this.#stderr = options.stderr;
    this.#profiler = options.profiler;
  }

  emit(event: RunEvent): void {
    for (const chunk of this.#formatter.format(event)) {
      (chunk.stream === 'stdout' ? this.#stdout : this.#stderr).write(chunk.text);
    }
    for (const line of this.#profiler?.observe(event) ?? []) this.#stdout.write(`${line}\n`);
  }

  async close(): Promise<void> {}
}

/** How a fatal error before or outside the run is printed: `ERROR! msg` on stderr, in red. */
export function formatFatalError(message: string, style: Style = plainStyle, masker?: Masker): string {
  const text = `ERROR! ${message}`;
  return `${style.paint('error', masker ? masker.mask(text) : text)}\n`;
}

/** Keys starting with _ansible_ are internal to Ansible results (vars/clean.py strip_internal_keys). */
/** Keys a debug result with `msg` keeps, and those one with `var` drops (CallbackBase._clean_results). */
const DEBUG_ALLOWED_KEYS = new Set(['msg', 'exception', 'warnings', 'deprecations']);
const HIDDEN_IN_DEBUG = ['changed', 'failed', 'skipped', 'invocation', 'skip_reason'];

/** debug prints only what it was asked to: its msg alone, or the variable alone. */
function cleanDebugResult(result: TaskResult): void {
  if ('msg' in result) {
    for (const key of Object.keys(result)) if (!DEBUG_ALLOWED_KEYS.has(key) && !key.startsWith('_')) delete result[key];
  } else {
    for (const key of HIDDEN_IN_DEBUG) delete result[key];
  }
}

function stripInternal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripInternal);
  if (value === null || typeof value !== 'object' || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return value;
  }
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!k.startsWith('_ansible_')) copy[k] = stripInternal(v);
  return copy;
}

/** textwrap.wrap for one paragraph: whitespace collapsed, greedy fill, over-long words split. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (let word of text.split(/\s+/).filter(Boolean)) {
    while (word.length > width) {
      if (line) {
        lines.push(line);
        line = '';
      }
      lines.push(word.slice(0, width));
      word = word.slice(width);
    }
    if (!line) line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  return lines;
}
