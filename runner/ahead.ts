/**
 * Which later tasks' first probes a task may carry to the host (runner/observe.ts), and what they
 * are. The rules, in this DSL:
 *
 * - Candidates are the tasks that follow on the host's way through the play when every task goes
 *   well (a block, then its always part), up to the next step that is not a task: a flush of
 *   handlers, a meta, an include, the end of a section (schedule.ts's tasksAfter). Tags,
 *   --start-at-task and --limit already left out what will not run. Not with --step (the user may
 *   answer in a minute or an hour), not from a no_log task (its command would show the others' under -vvv).
 * - A candidate is observed ahead only if its module says its gather only reads (`probeAhead`), it
 *   runs on the host itself (no delegate_to, run_once or loop), it is not no_log, its module is not
 *   skipped by check mode, its become is the carrying task's (same user, no password: one command
 *   runs them all), and its `when` holds now.
 * - Its `when`s, params and first probe are worked out now, with the host's variables as they are
 *   now. For a task with code of its own (a params function, a `when`), what that code gave is
 *   kept for the task (runner/prepared.ts): when it runs, it takes it instead of running the
 *   playbook's functions a second time, as long as nothing they were computed from has changed
 *   since (else it evaluates afresh). A `when` that does not hold, or a params or `when` function
 *   that throws, leaves the task out of the batch (and the task skips or fails with that when it
 *   runs). gather runs against a recording probe until it asks for its first probe (or several at
 *   once), and never gets an answer: the task gathers again when it runs (a gather kept waiting
 *   for every task ahead on every host cost more memory than the second start cost CPU). A gather
 *   that reads a controller file first does not ask within a turn of the event loop and is left out.
 * - After a task that may set variables (register, a module that sets facts: the carrying task
 *   itself included), a task with code of its own (a params function, a `when`) is not worked
 *   out ahead: its code would see the variables of before, and run again once they changed.
 * - None of this decides what a task is handed: a result observed ahead is used only if the task,
 *   when it runs, asks for exactly the same script with the same become, and nothing changed a
 *   host since (observe.ts). A variable an earlier task sets that changes the script makes a miss
 *   (the probe goes then), never a wrong answer. A task that is not a candidate (a command that
 *   runs, a pause) does not stop the run of candidates: if it changes something, what was observed
 *   after it is discarded, and the window shrinks.
 */
import type { BecomeSpec } from './connection/types.js';
import { RESULTS, type InheritedKeywords } from './dsl.js';
import { becomeFor, hostContext, keyword, type BatchContext, type TaskNode } from './execute.js';
import type { Facts } from './facts.types.js';
import type { HostContext } from './module.js';
import type { ModuleContext, Probe, ProbeOptions } from './module.types.js';
import { registerSecrets, resolveParams } from './module-run.js';
import { batchOptions, type AheadProbe } from './observe.js';
import type { Resolved } from './prepared.js';
import { nextTurn } from './slices.js';
import { optional, type Vars } from './vars.js';

/** A candidate worked out: its first probes, known after a turn of the event loop (recording) or before (kept). */
interface Asked {
  readonly node: TaskNode;
  readonly recording?: Recording;
  /** What a task with code of its own keeps (runner/prepared.ts): its probes are added once known. */
  readonly prepared?: { scripts: readonly string[]; inBatchShell?: ReadonlyMap<string, ProbeOptions> };
  readonly scripts?: readonly string[];
  readonly inBatchShell?: ReadonlyMap<string, ProbeOptions> | undefined;
}

/** The first probes of up to `limit` tasks after `node` on `host`, run with `become`. */
export async function probesAhead(b: BatchContext, node: TaskNode, host: string, become: BecomeSpec | undefined, limit: number): Promise<AheadProbe[]> {
  const run = b.run;
  const facts = await run.facts(host);
  run.prepared.prune(host);
  const asked: Asked[] = [];
  // Tasks under the same blocks without vars of their own see the same variables: one context for them.
  const contexts = new Map<readonly InheritedKeywords[], HostContext>();
  let varsMayChange = setsVars(node);
  for (const next of b.after?.(node) ?? []) {
    if (asked.length >= limit) break;
    // A pause waits on the world outside: what is observed before it is stale after it.
    if (next.task.call.module.bypassHostLoop) break;
    const own = runsOwnCode(next);
    const after = varsMayChange;
    if (setsVars(next)) varsMayChange = true;
    if ((own && after) || !mayRide(b, next)) continue;
    let ctx: HostContext;
    try {
      ctx = contextOf(b, next, host, facts, contexts);
      if (!sameBecome(b, next, ctx, become)) continue;
    } catch {
      // Variables that cannot be merged or a become that cannot be worked out: the task sees to it when it runs.
      continue;
    }
    if (!own) {
      // Static params and no `when`: nothing of the playbook's runs, nothing to keep.
      asked.push({ node: next, recording: startGather(b, next, ctx, next.task.call.params) });
      continue;
    }
    const kept = run.prepared.peek(host, next, optional(ctx.vars) as Vars, run.host(host).results);
    if (kept) {
      if (kept.kind === 'ready') asked.push({ node: next, scripts: kept.scripts, inBatchShell: kept.inBatchShell });
      continue;
    }
    const started = prepare(b, next, ctx);
    if (started) asked.push({ node: next, ...started });
  }
  // One turn of the event loop for all the gathers to ask (their synchronous part and microtasks).
  await nextTurn();
  const probes: AheadProbe[] = [];
  for (const a of asked) {
    const scripts = a.recording ? (a.recording.usable ? a.recording.scripts : []) : (a.scripts ?? []);
    const inBatchShell = a.recording ? a.recording.inBatchShell : a.inBatchShell;
    if (a.prepared) {
      a.prepared.scripts = scripts;
      if (inBatchShell) a.prepared.inBatchShell = inBatchShell;
    }
    for (const script of scripts) probes.push({ owner: a.node, label: a.node.task.name, script, ...batchOptions(inBatchShell?.get(script)) });
  }
  return probes;
}

function contextOf(b: BatchContext, n: TaskNode, host: string, facts: Facts, shared: Map<readonly InheritedKeywords[], HostContext>): HostContext {
  if (n.task.options.vars !== undefined) return hostContext(b, n, host, facts);
  let ctx = shared.get(n.scopes);
  if (!ctx) shared.set(n.scopes, (ctx = hostContext(b, n, host, facts)));
  return ctx;
}

/** Whether the task's result may set variables: what it registers, the facts it sets. */
function setsVars(node: TaskNode): boolean {
  return node.task.options.register !== undefined || Boolean(node.task.call.module.setsFacts);
}

/** Whether working the task out runs the playbook's own code: a params function, a `when`. */
function runsOwnCode(node: TaskNode): boolean {
  return typeof node.task.call.params === 'function' || node.task.options.when !== undefined || node.scopes.some((s) => s.when !== undefined);
}

/** The rules that need no variables: its module reads only, on the host itself, alone, shown. */
function mayRide(b: BatchContext, node: TaskNode): boolean {
  const { task } = node;
  const module = task.call.module;
  if (!module.probeAhead || keyword(node, 'delegate_to') !== undefined || keyword(node, 'run_once') || task.options.loop !== undefined) return false;
  if (keyword(node, 'no_log')) return false;
  const check = keyword(node, 'check_mode') ?? b.run.options.check;
  return !(check && module.checkModeSkip !== undefined);
}

/** Its become is the carrying task's, without a password: one command runs them all. */
function sameBecome(b: BatchContext, node: TaskNode, ctx: HostContext, become: BecomeSpec | undefined): boolean {
  const own = becomeFor(b, node, optional(ctx.vars) as Vars, ctx.facts);
  return own?.user === become?.user && own?.password === undefined && become?.password === undefined;
}

/**
 * The `when`s and params of a task with code of its own, worked out now and kept for it
 * (runner/prepared.ts): the playbook's functions run here, not again when the task runs while
 * nothing changed. When they hold, its gather is started against a recording probe. The gather
 * itself is not kept (the task gathers afresh with the kept params): a gather left waiting for
 * each task ahead on each host held more memory than it saved CPU (bench/README.md).
 */
function prepare(b: BatchContext, node: TaskNode, hostCtx: HostContext): { prepared: { scripts: readonly string[] }; recording: Recording } | undefined {
  const run = b.run;
  const { task } = node;
  const { ctx, done } = run.prepared.begin(hostCtx.host, node, hostCtx, run.host(hostCtx.host).results, RESULTS);
  let resolved: Resolved;
  try {
    const whens = [...node.scopes.map((s) => s.when), task.options.when];
    if (!whens.every((w) => w === undefined || w(ctx))) return void done({ kind: 'skip' });
    resolved = resolveParams(task.call, ctx);
  } catch (error) {
    return void done({ kind: 'threw', error });
  }
  const prepared: { kind: 'ready'; resolved: Resolved; scripts: readonly string[]; inBatchShell?: ReadonlyMap<string, ProbeOptions> } = { kind: 'ready', resolved, scripts: [] };
  done(prepared);
  if (resolved.params === undefined) return undefined;
  return { prepared, recording: startGather(b, node, ctx, resolved.params) };
}

/** The task's gather with `params`, started against a recording probe. */
function startGather(b: BatchContext, node: TaskNode, ctx: HostContext, params: unknown): Recording {
  const run = b.run;
  // Its probe script is shown under -vvv before the task runs: its secrets are masked from now on.
  registerSecrets(node.task.call, params, run.masker);
  const check = keyword(node, 'check_mode') ?? run.options.check;
  const mctx: ModuleContext = { facts: ctx.facts, vars: optional(ctx.vars) as Vars, host: ctx.host, playbookDir: run.playbookDir, check };
  return recording((probe) => node.task.call.module.gather(params, probe, mctx));
}

/** What a gather asked its recording probe so far; `usable` false once it failed or asked with stdin. */
export interface Recording {
  readonly scripts: string[];
  /** Those of `scripts` declared safe in a batch's own shell, with their options (ProbeOptions.inBatchShell, statPaths); none: undefined. */
  inBatchShell?: Map<string, ProbeOptions>;
  usable: boolean;
}

/**
 * Starts `gather` against a probe that records what it is asked and never answers (the gather is
 * left pending and dropped): after a turn of the event loop, the probes it asks before it waits
 * on the first answer. Each script is the one copy every host asking the same shares.
 */
export function recording(gather: (probe: Probe) => Promise<unknown>): Recording {
  const r: Recording = { scripts: [], usable: true };
  const probe: Probe = {
    run: (script, o) => {
      if (o?.stdin !== undefined && o.stdin.length > 0) r.usable = false;
      else {
        const one = shared(script);
        r.scripts.push(one);
        if (o?.inBatchShell) (r.inBatchShell ??= new Map()).set(one, o);
      }
      return new Promise(() => {});
    },
  };
  try {
    gather(probe).catch(() => (r.usable = false));
  } catch {
    r.usable = false;
  }
  return r;
}

/**
 * Probe scripts are mostly the same on every host (the same paths), and each is held until its
 * task runs: one copy for all (a few thousand distinct ones at most, then it starts afresh).
 */
const scripts = new Map<string, string>();
function shared(script: string): string {
  const known = scripts.get(script);
  if (known !== undefined) return known;
  if (scripts.size >= 4096) scripts.clear();
  scripts.set(script, script);
  return script;
}
