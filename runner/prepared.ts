/**
 * What runner/ahead.ts worked out for a later task on a host, kept for the task itself, so the
 * playbook's code (`when` and params functions, a template's render) runs once per host whether
 * the task was observed ahead or not (HOSTWRIGHT_PROBE_AHEAD=0): whether its `when`s held, its
 * params (validated, defaults filled in) or what evaluating them threw, and the probes its gather
 * asked first.
 *
 * Handed to the task only while nothing it was computed from can have changed, else the task
 * evaluates afresh:
 * - no command that is not a probe ran on any host since, and none runs now (the rule for an
 *   observed result, runner/observe.ts): a change may have written what a function reads (a file
 *   fetched to the controller, a task delegated to it);
 * - no variable was written on any host since (register, set_fact, a rescue's ansible_failed_*, a
 *   role's public vars): a function may read another host's through hostvars;
 * - the host's variables as the task sees them now are the same values, name for name (its
 *   blocks' and its own vars, facts);
 * - every task result the functions read (`Task.result(h)`) is still the same one.
 * ahead.ts keeps that second evaluation from happening where it can see it coming: after a task
 * that may set variables, a task with code of its own is not worked out ahead.
 */
import type { HostContext, ParamIssue } from './module.js';
import type { ProbeOptions, TaskResult } from './module.types.js';
import type { Observations } from './observe.js';
import { optional, type Vars } from './vars.js';

/** The params as the task's module call resolves them (ModuleCall.resolve). */
export interface Resolved {
  issues: ParamIssue[];
  params?: unknown;
}

export type Prepared =
  /** A `when` did not hold. */
  | { readonly kind: 'skip' }
  /** A `when` or the params function threw this. */
  | { readonly kind: 'threw'; readonly error: unknown }
  /** The params as resolved (or refused) for the host, and the probes its gather asked first (what a batch carries for it). */
  | {
      readonly kind: 'ready';
      readonly resolved: Resolved;
      readonly scripts: readonly string[];
      /** Those of `scripts` declared safe in a batch's own shell, with their options (ProbeOptions.inBatchShell, statPaths). */
      readonly inBatchShell?: ReadonlyMap<string, ProbeOptions>;
    };

/** The inputs a preparation depends on, as they were (see the file's comment). */
export interface PreparedInputs {
  readonly stamp: number;
  readonly varsStamp: number;
  /** The host's merged variables (optional(ctx.vars)) the functions saw. */
  readonly vars: Vars;
  /** Each task result read, by task id, as it was read (none read: undefined). */
  readonly results: ReadonlyMap<number, TaskResult | undefined> | undefined;
}

interface Entry {
  readonly prepared: Prepared;
  readonly inputs: PreparedInputs;
}

export class PreparedTasks {
  /** Bumped by every write of a host's variables. */
  #varsGeneration = 0;
  /** host → task (node) → what was prepared for it. */
  readonly #hosts = new Map<string, Map<object, Entry>>();

  constructor(private readonly observations: Observations) {}

  /** A host's variables were written (register, set_fact, a rescue's, a role's public vars). */
  varsWritten(): void {
    this.#varsGeneration++;
  }

  /**
   * Starts recording the inputs of a preparation on `ctx`: a context whose `Task.result(h)` reads
   * are recorded, and `done(prepared)` that stores what came of it.
   */
  begin(host: string, owner: object, ctx: HostContext, results: ReadonlyMap<number, TaskResult>, resultsKey: symbol): { ctx: HostContext; done: (prepared: Prepared) => void } {
    const stamp = this.observations.stamp();
    const varsStamp = this.#varsGeneration;
    let read: Map<number, TaskResult | undefined> | undefined;
    const tracked: HostContext = { ...ctx };
    Object.defineProperty(tracked, resultsKey, {
      value: {
        get: (id: number) => {
          const r = results.get(id);
          (read ??= new Map()).set(id, r);
          return r;
        },
      },
      enumerable: false,
    });
    return {
      ctx: tracked,
      done: (prepared) => {
        let forHost = this.#hosts.get(host);
        if (!forHost) this.#hosts.set(host, (forHost = new Map()));
        forHost.set(owner, { prepared, inputs: { stamp, varsStamp, vars: optional(ctx.vars) as Vars, results: read } });
      },
    };
  }

  /** What was prepared for `owner` on `host`, if it still holds for the host's variables `vars` now; kept. */
  peek(host: string, owner: object, vars: Vars, results: ReadonlyMap<number, TaskResult>): Prepared | undefined {
    const forHost = this.#hosts.get(host);
    const entry = forHost?.get(owner);
    if (!entry) return undefined;
    if (this.#holds(entry.inputs, vars, results)) return entry.prepared;
    forHost!.delete(owner);
    return undefined;
  }

  /** The same, handed to the task: removed either way (a task uses what was prepared once). */
  take(host: string, owner: object, vars: Vars, results: ReadonlyMap<number, TaskResult>): Prepared | undefined {
    const prepared = this.peek(host, owner, vars, results);
    const forHost = this.#hosts.get(host);
    if (prepared) forHost!.delete(owner);
    if (forHost?.size === 0) this.#hosts.delete(host);
    return prepared;
  }

  /** Drops what no longer holds on `host` by the fleet's counts alone (before a batch adds more). */
  prune(host: string): void {
    const forHost = this.#hosts.get(host);
    if (!forHost) return;
    for (const [owner, e] of forHost) if (!this.#stampsHold(e.inputs)) forHost.delete(owner);
    if (forHost.size === 0) this.#hosts.delete(host);
  }

  #stampsHold(i: PreparedInputs): boolean {
    return this.observations.holds(i.stamp) && i.varsStamp === this.#varsGeneration;
  }

  #holds(i: PreparedInputs, vars: Vars, results: ReadonlyMap<number, TaskResult>): boolean {
    if (!this.#stampsHold(i) || !sameValues(i.vars, vars)) return false;
    for (const [id, r] of i.results ?? []) if (results.get(id) !== r) return false;
    return true;
  }
}

/** The same names with the same values (identical objects: a registered result is a new one). */
function sameValues(a: Vars, b: Vars): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Object.is(a[k], b[k]) && (a[k] !== undefined || k in b));
}
