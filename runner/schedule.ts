/**
 * How a play's tasks are spread over its hosts: host order, serial batches, forks, and the
 * linear / free strategies. Each host walks the play with its own cursor (a generator over the
 * compiled task tree, so block/rescue/always can send hosts different ways); the linear strategy
 * runs, at each step, the earliest task any host is waiting at on every host waiting there (like
 * Ansible's lockstep), the free strategy lets every host advance on its own. Forks bound how many
 * hosts execute a task at the same moment, in both.
 */
import type { Block, HostOrder, Include, InheritedKeywords, Meta, Play } from './dsl.js';
import { UnreachableError } from './errors.js';
import { Interrupted } from './module-run.js';
import { elapsedMs, metaConditionHolds, runTaskOnHost, type BatchContext, type Outcome, type TaskNode } from './execute.js';
import { expandInclude, type IncludedFile } from './include-run.js';
import { Notifications } from './handlers.js';
import { fnmatchToRegExp } from './inventory/patterns.js';
import { selectItems, shouldRun, tagList, type Selected, type TagFilter } from './tags.js';
import type { RunState } from './state.js';
import type { TaskResult } from './module.types.js';

export interface SetupNode {
  readonly kind: 'setup';
  readonly index: number;
}
export interface FlushNode {
  readonly kind: 'flush';
  readonly index: number;
}
/** end_host, end_play, clear_host_errors (flush_handlers is a FlushNode). */
export interface MetaNode {
  readonly kind: 'meta';
  readonly index: number;
  readonly meta: Meta;
  readonly scopes: readonly InheritedKeywords[];
}
export interface BlockNode {
  readonly kind: 'block';
  readonly block: PlanNode[];
  readonly rescue: PlanNode[];
  readonly always: PlanNode[];
}
/**
 * A dynamic include (includeTasks, includeRole): when hosts reach it, include-run.ts expands it per
 * host and loop item into included files, whose tasks are compiled with `tags` (the play's and
 * enclosing blocks', not the include's own) plus `apply`'s. Their indices fall between this node's
 * and the next one's (index + k * step, the files one after the other), so the linear strategy
 * runs each file's tasks on its hosts together, and the files in Ansible's order.
 */
export interface IncludeNode {
  readonly kind: 'include';
  readonly index: number;
  readonly scale: number;
  readonly include: Include;
  readonly scopes: readonly InheritedKeywords[];
  readonly tags: ReadonlySet<string>;
  readonly filter: TagFilter;
  readonly rescuable: boolean;
  /** Inside an included role: its name, which the tasks of a nested include show too. */
  readonly role?: string | undefined;
}
export type PlanNode = TaskNode | SetupNode | FlushNode | MetaNode | BlockNode | IncludeNode;
export type Step = TaskNode | SetupNode | FlushNode | MetaNode | IncludeNode;

export interface CompiledPlay {
  readonly nodes: PlanNode[];
  readonly handlers: TaskNode[];
  /** The keywords the play gives its tasks and handlers (an included role's handlers too). */
  readonly playScope: InheritedKeywords;
  /** What --list-tasks shows, in order, with each task's effective tags. */
  readonly taskList: { name: string; tags: string[] }[];
}

/** Where compiled nodes take their indices and what --list-tasks collects. */
interface BuildContext {
  next(): number;
  /** The step between two indices here: an include's tasks go in steps of scale / INCLUDE_SLOTS. */
  readonly scale: number;
  readonly filter: TagFilter;
  readonly taskList?: CompiledPlay['taskList'];
  readonly startAt?: { name: string; found: boolean } | undefined;
  /** Compiling an included role's tasks (include nodes among them keep its name). */
  readonly role?: string | undefined;
}

/** At most this many nodes an include's tasks may take at one level (index gaps are fractions). */
const INCLUDE_SLOTS = 1000;

/** Ansible's --list-tasks shows block parts only (not rescue/always) and explicit metas as 'meta'. */
function buildNodes(sel: Selected[], scopes: TaskNode['scopes'], rescuable: boolean, listed: boolean, c: BuildContext): PlanNode[] {
  const out: PlanNode[] = [];
  const starts = (name: string): boolean => {
    if (!c.startAt || c.startAt.found) return true;
    if (!startsHere(name, c.startAt.name)) return false;
    c.startAt.found = true;
    return true;
  };
  for (const s of sel) {
    if (s.kind === 'block') {
      const inner = [...scopes, (s.item as Block).options];
      const block = buildNodes(s.block, inner, rescuable || s.rescue.length > 0, listed, c);
      const rescue = buildNodes(s.rescue, inner, rescuable, false, c);
      const always = buildNodes(s.always, inner, rescuable, false, c);
      if (block.length + rescue.length + always.length > 0) out.push({ kind: 'block', block, rescue, always });
    } else if (s.kind === 'include') {
      if (!starts(s.item.name)) continue;
      if (listed) c.taskList?.push({ name: s.item.name, tags: [...s.tags] });
      out.push({ kind: 'include', index: c.next(), scale: c.scale / INCLUDE_SLOTS, include: s.item, scopes, tags: s.inherited, filter: c.filter, rescuable, role: c.role });
    } else if (s.item.kind === 'meta') {
      if (c.startAt && !c.startAt.found) continue;
      const meta = s.item;
      if (listed) c.taskList?.push({ name: meta.options.name ?? 'meta', tags: [...s.tags] });
      if (meta.action === 'flush_handlers') out.push({ kind: 'flush', index: c.next() });
      else out.push({ kind: 'meta', index: c.next(), meta, scopes });
    } else if (s.item.kind === 'task') {
      if (!starts(s.item.name)) continue;
      if (listed) c.taskList?.push({ name: s.item.name, tags: [...s.tags] });
      out.push({ kind: 'task', index: c.next(), task: s.item, scopes, rescuable, handler: false });
    }
  }
  return out;
}

/** Fact gathering is a task tagged 'always' in Ansible: --skip-tags always (or tagged) skips it. */
export function gathersFacts(play: Play, filter: TagFilter): boolean {
  return play.options.gather_facts !== false && shouldRun(new Set(['always']), filter);
}

/**
 * Turns a play into the tree hosts walk: setup, pre_tasks, flush, tasks, flush, post_tasks, flush.
 * `startAt` (--start-at-task) drops tasks until the first one with that name; it is shared across
 * plays, so `found` is set once reached.
 */
export function compilePlay(play: Play, filter: TagFilter, startAt?: { name: string; found: boolean }): CompiledPlay {
  let index = 0;
  const taskList: CompiledPlay['taskList'] = [];
  const c: BuildContext = { next: () => index++, scale: 1, filter, taskList, startAt };
  // The play keywords its tasks inherit (its tags and vars are handled as their own levels).
  const { become, become_user, check_mode, diff, ignore_errors, no_log } = play.options;
  const playScope: InheritedKeywords = { become, become_user, check_mode, diff, ignore_errors, no_log };
  const inheritedTags = new Set(tagList(play.options.tags));

  const nodes: PlanNode[] = [];
  if (gathersFacts(play, filter)) nodes.push({ kind: 'setup', index: index++ });
  for (const section of [play.pre_tasks, play.tasks, play.post_tasks]) {
    nodes.push(...buildNodes(selectItems(section, inheritedTags, filter), [playScope], false, true, c));
    nodes.push({ kind: 'flush', index: index++ });
  }
  const handlers = play.handlers.map(
    (task): TaskNode => ({ kind: 'task', index: -1, task, scopes: [playScope], rescuable: false, handler: true }),
  );
  return { nodes, handlers, playScope, taskList };
}

/**
 * The included files' tasks, per host: each file's nodes take the indices after the previous
 * file's (the most any of its hosts got), so hosts run one file together and the files in order.
 */
export function layoutIncluded(node: IncludeNode, files: readonly IncludedFile[]): Map<string, PlanNode[]> {
  const compile = (file: IncludedFile, host: string, next: () => number, scale: number): PlanNode[] => {
    const part = file.parts.get(host)!;
    return buildNodes(selectItems(part.items, part.tags, node.filter), part.scopes, node.rescuable, false, { next, scale, filter: node.filter, role: part.role });
  };
  const sizes = files.map((f) => Math.max(...f.hosts.map((h) => { let n = 0; compile(f, h, () => n++, 0); return n; })));
  const total = sizes.reduce((a, b) => a + b, 0);
  // node.scale is the room to the next node / INCLUDE_SLOTS: a longer expansion takes finer steps.
  const step = total < INCLUDE_SLOTS ? node.scale : (node.scale * INCLUDE_SLOTS) / (total + 1);
  const out = new Map<string, PlanNode[]>();
  let offset = 0;
  files.forEach((file, i) => {
    for (const host of file.hosts) {
      let k = offset;
      const nodes = compile(file, host, () => node.index + ++k * step, step);
      out.set(host, [...(out.get(host) ?? []), ...nodes]);
    }
    offset += sizes[i]!;
  });
  return out;
}

/** Ansible's --start-at-task match: the exact name or an fnmatch pattern of it. */
function startsHere(name: string, wanted: string): boolean {
  return name === wanted || fnmatchToRegExp(wanted).test(name);
}

/**
 * A host's way through the tree: yields steps, receives each step's outcome. After an include
 * step that went well, `included()` gives the nodes it compiled for this host, walked in place.
 */
function* walk(nodes: readonly PlanNode[], included: () => readonly PlanNode[]): Generator<Step, Outcome, Outcome> {
  for (const n of nodes) {
    let out: Outcome;
    if (n.kind === 'block') {
      out = yield* walk(n.block, included);
      if (out === 'failed' && n.rescue.length > 0) out = yield* walk(n.rescue, included);
      // A host that ended (end_host/end_play) skips the always part too, as in Ansible.
      if (out !== 'unreachable' && out !== 'ended' && n.always.length > 0) {
        const after = yield* walk(n.always, included);
        if (after !== 'ok') out = after;
      }
    } else {
      out = yield n;
      if (out === 'ok' && n.kind === 'include') out = yield* walk(included(), included);
    }
    if (out !== 'ok') return out;
  }
  return 'ok';
}

/**
 * Steps at one index run together when this matches: the same task written at the same place
 * (an include's function called per host makes a Task per host from the same line).
 */
function sameStepKey(step: Step): string {
  if (step.kind === 'task') return `task\0${step.task.name}\0${step.task.location?.file}:${step.task.location?.line}`;
  if (step.kind === 'include') return `include\0${step.include.name}\0${step.include.location?.file}:${step.include.location?.line}`;
  return step.kind;
}

/** FIFO counting semaphore: forks. FIFO keeps hosts in inventory order within a task. */
export class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(size: number) {
    this.#free = Math.max(1, size);
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

export function orderHosts(hosts: readonly string[], order: HostOrder = 'inventory'): string[] {
  switch (order) {
    case 'inventory':
      return [...hosts];
    case 'reverse_inventory':
      return [...hosts].reverse();
    case 'sorted':
      return [...hosts].sort();
    case 'reverse_sorted':
      return [...hosts].sort().reverse();
    case 'shuffle': {
      const a = [...hosts];
      for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [a[i], a[j]] = [a[j]!, a[i]!];
      }
      return a;
    }
  }
}

/** Ansible's pct_to_int: a percentage of all hosts, rounded down, at least 1. */
function batchSize(value: number | string, total: number): number {
  if (typeof value === 'string' && value.endsWith('%')) return Math.floor((parseFloat(value) / 100) * total) || 1;
  return Math.floor(Number(value));
}

/** Ansible's _get_serialized_batches: sizes in turn, the last one repeating; 0 or none = all. */
export function serialBatches(hosts: readonly string[], serial: number | string | (number | string)[] | undefined): string[][] {
  const sizes = (serial === undefined ? [0] : Array.isArray(serial) ? serial : [serial]).map((s) => batchSize(s, hosts.length));
  if (sizes.length === 0) sizes.push(0);
  const out: string[][] = [];
  let rest = [...hosts];
  let i = 0;
  while (rest.length > 0) {
    const size = sizes[Math.min(i++, sizes.length - 1)]!;
    const n = size <= 0 ? rest.length : size;
    out.push(rest.slice(0, n));
    rest = rest.slice(n);
  }
  return out;
}

/** How a batch ended, for the play loop. */
export interface BatchEnd {
  /** any_errors_fatal or max_fail_percentage stopped the play (and the run). */
  broke: boolean;
  /** end_play: the play's later batches do not run; the next play does. */
  playEnded: boolean;
}

/**
 * Per task, the tasks that follow it on a host's way through the play when every task goes well
 * (a block, then its always part), up to the next step that is not a task (a flush, a meta, an
 * include): what runner/ahead.ts may observe ahead. Handlers and included tasks have none.
 */
export function tasksAfter(nodes: readonly PlanNode[]): (node: TaskNode) => readonly TaskNode[] {
  const line: (TaskNode | undefined)[] = [];
  const visit = (ns: readonly PlanNode[]): void => {
    for (const n of ns) {
      if (n.kind === 'block') {
        visit(n.block);
        visit(n.always);
      } else line.push(n.kind === 'task' ? n : undefined);
    }
  };
  visit(nodes);
  const at = new Map<TaskNode, number>();
  line.forEach((n, i) => n && at.set(n, i));
  return (node) => {
    const i = at.get(node);
    if (i === undefined) return [];
    const end = line.indexOf(undefined, i + 1);
    return line.slice(i + 1, end < 0 ? line.length : end) as TaskNode[];
  };
}

export async function runBatch(run: RunState, play: Play, compiled: CompiledPlay, hosts: readonly string[]): Promise<BatchEnd> {
  const b: BatchContext = {
    run,
    play,
    hosts,
    notifications: new Notifications(play.handlers),
    runOnce: new Map(),
    publicVars: new Map(),
    after: tasksAfter(compiled.nodes),
  };
  const slots = new Slots(run.options.forks);
  const ctl = new BatchControl(b, compiled, slots);
  if (play.options.strategy === 'free') await ctl.free();
  else await ctl.linear();
  // Hosts that failed with notified handlers pending still get them when forced.
  if (!ctl.broke && !run.interrupted && ctl.force) await ctl.flush(ctl.failedHere.filter((h) => b.notifications.hasPending([h])), true);
  return { broke: ctl.broke, playEnded: ctl.playEnded };
}

class BatchControl {
  broke = false;
  playEnded = false;
  readonly failedHere: string[] = [];
  readonly force: boolean;
  /** --step answers, per task (linear) or per task and host (free). */
  readonly #stepAnswers = new Map<string, Promise<boolean>>();
  readonly #announced = new Set<string>();
  /** Per host: the nodes its last include compiled, for its walk to take next. */
  readonly #included = new Map<string, readonly PlanNode[]>();
  /** The play's handlers, then those of roles included so far (flushed in that order). */
  readonly #handlers: TaskNode[];

  constructor(
    readonly b: BatchContext,
    readonly compiled: CompiledPlay,
    readonly slots: Slots,
  ) {
    this.force = b.run.options.forceHandlers || Boolean(b.play.options.force_handlers);
    this.#handlers = [...compiled.handlers];
  }

  get #stopped(): boolean {
    return this.broke || this.b.run.interrupted;
  }

  #announce(step: TaskNode | SetupNode | IncludeNode): void {
    // Included tasks of different hosts may share an index (each host's include compiled its own).
    const key = step.kind === 'setup' ? String(step.index) : `${step.index}\0${sameStepKey(step)}`;
    if (this.#announced.has(key)) return;
    this.#announced.add(key);
    if (step.kind === 'setup') this.b.run.emit({ type: 'task_start', name: 'Gathering Facts', kind: 'setup' });
    else this.#emitTaskStart(step);
  }

  #emitTaskStart(step: TaskNode | IncludeNode): void {
    const { name, location: loc } = step.kind === 'include' ? step.include : step.task;
    this.b.run.emit({
      type: 'task_start',
      name,
      kind: step.kind === 'task' && step.handler ? 'handler' : 'task',
      ...(loc ? { location: `${loc.file}:${loc.line}` } : {}),
    });
  }

  /**
   * A dynamic include on `hosts`: include-run.ts expands it (its lines and counts); each host's
   * walk then takes the included files' tasks laid out here, and an included role's handlers
   * join the play's.
   */
  async #include(step: IncludeNode, hosts: readonly string[]): Promise<Map<string, Outcome>> {
    this.#announce(step);
    const known = this.#handlers.map((n) => n.task);
    const { outcomes, files, handlers } = await expandInclude(this.b, step, hosts, known);
    const laid = layoutIncluded(step, files);
    for (const h of hosts) this.#included.set(h, laid.get(h) ?? []);
    const fresh = handlers.filter((t) => !known.some((k) => k.id === t.id));
    if (fresh.length) {
      this.b.notifications.add(fresh);
      const scopes = [this.compiled.playScope];
      this.#handlers.push(...fresh.map((task): TaskNode => ({ kind: 'task', index: -1, task, scopes, rescuable: false, handler: true })));
    }
    return outcomes;
  }

  async #setup(host: string): Promise<Outcome> {
    const run = this.b.run;
    const started = performance.now();
    try {
      await run.facts(host);
    } catch (e) {
      const msg = run.masker.mask(e instanceof Error ? e.message : String(e));
      const lost = e instanceof UnreachableError;
      run.emit({
        type: 'host_result',
        host,
        task: 'Gathering Facts',
        status: lost ? 'unreachable' : 'failed',
        result: { changed: false, failed: !lost, ...(lost ? { unreachable: true } : {}), msg },
        durationMs: elapsedMs(started),
      });
      run.count(host, lost ? 'unreachable' : 'failed');
      return lost ? 'unreachable' : 'failed';
    }
    run.emit({ type: 'host_result', host, task: 'Gathering Facts', status: 'ok', result: { changed: false, failed: false }, durationMs: elapsedMs(started) });
    run.count(host, 'ok');
    return 'ok';
  }

  async #task(step: TaskNode, host: string): Promise<Outcome> {
    // Ctrl-C while this host waited for a fork: it does not start.
    if (this.b.run.interrupted) return 'ok';
    try {
      return await runTaskOnHost(this.b, step, host);
    } catch (e) {
      if (e instanceof Interrupted) return 'ok';
      throw e;
    }
  }

  /** Run notified handlers, in definition order, on `hosts` (those that reached the flush). */
  async flush(hosts: readonly string[], includeFailed = false): Promise<Map<string, Outcome>> {
    const outcomes = new Map<string, Outcome>(hosts.map((h) => [h, 'ok']));
    const eligible = new Set(hosts);
    if (this.force && !includeFailed) for (const h of this.failedHere) eligible.add(h);
    for (const node of this.#handlers) {
      if (this.#stopped) break;
      const on = this.b.notifications.take(node.task, this.b.hosts.filter((h) => eligible.has(h)));
      if (on.length === 0) continue;
      if (!(await this.#stepAllows(undefined, node.task.name, on))) continue;
      this.#emitTaskStart(node);
      await Promise.all(
        on.map(async (h) => {
          const out = await this.slots.run(() => this.#task(node, h));
          if (out !== 'ok') {
            eligible.delete(h);
            if (outcomes.has(h)) outcomes.set(h, out);
          }
        }),
      );
    }
    return outcomes;
  }

  /**
   * --step: whether the user lets this task run (asked once per task, per host under the free
   * strategy). A declined task is not announced and not run; its hosts go on to the next one.
   * Handlers (index undefined) are asked at each flush that runs them.
   */
  #stepAllows(index: number | undefined, name: string, hosts: readonly string[]): Promise<boolean> {
    const stepMode = this.b.run.step;
    if (!stepMode) return Promise.resolve(true);
    const host = this.b.play.options.strategy === 'free' ? hosts[0] : undefined;
    const key = `${index} ${host ?? ''}`;
    let answer = index === undefined ? undefined : this.#stepAnswers.get(key);
    if (!answer) {
      answer = stepMode.confirm(name, host, index === undefined ? 'HANDLER' : 'TASK').then((c) => {
        if (c) this.b.run.emit({ type: 'step', question: c.question, run: c.run });
        return c?.run ?? true;
      });
      if (index !== undefined) this.#stepAnswers.set(key, answer);
    }
    return answer;
  }

  /** One step on `hosts`; `steps` holds each host's own node where they differ (included tasks). */
  async #stepOn(step: Step, hosts: readonly string[], steps?: ReadonlyMap<string, Step>): Promise<Map<string, Outcome>> {
    if (step.kind === 'flush') return this.flush(hosts);
    if (step.kind === 'meta') return this.#meta(step, hosts);
    const name = step.kind === 'setup' ? 'Gathering Facts' : step.kind === 'include' ? step.include.name : step.task.name;
    if (!(await this.#stepAllows(step.index, name, hosts))) {
      // An include answered "no" includes nothing.
      if (step.kind === 'include') for (const h of hosts) this.#included.set(h, []);
      return new Map(hosts.map((h) => [h, 'ok']));
    }
    if (step.kind === 'include') return this.#include(step, hosts);
    this.#announce(step);
    const own = (h: string) => (steps?.get(h) ?? step) as TaskNode;
    const results = await Promise.all(
      hosts.map((h) => this.slots.run(() => (step.kind === 'setup' ? this.#setup(h) : this.#task(own(h), h)))),
    );
    return new Map(hosts.map((h, i) => [h, results[i]!]));
  }

  /**
   * end_host, end_play, clear_host_errors, with Ansible's output: a banner, a `skipping:` line
   * where `when` is false (not counted in the recap), nothing where it acts. end_host decides per
   * host; the other two run once, deciding on the first host, and act for the whole batch.
   */
  async #meta(step: MetaNode, hosts: readonly string[]): Promise<Map<string, Outcome>> {
    const run = this.b.run;
    const { action, options } = step.meta;
    const outcomes = new Map<string, Outcome>(hosts.map((h) => [h, 'ok']));
    run.emit({ type: 'task_start', name: options.name ?? 'meta', kind: 'task' });
    for (const host of action === 'end_host' ? hosts : hosts.slice(0, 1)) {
      let holds: boolean;
      try {
        holds = await metaConditionHolds(this.b, step.scopes, options.when, host);
      } catch (e) {
        const msg = run.masker.mask(e instanceof Error ? e.message : String(e));
        run.emit({ type: 'host_result', host, task: options.name ?? 'meta', status: 'failed', result: { changed: false, failed: true, msg } });
        run.count(host, 'failed');
        outcomes.set(host, 'failed');
        continue;
      }
      if (!holds) {
        const reason = `${action} conditional evaluated to False, continuing execution for ${host}`;
        // Ansible's meta result has no `changed` key.
        const result = { failed: false, skipped: true, msg: reason.replace('False', 'false'), skip_reason: reason } as unknown as TaskResult;
        run.emit({ type: 'host_result', host, task: options.name ?? 'meta', status: 'skipped', result });
        continue;
      }
      if (action === 'end_host') outcomes.set(host, 'ended');
      else if (action === 'end_play') {
        for (const h of hosts) if (outcomes.get(h) === 'ok') outcomes.set(h, 'ended');
        this.playEnded = true;
      } else {
        for (const h of this.b.hosts) {
          if (run.failed.delete(h) || run.unreachable.delete(h)) run.cleared.add(h);
        }
      }
    }
    return outcomes;
  }

  /** A host's walk ended: record failure, then check the play's failure limits. */
  #ended(host: string, out: Outcome): void {
    const run = this.b.run;
    if (out === 'ok') return;
    // Ended by end_host/end_play: not failed, but its pending handlers do not run (Ansible 2.14).
    if (out === 'ended') return this.b.notifications.drop(host);
    run.cleared.delete(host);
    if (out === 'unreachable') run.unreachable.add(host);
    else run.failed.add(host);
    this.failedHere.push(host);
    if (out === 'unreachable' || !this.force) this.b.notifications.drop(host);
    const opts = this.b.play.options;
    const failedPct = (this.failedHere.length / this.b.hosts.length) * 100;
    if (!this.broke && opts.any_errors_fatal) {
      this.broke = true;
      run.emit({ type: 'play_abort', reason: 'NO MORE HOSTS LEFT' });
    } else if (!this.broke && opts.max_fail_percentage !== undefined && failedPct > opts.max_fail_percentage) {
      this.broke = true;
      run.emit({ type: 'play_abort', reason: 'NO MORE HOSTS LEFT' });
    }
  }

  async linear(): Promise<void> {
    const cursors = new Map<string, Generator<Step, Outcome, Outcome>>();
    const waiting = new Map<string, Step>();
    for (const h of this.b.hosts) {
      const gen = walk(this.compiled.nodes, () => this.#included.get(h) ?? []);
      const first = gen.next();
      if (first.done) continue;
      cursors.set(h, gen);
      waiting.set(h, first.value);
    }
    while (waiting.size > 0 && !this.#stopped) {
      let min = Infinity;
      for (const s of waiting.values()) if (s.index < min) min = s.index;
      // The hosts at the earliest step that run the same task there (after an include, hosts
      // may hold different tasks at one index: each such group runs in turn).
      const first = this.b.hosts.find((h) => waiting.get(h)?.index === min)!;
      const step = waiting.get(first)!;
      const hosts = this.b.hosts.filter((h) => waiting.get(h)?.index === min && sameStepKey(waiting.get(h)!) === sameStepKey(step));
      const outcomes = await this.#stepOn(step, hosts, waiting);
      for (const h of hosts) {
        const next = cursors.get(h)!.next(outcomes.get(h) ?? 'ok');
        if (next.done) {
          waiting.delete(h);
          this.#ended(h, next.value);
        } else waiting.set(h, next.value);
      }
    }
  }

  async free(): Promise<void> {
    await Promise.all(
      this.b.hosts.map(async (h) => {
        const gen = walk(this.compiled.nodes, () => this.#included.get(h) ?? []);
        let next = gen.next();
        while (!next.done) {
          if (this.#stopped) return;
          if (this.playEnded) return this.b.notifications.drop(h);
          const outcomes = await this.#stepOn(next.value, [h]);
          next = gen.next(outcomes.get(h) ?? 'ok');
        }
        this.#ended(h, next.value);
      }),
    );
  }
}
