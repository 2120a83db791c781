/**
 * How a play's tasks are spread over its hosts: host order, serial batches, forks, and the
 * linear / free strategies. Each host walks the play with its own cursor (a generator over the
 * compiled task tree, so block/rescue/always can send hosts different ways); the linear strategy
 * runs, at each step, the earliest task any host is waiting at on every host waiting there (like
 * Ansible's lockstep), the free strategy lets every host advance on its own. Forks bound how many
 * hosts execute a task at the same moment, in both.
 */
import { type Block, type HostOrder, type InheritedKeywords, type Meta, type Play } from './dsl.js';
import { UnreachableError } from './errors.js';
import { Interrupted } from './module-run.js';
import { elapsedMs, metaConditionHolds, runTaskOnHost, type BatchContext, type Outcome, type TaskNode } from './execute.js';
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
export type PlanNode = TaskNode | SetupNode | FlushNode | MetaNode | BlockNode;
export type Step = TaskNode | SetupNode | FlushNode | MetaNode;

export interface CompiledPlay {
  readonly nodes: PlanNode[];
  readonly handlers: TaskNode[];
  /** What --list-tasks shows, in order, with each task's effective tags. */
  readonly taskList: { name: string; tags: string[] }[];
}

/**
 * Turns a play into the tree hosts walk: setup, pre_tasks, flush, tasks, flush, post_tasks, flush.
 * `startAt` (--start-at-task) drops tasks until the first one with that name; it is shared across
 * plays, so `found` is set once reached.
 */
export function compilePlay(play: Play, filter: TagFilter, startAt?: { name: string; found: boolean }): CompiledPlay {
  let index = 0;
  const taskList: CompiledPlay['taskList'] = [];
  // The play keywords its tasks inherit (its tags and vars are handled as their own levels).
  const { become, become_user, check_mode, diff, ignore_errors, no_log } = play.options;
  const playScope: InheritedKeywords = { become, become_user, check_mode, diff, ignore_errors, no_log };
  const inheritedTags = new Set(tagList(play.options.tags));

  // Ansible's --list-tasks shows block parts only (not rescue/always) and explicit metas as 'meta'.
  const build = (sel: Selected[], scopes: TaskNode['scopes'], rescuable: boolean, listed: boolean): PlanNode[] => {
    const out: PlanNode[] = [];
    for (const s of sel) {
      if (s.kind === 'block') {
        const inner = [...scopes, (s.item as Block).options];
        const block = build(s.block, inner, rescuable || s.rescue.length > 0, listed);
        const rescue = build(s.rescue, inner, rescuable, false);
        const always = build(s.always, inner, rescuable, false);
        if (block.length + rescue.length + always.length > 0) out.push({ kind: 'block', block, rescue, always });
      } else if (s.item.kind === 'meta') {
        if (startAt && !startAt.found) continue;
        const meta = s.item;
        if (listed) taskList.push({ name: meta.options.name ?? 'meta', tags: [...s.tags] });
        if (meta.action === 'flush_handlers') out.push({ kind: 'flush', index: index++ });
        else out.push({ kind: 'meta', index: index++, meta, scopes });
      } else if (s.item.kind === 'task') {
        if (startAt && !startAt.found) {
          if (!startsHere(s.item.name, startAt.name)) continue;
          startAt.found = true;
        }
        if (listed) taskList.push({ name: s.item.name, tags: [...s.tags] });
        out.push({ kind: 'task', index: index++, task: s.item, scopes, rescuable, handler: false });
      }
    }
    return out;
  };

  const nodes: PlanNode[] = [];
  // Fact gathering is a task tagged 'always' in Ansible: --skip-tags always (or tagged) skips it.
  if (play.options.gather_facts !== false && shouldRun(new Set(['always']), filter)) nodes.push({ kind: 'setup', index: index++ });
  for (const section of [play.pre_tasks, play.tasks, play.post_tasks]) {
    nodes.push(...build(selectItems(section, inheritedTags, filter), [playScope], false, true));
    nodes.push({ kind: 'flush', index: index++ });
  }
  const handlers = play.handlers.map(
    (task): TaskNode => ({ kind: 'task', index: -1, task, scopes: [playScope], rescuable: false, handler: true }),
  );
  return { nodes, handlers, taskList };
}

/** Ansible's --start-at-task match: the exact name or an fnmatch pattern of it. */
function startsHere(name: string, wanted: string): boolean {
  return name === wanted || fnmatchToRegExp(wanted).test(name);
}

/** A host's way through the tree: yields steps, receives each step's outcome. */
function* walk(nodes: readonly PlanNode[]): Generator<Step, Outcome, Outcome> {
  for (const n of nodes) {
    let out: Outcome;
    if (n.kind === 'block') {
      out = yield* walk(n.block);
      if (out === 'failed' && n.rescue.length > 0) out = yield* walk(n.rescue);
      // A host that ended (end_host/end_play) skips the always part too, as in Ansible.
      if (out !== 'unreachable' && out !== 'ended' && n.always.length > 0) {
        const after = yield* walk(n.always);
        if (after !== 'ok') out = after;
      }
    } else {
      out = yield n;
    }
    if (out !== 'ok') return out;
  }
  return 'ok';
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

export async function runBatch(run: RunState, play: Play, compiled: CompiledPlay, hosts: readonly string[]): Promise<BatchEnd> {
  const b: BatchContext = { run, play, hosts, notifications: new Notifications(play.handlers), runOnce: new Map() };
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
  readonly #announced = new Set<number>();
  /** --step answers, per task (linear) or per task and host (free). */
  readonly #stepAnswers = new Map<string, Promise<boolean>>();

  constructor(
    readonly b: BatchContext,
    readonly compiled: CompiledPlay,
    readonly slots: Slots,
  ) {
    this.force = b.run.options.forceHandlers || Boolean(b.play.options.force_handlers);
  }

  get #stopped(): boolean {
    return this.broke || this.b.run.interrupted;
  }

  #announce(step: TaskNode | SetupNode): void {
    if (this.#announced.has(step.index)) return;
    this.#announced.add(step.index);
    if (step.kind === 'setup') this.b.run.emit({ type: 'task_start', name: 'Gathering Facts', kind: 'setup' });
    else this.#emitTaskStart(step);
  }

  #emitTaskStart(step: TaskNode): void {
    const loc = step.task.location;
    this.b.run.emit({
      type: 'task_start',
      name: step.task.name,
      kind: step.handler ? 'handler' : 'task',
      ...(loc ? { location: `${loc.file}:${loc.line}` } : {}),
    });
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
    for (const node of this.compiled.handlers) {
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

  async #stepOn(step: Step, hosts: readonly string[]): Promise<Map<string, Outcome>> {
    if (step.kind === 'flush') return this.flush(hosts);
    if (step.kind === 'meta') return this.#meta(step, hosts);
    const name = step.kind === 'setup' ? 'Gathering Facts' : step.task.name;
    if (!(await this.#stepAllows(step.index, name, hosts))) return new Map(hosts.map((h) => [h, 'ok']));
    this.#announce(step);
    const results = await Promise.all(
      hosts.map((h) => this.slots.run(() => (step.kind === 'setup' ? this.#setup(h) : this.#task(step, h)))),
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
      const gen = walk(this.compiled.nodes);
      const first = gen.next();
      if (first.done) continue;
      cursors.set(h, gen);
      waiting.set(h, first.value);
    }
    while (waiting.size > 0 && !this.#stopped) {
      let min = Infinity;
      for (const s of waiting.values()) if (s.index < min) min = s.index;
      const hosts = this.b.hosts.filter((h) => waiting.get(h)?.index === min);
      const step = waiting.get(hosts[0]!)!;
      const outcomes = await this.#stepOn(step, hosts);
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
        const gen = walk(this.compiled.nodes);
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
