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
 *   now, and kept for the task (runner/prepared.ts): when it runs, it takes them instead of running
 *   the playbook's functions and its gather's start a second time, as long as nothing they were
 *   computed from has changed since (else it evaluates afresh). A `when` that does not hold, or a
 *   params or `when` function that throws, leaves the task out of the batch (and the task skips or
 *   fails with that when it runs). gather runs against a probe that records what it is asked until
 *   it asks for its first probe (or several at once); the task's own probe answers it then. A gather
 *   that reads a controller file first does not ask within a turn of the event loop and is not carried.
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
import type { HostContext } from './module.js';
import type { ModuleContext, Probe } from './module.types.js';
import { registerSecrets, resolveParams } from './module-run.js';
import type { AheadProbe } from './observe.js';
import type { Prepared, Resolved } from './prepared.js';
import { optional, type Vars } from './vars.js';

/** The first probes of up to `limit` tasks after `node` on `host`, run with `become`. */
export async function probesAhead(b: BatchContext, node: TaskNode, host: string, become: BecomeSpec | undefined, limit: number): Promise<AheadProbe[]> {
  const run = b.run;
  const facts = await run.facts(host);
  const results = run.host(host).results;
  run.prepared.prune(host);
  const asked: { node: TaskNode; prepared: Prepared & { kind: 'ready' } }[] = [];
  // Tasks under the same blocks without vars of their own see the same variables: one context for them.
  const contexts = new Map<readonly InheritedKeywords[], HostContext>();
  const contextOf = (n: TaskNode): HostContext => {
    if (n.task.options.vars !== undefined) return hostContext(b, n, host, facts);
    let ctx = contexts.get(n.scopes);
    if (!ctx) contexts.set(n.scopes, (ctx = hostContext(b, n, host, facts)));
    return ctx;
  };
  let varsMayChange = setsVars(node);
  for (const next of b.after?.(node) ?? []) {
    if (asked.length >= limit) break;
    // A pause waits on the world outside: what is observed before it is stale after it.
    if (next.task.call.module.bypassHostLoop) break;
    const own = varsMayChange && runsOwnCode(next);
    if (setsVars(next)) varsMayChange = true;
    if (own || !mayRide(b, next)) continue;
    let ctx: HostContext;
    try {
      ctx = contextOf(next);
      if (!sameBecome(b, next, ctx, become)) continue;
    } catch {
      // Variables that cannot be merged or a become that cannot be worked out: the task sees to it when it runs.
      continue;
    }
    const kept = run.prepared.peek(host, next, optional(ctx.vars) as Vars, results);
    const prepared = kept ?? prepare(b, next, ctx);
    if (prepared.kind === 'ready') asked.push({ node: next, prepared });
  }
  // One turn of the event loop for all the gathers to ask (their synchronous part and microtasks).
  await new Promise((resolve) => setImmediate(resolve));
  return asked.flatMap(({ node: owner, prepared }) =>
    prepared.scripts.map((script) => ({ owner, label: owner.task.name, script, ...(prepared.inBatchShell?.has(script) ? { inBatchShell: true } : {}) })),
  );
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
 * The task's `when`s, params and gather, worked out now and kept for it (runner/prepared.ts):
 * the playbook's functions run here, not again when the task runs while nothing changed.
 */
function prepare(b: BatchContext, node: TaskNode, hostCtx: HostContext): Prepared {
  const run = b.run;
  const { task } = node;
  const { ctx, done } = run.prepared.begin(hostCtx.host, node, hostCtx, run.host(hostCtx.host).results, RESULTS);
  const keep = (p: Prepared): Prepared => (done(p), p);
  let resolved: Resolved;
  try {
    const whens = [...node.scopes.map((s) => s.when), task.options.when];
    if (!whens.every((w) => w === undefined || w(ctx))) return keep({ kind: 'skip' });
    resolved = resolveParams(task.call, ctx);
  } catch (error) {
    return keep({ kind: 'threw', error });
  }
  const params = resolved.params;
  if (params === undefined) return keep({ kind: 'ready', resolved, scripts: [], gather: () => undefined });
  // Its probe script is shown under -vvv before the task runs: its secrets are masked from now on.
  registerSecrets(task.call, params, run.masker);
  const check = keyword(node, 'check_mode') ?? run.options.check;
  const mctx: ModuleContext = { facts: ctx.facts, vars: optional(ctx.vars) as Vars, host: ctx.host, playbookDir: run.playbookDir, check };
  const r = recording((probe) => task.call.module.gather(params, probe, mctx));
  return keep({
    kind: 'ready',
    resolved,
    // Read after the turn of the event loop: a gather that failed or asked with stdin is not carried.
    get scripts() {
      return r.usable ? r.scripts : [];
    },
    inBatchShell: r.inBatchShell,
    gather: (probe) => r.continueWith(probe),
  });
}

/** What a gather asked its recording probe so far; `usable` false once it failed or asked with stdin. */
export interface Recording {
  readonly scripts: string[];
  /** Those of `scripts` declared safe in a batch's own shell (ProbeOptions.inBatchShell). */
  readonly inBatchShell: Set<string>;
  usable: boolean;
  /**
   * The gather, its waiting probes answered by `probe` from now on (and every later one asked
   * of it); undefined when it cannot go on (it failed, asked with stdin, was continued already).
   */
  continueWith(probe: Probe): Promise<unknown> | undefined;
}

/**
 * Starts `gather` against a probe that records what it is asked and answers only once the gather
 * is continued with a real probe: after a turn of the event loop, the probes it asks before it
 * waits on the first answer. A gather never continued is dropped with what it waits on.
 */
export function recording(gather: (probe: Probe) => Promise<unknown>): Recording {
  const waiting: { script: string; options: Parameters<Probe['run']>[1]; answer: (r: ReturnType<Probe['run']>) => void }[] = [];
  let live: Probe | undefined;
  let started: Promise<unknown> | undefined;
  const r: Recording = {
    scripts: [],
    inBatchShell: new Set(),
    usable: true,
    continueWith(probe) {
      if (!r.usable || live || !started) return undefined;
      live = probe;
      for (const w of waiting.splice(0)) w.answer(probe.run(w.script, w.options));
      return started;
    },
  };
  const probe: Probe = {
    run: (script, o) => {
      if (live) return live.run(script, o);
      if (o?.stdin !== undefined && o.stdin.length > 0) r.usable = false;
      else {
        r.scripts.push(script);
        if (o?.inBatchShell) r.inBatchShell.add(script);
      }
      return new Promise((answer) => waiting.push({ script, options: o, answer }));
    },
  };
  try {
    started = gather(probe);
    // Failing before it was continued: the task gathers afresh (afterwards the task sees the failure).
    started.catch(() => (live ? undefined : (r.usable = false)));
  } catch {
    r.usable = false;
  }
  return r;
}
