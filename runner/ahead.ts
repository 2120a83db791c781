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
 * - Its params and first probe are worked out now, with the host's variables as they are now: a
 *   params or `when` function that throws (a variable an earlier task registers, a result check
 *   mode cannot know) leaves the task out; gather runs against a recording probe until it asks for
 *   its first probe (or several at once), and never gets an answer. A gather that reads a
 *   controller file first does not ask within a turn of the event loop and is left out.
 * - None of this decides what a task is handed: a result observed ahead is used only if the task,
 *   when it runs, asks for exactly the same script with the same become, and nothing changed a
 *   host since (observe.ts). A variable an earlier task sets that changes the script makes a miss
 *   (the probe goes then), never a wrong answer. A task that is not a candidate (a command that
 *   runs, a pause) does not stop the run of candidates: if it changes something, what was observed
 *   after it is discarded, and the window shrinks.
 */
import type { BecomeSpec } from './connection/types.js';
import type { InheritedKeywords } from './dsl.js';
import { becomeFor, hostContext, keyword, type BatchContext, type TaskNode } from './execute.js';
import type { HostContext } from './module.js';
import type { ModuleContext, Probe } from './module.types.js';
import { registerSecrets } from './module-run.js';
import type { AheadProbe } from './observe.js';
import { optional, type Vars } from './vars.js';

/** The first probes of up to `limit` tasks after `node` on `host`, run with `become`. */
export async function probesAhead(b: BatchContext, node: TaskNode, host: string, become: BecomeSpec | undefined, limit: number): Promise<AheadProbe[]> {
  const facts = await b.run.facts(host);
  const asked: { node: TaskNode; probes: Recording }[] = [];
  // Tasks under the same blocks without vars of their own see the same variables: one context for them.
  const contexts = new Map<readonly InheritedKeywords[], HostContext>();
  const contextOf = (n: TaskNode): HostContext => {
    if (n.task.options.vars !== undefined) return hostContext(b, n, host, facts);
    let ctx = contexts.get(n.scopes);
    if (!ctx) contexts.set(n.scopes, (ctx = hostContext(b, n, host, facts)));
    return ctx;
  };
  for (const next of b.after?.(node) ?? []) {
    if (asked.length >= limit) break;
    // A pause waits on the world outside: what is observed before it is stale after it.
    if (next.task.call.module.bypassHostLoop) break;
    let probes: Recording | undefined;
    try {
      probes = startGather(b, next, contextOf, become);
    } catch {
      // A params or `when` function that cannot be evaluated yet: the task observes when it runs.
    }
    if (probes) asked.push({ node: next, probes });
  }
  // One turn of the event loop for all the gathers to ask (their synchronous part and microtasks).
  await new Promise((resolve) => setImmediate(resolve));
  return asked.flatMap(({ node: owner, probes }) =>
    probes.usable ? probes.scripts.map((script) => ({ owner, label: owner.task.name, script })) : [],
  );
}

/** The candidate's gather, started against a recording probe; undefined when the rules leave it out. */
function startGather(b: BatchContext, node: TaskNode, contextOf: (n: TaskNode) => HostContext, become: BecomeSpec | undefined): Recording | undefined {
  const run = b.run;
  const { task } = node;
  const module = task.call.module;
  if (!module.probeAhead || keyword(node, 'delegate_to') !== undefined || keyword(node, 'run_once') || task.options.loop !== undefined) return undefined;
  if (keyword(node, 'no_log')) return undefined;
  const check = keyword(node, 'check_mode') ?? run.options.check;
  if (check && module.checkModeSkip !== undefined) return undefined;

  const ctx = contextOf(node);
  const { host, facts } = ctx;
  const whens = [...node.scopes.map((s) => s.when), task.options.when];
  if (!whens.every((w) => w === undefined || w(ctx))) return undefined;
  const vars = optional(ctx.vars) as Vars;
  const own = becomeFor(b, node, vars, facts);
  if (own?.user !== become?.user || own?.password !== undefined || become?.password !== undefined) return undefined;

  const call = task.call;
  const resolved = typeof call.params === 'function' ? call.resolve((call.params as (c: typeof ctx) => unknown)(ctx)) : { params: call.params, issues: call.issues };
  if (resolved.params === undefined || resolved.issues.length > 0) return undefined;
  // Its probe script is shown under -vvv before the task runs: its secrets are masked from now on.
  registerSecrets(call, resolved.params, run.masker);
  const mctx: ModuleContext = { facts, vars, host, playbookDir: run.playbookDir, check };
  return recording((probe) => module.gather(resolved.params, probe, mctx));
}

/** What a gather asked its recording probe so far; `usable` false once it failed or asked with stdin. */
export interface Recording {
  readonly scripts: string[];
  usable: boolean;
}

/**
 * Starts `gather` against a probe that records what it is asked and never answers (the gather is
 * left pending and dropped): after a turn of the event loop, the probes it asks before it waits
 * on the first answer.
 */
export function recording(gather: (probe: Probe) => Promise<unknown>): Recording {
  const r: Recording = { scripts: [], usable: true };
  const probe: Probe = {
    run: (script, o) => {
      if (o?.stdin !== undefined && o.stdin.length > 0) r.usable = false;
      else r.scripts.push(script);
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
