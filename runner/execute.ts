/**
 * One task on one host: when → the module call (module-run.ts: params → gather with the task's
 * become → plan → apply or, in check mode, the plan) → changed_when/failed_when/ignore_errors → register → notify →
 * one host_result event (per loop item) and the recap counters. No round trip beyond the module's
 * gather and, when something changes, its actions.
 *
 * In a check run, each plan's effects are kept per host (runner/predict.ts) and later tasks'
 * modules overlay them on what they observe. A task that needs what only running an earlier task
 * would tell (its output) is reported as depending on it (skipped, with the reason).
 */
import { becomeForHost, becomeSpecFor } from './connection/index.js';
import type { BecomeSpec, Connection } from './connection/types.js';
import { RESULTS, toList, type InheritedKeywords, type Play, type Task, type TaskOptions, type When } from './dsl.js';
import { UnreachableError } from './errors.js';
import type { HostStatus } from './events.js';
import type { Facts } from './facts.types.js';
import type { Notifications } from './handlers.js';
import type { HostContext } from './module.js';
import { probesAhead } from './ahead.js';
import { Interrupted, notInInventory, runModuleCall } from './module-run.js';
import type { PeerConnection } from './relay.js';
import type { FileDiff, TaskResult } from './module.types.js';
import { guardUnknown, markUnknown, unknownMark, Unpredictable } from './predict.js';
import { isSecret, MASK } from './secret.js';
import { hiddenIf, type RunState } from './state.js';
import { mergeVars, optional, strictVars, type Vars } from './vars.js';

/** A task placed in a play: its enclosing keywords (the play's first, then blocks outer → inner). */
export interface TaskNode {
  readonly kind: 'task';
  /** Position in the play, for lockstep ordering across hosts. */
  readonly index: number;
  readonly task: Task;
  readonly scopes: readonly InheritedKeywords[];
  /** Inside the `block` part of a block that has a `rescue`: a failure here is rescued. */
  readonly rescuable: boolean;
  readonly handler: boolean;
}

/** How a host left a step; 'ended' = end_host/end_play: it stops here without failing. */
export type Outcome = 'ok' | 'failed' | 'unreachable' | 'ended';

/** What a play's batch shares while it runs. */
export interface BatchContext {
  readonly run: RunState;
  readonly play: Play;
  readonly hosts: readonly string[];
  readonly notifications: Notifications;
  /** run_once tasks: the first host's execution, awaited by the others. */
  readonly runOnce: Map<number, Promise<{ result: TaskResult; outcome: Outcome }>>;
  /** Per host: the vars of roles included with `public: true`, seen by the play's later tasks (include-run.ts). */
  readonly publicVars?: Map<string, Vars[]>;
  /** The tasks after a task that runner/ahead.ts may observe ahead (schedule.ts's tasksAfter). @default none */
  readonly after?: (node: TaskNode) => readonly TaskNode[];
}

type WithResults = HostContext & { [RESULTS]?: Map<number, TaskResult> };

const CENSORED = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

type Keywords = TaskOptions<any>;

/** A keyword's effective value: the task's own, else the nearest enclosing block's, else the play's. */
export function keyword<K extends keyof InheritedKeywords>(node: TaskNode, key: K): InheritedKeywords[K] {
  const own = (node.task.options as Keywords)[key];
  if (own !== undefined) return own;
  for (let i = node.scopes.length - 1; i >= 0; i--) {
    const v = node.scopes[i]![key];
    if (v !== undefined) return v;
  }
  return undefined;
}

export function hostContext(b: BatchContext, node: TaskNode, host: string, facts: Facts): HostContext {
  return scopedContext(b, node.scopes, node.task.options.vars, host, facts);
}

/** Whether a meta's `when` (and its enclosing blocks' and play's) holds on a host; a throwing one throws. */
export async function metaConditionHolds(b: BatchContext, scopes: readonly InheritedKeywords[], when: When | undefined, host: string): Promise<boolean> {
  const ctx = scopedContext(b, scopes, undefined, host, await b.run.facts(host));
  return [...scopes.map((s) => s.when), when].every((w) => w === undefined || w(ctx));
}

/** The host's context under `scopes` with `vars` as task vars: what an include's function gets. */
export async function scopeContext(b: BatchContext, scopes: readonly InheritedKeywords[], vars: Vars | undefined, host: string): Promise<HostContext> {
  return scopedContext(b, scopes, vars, host, await b.run.facts(host));
}

function scopedContext(b: BatchContext, scopes: readonly InheritedKeywords[], taskVars: Vars | undefined, host: string, facts: Facts): HostContext {
  const h = b.run.host(host);
  const vars = mergeVars({
    magic: {
      inventory_hostname: host,
      ansible_check_mode: b.run.options.check,
      ansible_verbosity: b.run.options.verbosity,
      ansible_play_batch: b.hosts,
      hostvars: b.run.hostvars,
      playbook_dir: b.run.playbookDir,
    },
    inventory: h.inventoryVars,
    facts,
    play: b.play.options.vars,
    blocks: [...(b.publicVars?.get(host) ?? []), ...scopes.slice(1).flatMap((s) => (s.vars ? [s.vars] : []))],
    task: taskVars,
    host: h.hostVars,
    extra: b.run.options.extraVars,
  });
  const ctx: HostContext = { host, vars: strictVars(vars), facts };
  Object.defineProperty(ctx, RESULTS, { value: h.results, enumerable: false });
  return ctx;
}

export function becomeFor(b: BatchContext, node: TaskNode, vars: Vars, facts: Facts): BecomeSpec | undefined {
  const o = b.run.options;
  // Keywords (task > block > play) beat the command line; the host's ansible_become* vars beat both.
  const become = becomeSpecFor(vars, {
    become: keyword(node, 'become') ?? o.become,
    ...(keyword(node, 'become_user') ?? o.becomeUser ? { becomeUser: keyword(node, 'become_user') ?? o.becomeUser } : {}),
    ...(o.becomeMethod ? { becomeMethod: o.becomeMethod } : {}),
    ...(o.becomePassword ? { password: o.becomePassword } : {}),
  });
  return becomeForHost(become, facts);
}

/**
 * Another inventory host's connection for a module that works across hosts (a backup copied to a
 * second host): the run's own connection to it, with the task's become resolved against that
 * host's variables, as a delegated task's would be.
 */
async function peerConnection(b: BatchContext, node: TaskNode, name: string): Promise<PeerConnection> {
  const run = b.run;
  if (!run.inventory.hosts.has(name)) throw notInInventory(name);
  const conn = await run.connection(name);
  const become = becomeFor(b, node, optional(run.hostvars[name] ?? {}) as Vars, await run.facts(name));
  return { conn, ...(become ? { become } : {}) };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Replace secret values inside every string of a result (deep), and no_log results whole. */
function present(b: BatchContext, result: TaskResult, noLog: boolean): TaskResult {
  if (noLog) return { changed: result.changed, failed: result.failed, censored: CENSORED, ...(result.skipped ? { skipped: true } : {}) };
  const m = b.run.masker;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return m.mask(v);
    if (isSecret(v)) return MASK;
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return m.size > 0 || hasSecret(result) ? (walk(result) as TaskResult) : result;
}

function hasSecret(v: unknown): boolean {
  if (isSecret(v)) return true;
  if (Array.isArray(v)) return v.some(hasSecret);
  if (v && typeof v === 'object') return Object.values(v).some(hasSecret);
  return false;
}

function statusOf(r: TaskResult): HostStatus {
  if (r.unreachable) return 'unreachable';
  if (r.failed) return 'failed';
  if (r.skipped) return 'skipped';
  return r.changed ? 'changed' : 'ok';
}

export function itemLabel(item: unknown): string {
  return typeof item === 'string' ? item : JSON.stringify(item);
}

/** Runs the task on one host (or hands over to the run_once owner) and reports it. */
export async function runTaskOnHost(b: BatchContext, node: TaskNode, host: string): Promise<Outcome> {
  // A module that acts once for the whole play (pause) runs like a run_once task.
  if (keyword(node, 'run_once') || node.task.call.module.bypassHostLoop) {
    const shared = b.runOnce.get(node.task.id);
    if (shared) {
      const { result, outcome } = await shared;
      register(b, node, host, result);
      return outcome;
    }
    const mine = execute(b, node, host);
    b.runOnce.set(node.task.id, mine);
    return (await mine).outcome;
  }
  return (await execute(b, node, host)).outcome;
}

function register(b: BatchContext, node: TaskNode, host: string, result: TaskResult): void {
  const h = b.run.host(host);
  const items = result.results;
  const seen = Array.isArray(items) && items.some((r) => unknownMark(r as TaskResult))
    ? { ...result, results: items.map((r) => guardUnknown(r as TaskResult)) }
    : guardUnknown(result);
  h.results.set(node.task.id, seen);
  // A result's ansible_facts become the host's variables for the rest of the run (set_fact).
  const facts = result.ansible_facts;
  if (!result.failed && facts && typeof facts === 'object') Object.assign(h.hostVars, facts);
  const name = node.task.options.register;
  if (name) h.hostVars[name] = seen;
  if (name || (!result.failed && facts && typeof facts === 'object')) b.run.prepared.varsWritten();
}

async function execute(b: BatchContext, node: TaskNode, host: string): Promise<{ result: TaskResult; outcome: Outcome }> {
  const run = b.run;
  const task = node.task;
  const noLog = Boolean(keyword(node, 'no_log'));
  const ignore = Boolean(keyword(node, 'ignore_errors'));
  const started = performance.now();

  let ctx: HostContext;
  try {
    ctx = hostContext(b, node, host, await run.facts(host));
  } catch (e) {
    if (e instanceof UnreachableError) return unreachable(b, node, host, e, started);
    return finish(b, node, host, { changed: false, failed: true, msg: errorText(e) }, noLog, ignore, undefined, started);
  }

  let delegate: string | undefined;
  let items: readonly unknown[] | undefined;
  try {
    const d = keyword(node, 'delegate_to');
    delegate = typeof d === 'function' ? d(ctx) : d;
    const loop = task.options.loop;
    items = typeof loop === 'function' ? loop(ctx) : loop;
    run.masker.addSecretsIn(items);
  } catch (e) {
    const result: TaskResult = e instanceof Unpredictable ? dependent(e) : { changed: false, failed: true, msg: errorText(e) };
    return finish(b, node, host, result, noLog, ignore, delegate, started);
  }

  let result: TaskResult;
  try {
    if (items === undefined) {
      result = await guarded(hiddenIf(noLog, () => once(b, node, ctx, delegate)));
      report(b, node, host, result, noLog, ignore, { delegate, started });
    } else {
      const results: TaskResult[] = [];
      for (const [index, item] of items.entries()) {
        if (run.interrupted) break;
        const itemStarted = performance.now();
        // An item that fails fails alone; the loop goes on, as in Ansible.
        const one = await guarded(hiddenIf(noLog, () => once(b, node, withItem(ctx, item), delegate)));
        const r = keepMark(one, { ...one, item, ansible_loop_var: 'item' });
        results.push(r);
        // no_log hides the item too, as Ansible's `(item=None)`.
        const label = noLog ? 'None' : itemLabel(item);
        report(b, node, host, r, noLog, ignore, { delegate, started: itemStarted, item: { label, index, total: items.length } });
      }
      const failed = results.some((r) => r.failed);
      const skipped = results.length > 0 && results.every((r) => r.skipped);
      result = {
        changed: results.some((r) => r.changed),
        failed,
        ...(skipped ? { skipped: true } : {}),
        msg: failed ? 'One or more items failed' : 'All items completed',
        results,
      };
      // A loop over nothing, or whose items were all skipped, also reports one skipping line for
      // the host, as Ansible does.
      if (results.length === 0) result = { changed: false, failed: false, skipped: true, skipped_reason: 'No items in the list', results };
      if (result.skipped) report(b, node, host, result, noLog, ignore, { delegate, started });
    }
  } catch (e) {
    if (e instanceof UnreachableError) return unreachable(b, node, host, e, started);
    throw e;
  }
  return finish(b, node, host, result, noLog, ignore, delegate, started, true);
}

/** A module or `when` that throws fails the task on this host; Ctrl-C and a lost host go up. */
async function guarded(run: Promise<TaskResult>): Promise<TaskResult> {
  try {
    return await run;
  } catch (e) {
    if (e instanceof Interrupted || e instanceof UnreachableError) throw e;
    if (e instanceof Unpredictable) return dependent(e);
    return { changed: false, failed: true, msg: errorText(e) };
  }
}

/** A copy of a result keeps its check-mode unknowns. */
function keepMark<R extends TaskResult>(from: TaskResult, to: R): R {
  const mark = unknownMark(from);
  return mark ? markUnknown(to, mark) : to;
}

/**
 * Check mode: the task needs what an earlier task that would run makes unknowable. It is skipped
 * with the reason, and what it would have registered is unknown in turn.
 */
function dependent(e: Unpredictable): TaskResult {
  return markUnknown({ changed: false, failed: false, skipped: true, skip_reason: e.message, depends_on: e.by }, { by: e.by });
}

function withItem(ctx: HostContext, item: unknown): HostContext {
  const next = { ...ctx, item };
  Object.defineProperty(next, RESULTS, { value: (ctx as WithResults)[RESULTS], enumerable: false });
  return next;
}

/** Where a result comes from: the delegate, when its execution (or loop item) began, which item. */
interface ReportOrigin {
  delegate?: string | undefined;
  /** performance.now() when the execution (or this item) began: the event's durationMs. */
  started: number;
  item?: { label: string; index: number; total: number };
}

function report(b: BatchContext, node: TaskNode, host: string, result: TaskResult, noLog: boolean, ignore: boolean, origin: ReportOrigin): void {
  const { delegate, item } = origin;
  const shown = present(b, result, noLog);
  const diffs = !noLog && Array.isArray(shown.diff) && shown.diff.length > 0 ? (shown.diff as FileDiff[]) : undefined;
  b.run.emit({
    type: 'host_result',
    host,
    ...(delegate && delegate !== host ? { delegatedTo: delegate } : {}),
    task: node.task.name,
    action: node.task.call.module.name,
    status: statusOf(result),
    ...(result.failed && ignore ? { ignored: true } : {}),
    ...(item !== undefined ? { item: item.label, loop: { index: item.index, total: item.total } } : {}),
    ...(result.would_run ? { wouldRun: true } : {}),
    ...(typeof result.depends_on === 'string' ? { dependsOn: result.depends_on } : {}),
    result: shown,
    ...(diffs ? { diffs } : {}),
    durationMs: elapsedMs(origin.started),
  });
}

/** Milliseconds since a performance.now() reading, to a tenth (durations are shown as 0.00s). */
export function elapsedMs(since: number): number {
  return Math.round((performance.now() - since) * 10) / 10;
}

/** Count, register, notify and decide whether the host goes on. */
function finish(
  b: BatchContext,
  node: TaskNode,
  host: string,
  result: TaskResult,
  noLog: boolean,
  ignore: boolean,
  delegate: string | undefined,
  started: number,
  reported = false,
): { result: TaskResult; outcome: Outcome } {
  if (!reported) report(b, node, host, result, noLog, ignore, { delegate, started });
  const run = b.run;
  register(b, node, host, result);
  if (result.failed && !ignore) {
    run.count(host, node.rescuable ? 'rescued' : 'failed');
    if (node.rescuable) {
      // What a rescue section reads, as in Ansible.
      const vars = run.host(host).hostVars;
      vars.ansible_failed_task = { name: node.task.name };
      vars.ansible_failed_result = result;
      run.prepared.varsWritten();
    }
    return { result, outcome: 'failed' };
  }
  if (result.skipped) run.count(host, 'skipped');
  else {
    run.count(host, 'ok');
    if (result.failed) run.count(host, 'ignored');
    if (result.changed) run.count(host, 'changed');
  }
  if (result.changed && !result.failed) b.notifications.notify(host, toList(node.task.options.notify));
  return { result, outcome: 'ok' };
}

function unreachable(b: BatchContext, node: TaskNode, host: string, e: unknown, started: number): { result: TaskResult; outcome: Outcome } {
  const result: TaskResult = { changed: false, failed: false, unreachable: true, msg: errorText(e) };
  report(b, node, host, result, false, false, { started });
  b.run.count(host, 'unreachable');
  return { result, outcome: 'unreachable' };
}

/** One execution (one loop item): when → params → observe → plan → apply. */
async function once(b: BatchContext, node: TaskNode, ctx: HostContext, delegate: string | undefined): Promise<TaskResult> {
  const run = b.run;
  const task = node.task;
  const opts = task.options as Keywords;

  // What runner/ahead.ts worked out for this task, while it still holds: the playbook's code runs once.
  const prepared = run.prepared.take(ctx.host, node, optional(ctx.vars) as Vars, run.host(ctx.host).results);
  if (prepared?.kind === 'threw') throw prepared.error;
  const whens = [...node.scopes.map((s) => s.when), opts.when].filter((w): w is NonNullable<typeof w> => w !== undefined);
  if (prepared ? prepared.kind === 'skip' : !whens.every((w) => w(ctx))) {
    return { changed: false, failed: false, skipped: true, skip_reason: 'Conditional result was False' };
  }

  const target = delegate ?? ctx.host;
  const conn: Connection = await run.connection(target);
  const facts = target === ctx.host ? ctx.facts : await run.facts(target);
  // The runner and modules read variables that may be missing (ansible_become ...): the lenient view.
  const vars = optional(ctx.vars) as Vars;
  const become = becomeFor(b, node, vars, facts);
  // Predictions matter only in a check run; a task forced to apply (check_mode: false) still
  // records its effects, which are then real.
  const predicted = run.options.check ? run.host(target).predicted : undefined;
  // Its probe may carry the next tasks' (runner/ahead.ts): on its own host, not under no_log or --step.
  const carries = delegate === undefined && !keyword(node, 'no_log') && !run.step;
  const probe = run.observations.probe(conn, node, task.name, become, carries ? (limit) => probesAhead(b, node, target, become, limit) : undefined);
  const { result, plan } = await runModuleCall(task.call, {
    conn,
    ctx,
    vars,
    facts,
    ...(become ? { become } : {}),
    playbookDir: run.playbookDir,
    check: keyword(node, 'check_mode') ?? run.options.check,
    diff: keyword(node, 'diff') ?? run.options.diff,
    masker: run.masker,
    taskName: task.name,
    ...(predicted ? { predicted } : {}),
    probe,
    ...(prepared?.kind === 'ready' ? { prepared } : {}),
    apply: run.deps.applyActions,
    interrupted: () => run.interrupted,
    peer: (name) => peerConnection(b, node, name),
  });
  // A pause waited on the world outside: nothing observed before it holds.
  if (task.call.module.bypassHostLoop) run.observations.invalidate();

  const mark = unknownMark(result);
  // A would-run task's changed_when/failed_when on its output cannot be decided: it stays "would run".
  const verdict = (fn: (r: TaskResult, c: HostContext) => boolean): boolean | undefined => {
    try {
      return Boolean(fn(guardUnknown(result), ctx));
    } catch (e) {
      if (e instanceof Unpredictable && mark && e.by === mark.by) return undefined;
      throw e;
    }
  };
  if (opts.changed_when) result.changed = verdict(opts.changed_when) ?? result.changed;
  if (opts.failed_when) result.failed = verdict(opts.failed_when) ?? result.failed;
  if (mark) markUnknown(result, mark);
  if (predicted && plan && result.changed && !result.failed && plan.changed && plan.effects?.length) predicted.record(plan.effects, task.name);
  return result;
}
