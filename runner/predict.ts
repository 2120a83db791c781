/**
 * Check mode that predicts: per host, what the plans applied-in-check of earlier tasks would
 * change (their `Plan.effects`), kept by the runner for the run, and read by later tasks' module
 * `overlay`s through the `Predicted` view (runner/module.types.ts). A module declares effects and
 * reads predictions; the runner has no special case for any module.
 *
 * Paths: the latest effect on a path wins, merged over an earlier one of the same kind; removing a
 * path (or replacing it by a file, or creating a directory) leaves nothing below it, a TreeEffect
 * makes what is below unknown. What nobody predicted stays as observed.
 *
 * Where a prediction is impossible (a command's output), reading it throws `Unpredictable`, and
 * the task that read it is reported as depending on the earlier one instead of failing or guessing.
 */
import path from 'node:path';
import type {
  Effect,
  GitEffect,
  GroupEffect,
  PackageEffect,
  PathEffect,
  PathPrediction,
  Predicted,
  Prediction,
  ResourceEffect,
  ServiceEffect,
  TaskResult,
  UserEffect,
} from './module.types.js';

/** A task needs what an earlier task that would run makes unknowable. */
export class Unpredictable extends Error {
  override name = 'Unpredictable';
  constructor(
    /** The earlier task's name. */
    readonly by: string,
    readonly what?: string,
  ) {
    super(`depends on an earlier task that would run ('${by}')${what ? `: ${what}` : ''}`);
  }
}

interface Stamped<T> {
  value: T;
  seq: number;
}

type Keyed = Exclude<Effect, PathEffect | { kind: 'tree' }>;

export class PredictedState {
  #seq = 0;
  readonly #paths = new Map<string, Stamped<Prediction<PathEffect>>>();
  /** TreeEffects: everything strictly below the path is unknown (by that task). */
  readonly #trees = new Map<string, Stamped<string>>();
  readonly #keyed = new Map<string, Prediction<Keyed>>();

  /** Nothing predicted yet: modules' overlays need not run. */
  get empty(): boolean {
    return this.#seq === 0;
  }

  record(effects: readonly Effect[], by: string): void {
    for (const e of effects) {
      const seq = ++this.#seq;
      if (e.kind === 'path') this.#recordPath(e, by, seq);
      else if (e.kind === 'tree') {
        const p = normalize(e.path);
        this.#dropBelow(p);
        this.#trees.set(p, { value: by, seq });
      } else this.#recordKeyed(e, by);
    }
  }

  #recordPath(e: PathEffect, by: string, seq: number): void {
    const p = normalize(e.path);
    const { kind: _kind, ...fields } = e;
    const old = this.#paths.get(p)?.value;
    let value: Prediction<PathEffect>;
    if (old && old.state === e.state && !e.created) value = { ...old, ...defined(fields), path: p, by, ...(old.created ? { created: true } : {}) };
    // A path of another kind than predicted before is a new one: nothing observed about it holds.
    else value = { ...fields, path: p, by, ...(old && old.state !== e.state && e.state !== 'absent' ? { created: true } : {}) };
    if (e.state !== 'directory' || value.created) this.#dropBelow(p);
    this.#paths.set(p, { value, seq });
  }

  /** Predictions strictly below `p` no longer hold (p was removed, replaced, or became unknown). */
  #dropBelow(p: string): void {
    const prefix = p === '/' ? '/' : `${p}/`;
    for (const k of this.#paths.keys()) if (k.startsWith(prefix)) this.#paths.delete(k);
    for (const k of this.#trees.keys()) if (k.startsWith(prefix)) this.#trees.delete(k);
  }

  #recordKeyed(e: Keyed, by: string): void {
    const key = keyOf(e);
    const { kind: _kind, ...fields } = e;
    const old = this.#keyed.get(key) as (Prediction<Keyed> & { state?: string }) | undefined;
    const same = old && (!('state' in e) || old.state === e.state);
    this.#keyed.set(key, (same ? { ...old, ...defined(fields), by } : { ...fields, by }) as Prediction<Keyed>);
  }

  path(p: string): PathPrediction | undefined {
    const target = normalize(p);
    const own = this.#paths.get(target);
    // The latest event on an ancestor that decides this path: removed, replaced by a non-directory,
    // or made unknown.
    let decisive: { seq: number; result: PathPrediction } | undefined;
    for (let a = parent(target); a !== undefined; a = parent(a)) {
      const entry = this.#paths.get(a);
      // A new directory is empty; anything but a directory has nothing below it.
      if (entry && (entry.value.state !== 'directory' || entry.value.created) && (!decisive || entry.seq > decisive.seq)) {
        const result: PathPrediction =
          entry.value.state === 'exists' || entry.value.state === 'link'
            ? { state: 'unknown', path: target, by: entry.value.by }
            : { state: 'absent', path: target, by: entry.value.by };
        decisive = { seq: entry.seq, result };
      }
      const tree = this.#trees.get(a);
      if (tree && (!decisive || tree.seq > decisive.seq)) decisive = { seq: tree.seq, result: { state: 'unknown', path: target, by: tree.value } };
    }
    if (own && (!decisive || own.seq > decisive.seq)) return own.value;
    return decisive?.result;
  }

  entries(dir: string): string[] | undefined {
    const d = normalize(dir);
    const own = this.#paths.get(d);
    // Only a directory created by a prediction that still decides it: an ancestor's later event would.
    if (!own || own.value.state !== 'directory' || !own.value.created || this.path(d) !== own.value) return undefined;
    const prefix = d === '/' ? '/' : `${d}/`;
    const child = (k: string) => k.startsWith(prefix) && k.length > prefix.length && !k.slice(prefix.length).includes('/');
    // The directory made unknown after it was created, or an entry of it known only as unknown (a checkout's .git).
    for (const [k, t] of this.#trees) if ((k === d && t.seq > own.seq) || (child(k) && !this.#paths.has(k))) return undefined;
    const names: string[] = [];
    for (const k of this.#paths.keys()) {
      if (!child(k)) continue;
      const p = this.path(k);
      if (p?.state === 'unknown') return undefined;
      if (p && p.state !== 'absent') names.push(k.slice(prefix.length));
    }
    return names.sort();
  }

  #get<E extends Keyed>(kind: E['kind'], key: string): Prediction<E> | undefined {
    return this.#keyed.get(`${kind}\0${key}`) as Prediction<E> | undefined;
  }

  /** The read-only view a module's overlay gets; `creator` is who new paths would belong to. */
  view(creator: { uid: number; gid: number } | undefined): Predicted {
    return {
      path: (p) => this.path(p),
      entries: (d) => this.entries(d),
      package: (name) => this.#get<PackageEffect>('package', name),
      user: (name) => this.#get<UserEffect>('user', name),
      group: (name) => this.#get<GroupEffect>('group', name),
      service: (name) => this.#get<ServiceEffect>('service', name),
      git: (dest) => this.#get<GitEffect>('git', normalize(dest)),
      resource: (type, key) => this.#get<ResourceEffect>('resource', `${type}\0${key}`),
      creator,
      unpredictable: (by, what) => {
        throw new Unpredictable(by, what);
      },
    };
  }
}

function keyOf(e: Keyed): string {
  switch (e.kind) {
    case 'git':
      return `git\0${normalize(e.dest)}`;
    case 'resource':
      return `resource\0${e.type}\0${e.key}`;
    default:
      return `${e.kind}\0${e.name}`;
  }
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function normalize(p: string): string {
  const n = path.posix.normalize(p);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

function parent(p: string): string | undefined {
  if (p === '/' || !p.includes('/')) return undefined;
  return path.posix.dirname(p);
}

/** The keys of a command's result that only running it gives. */
export const OUTPUT_KEYS: readonly string[] = ['rc', 'stdout', 'stderr', 'stdout_lines', 'stderr_lines'];

/** Marks a result (not enumerable) whose `keys` (all, when undefined) are not known in check mode. */
export const UNKNOWN: unique symbol = Symbol('hostwright.unknown');
export interface UnknownMark {
  by: string;
  keys?: readonly string[];
}

export function markUnknown<R extends TaskResult>(result: R, mark: UnknownMark): R {
  Object.defineProperty(result, UNKNOWN, { value: mark, enumerable: false });
  return result;
}

export function unknownMark(result: TaskResult): UnknownMark | undefined {
  return (result as { [UNKNOWN]?: UnknownMark })[UNKNOWN];
}

/**
 * The result a later task reads (`register`, `task.result(h)`): reading one of the unknown keys
 * throws Unpredictable, so a `when` or params computed from it report the dependency.
 */
export function guardUnknown(result: TaskResult): TaskResult {
  const mark = unknownMark(result);
  if (!mark) return result;
  return new Proxy(result, {
    get(target, key, receiver) {
      if (typeof key === 'string' && key !== 'then' && key !== 'toJSON' && (mark.keys ? mark.keys.includes(key) : true)) {
        throw new Unpredictable(mark.by, mark.keys ? `its ${key} is known only once it ran` : undefined);
      }
      return Reflect.get(target, key, receiver);
    },
  });
}
