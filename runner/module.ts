/**
 * defineModule: turns a module spec into the typed function playbooks call
 * (`copy({ dest: '/etc/motd', content: 'hi' })`). Parameters are validated by ajv against the
 * module's JSON schema when the call is evaluated, i.e. when the playbook loads, before any host
 * is contacted; the issues are kept on the call with its source location so `task()` can report
 * file:line, task name and field together.
 */
import { createRequire } from 'node:module';
import type { ErrorObject, JSONSchemaType } from 'ajv';
import type { Facts } from './facts.types.js';
import type { ExecResult } from './connection/types.js';
import type { ModuleContext, Plan, Predicted, Probe, TaskResult } from './module.types.js';
import { callSite } from './callsite.js';
import type { SourceLocation } from './errors.js';
import { compileValidator, type Validator } from './validator.js';

/**
 * Schema for a parameter typed `string | Secret<string>` (copy's `content`). JSONSchemaType cannot
 * express a class, so modules place this with a cast at that one property; the check is real
 * (the `isSecret` keyword, runner/validator.ts).
 */
export const stringOrSecretSchema = {
  anyOf: [{ type: 'string' }, { type: 'object', isSecret: true, required: [] }],
} as const;

export interface ModuleSpec<P, S> {
  /** Ansible's module name: 'copy', 'file', 'service', ... */
  name: string;
  schema: JSONSchemaType<P>;
  /** Parameter names whose values are masked everywhere (content of a secret file, passwords). */
  secretParams?: readonly (keyof P & string)[];
  /**
   * Checks a JSON schema cannot express (mutually exclusive fields, a mode's syntax), run after the
   * schema passed, at load time for static params and per host for dynamic ones.
   */
  check?(params: P): ParamIssue[];
  /**
   * The module acts once for all the play's hosts (Ansible's BYPASS_HOST_LOOP, e.g. pause): it runs
   * on the first host and the others take its result, as with run_once. @default false
   */
  bypassHostLoop?: boolean;
  /**
   * Check mode skips the task with this message, without touching the host: Ansible's modules
   * without check-mode support (uri: "remote module (ansible.legacy.uri) does not support check
   * mode"; fetch: "check mode not (yet) supported for this module"). @default check mode plans
   */
  checkModeSkip?: string;
  /**
   * Its gather only reads the host's own state, quickly (stat, a file, a service's status): no
   * network, no temp files, no stdin, nothing that waits. The runner may then run its first probe
   * ahead of the task, in one round trip with an earlier task's, and hand it the result while
   * nothing can have changed the host (runner/observe.ts, runner/ahead.ts). A gather that makes
   * no probe (debug, set_fact) qualifies too. @default false: observed when the task runs
   */
  probeAhead?: boolean;
  /**
   * Its result may carry `ansible_facts`, which become the host's variables (set_fact, hostname):
   * the tasks after it are not worked out ahead with the variables of before (runner/ahead.ts).
   * @default false
   */
  setsFacts?: boolean;
  gather(params: P, probe: Probe, ctx: ModuleContext): Promise<S>;
  plan(params: P, state: S, ctx: ModuleContext): Plan;
  /**
   * Check mode only, when earlier tasks predicted changes on this host: the gathered state
   * adjusted to what those changes would make it (a file a copy would write, a directory a file
   * task would create), so `plan` sees the host as the real run will. Pure; return `state` itself
   * when nothing predicted concerns this task. Without it, the module plans on what it observed.
   */
  overlay?(state: S, predicted: Predicted, params: P, ctx: ModuleContext): S;
  /**
   * Reads the captured output of the plan's `capture` action into the task's result (uri's status,
   * headers and body); `failed` fails the task with that message. Without it, a capture gives
   * command's rc/stdout/stderr. Pure: tested on recorded output.
   */
  interpret?(params: P, captured: ExecResult): { result: Record<string, unknown>; failed?: string };
}

/**
 * A probe that failed on the host (its command exited non-zero): the task fails with this message,
 * nothing is planned or applied. Modules get it from `runProbe` (modules/_lib/probe.ts), the one
 * way they observe; the runner (module-run.ts) turns it into the task's failed result.
 */
export class ProbeError extends Error {
  override name = 'ProbeError';
}

/** What `when`, dynamic params and `loop` functions receive for the host they run on. */
export interface HostContext {
  host: string;
  vars: Readonly<Record<string, unknown>>;
  facts: Facts;
  /** The current loop item (inside `loop`). */
  item?: unknown;
}

/** One problem with a parameter, phrased for a person. */
export interface ParamIssue {
  /** The field's path, e.g. `mode` or `validate`. Empty for the whole object. */
  field: string;
  message: string;
}

/** The value a module function returns: the module, its params, and where it was called. */
export interface ModuleCall<P = unknown, S = unknown, R extends TaskResult = TaskResult> {
  readonly module: ModuleSpec<P, S>;
  /**
   * Type-only: the shape of the result this call registers, so `task()` can type `result(h)`
   * without the playbook naming it. Never set at run time.
   */
  readonly resultType?: R;
  /** Static params, or a function of the host (validated per host at run time). */
  readonly params: P | ((ctx: HostContext) => P);
  readonly location: SourceLocation | undefined;
  /** Validation issues found at load time (static params only). */
  readonly issues: ParamIssue[];
  /** Validate params computed for one host; returns the issues (empty when valid). Never changes `params`. */
  validate(params: unknown): ParamIssue[];
  /**
   * Validate params computed for one host and return, when valid, a copy with the schema's
   * `default`s filled in: what gather and plan receive. The caller's object is left as given.
   */
  resolve(params: unknown): { issues: ParamIssue[]; params?: P };
}

export type ModuleFn<P, S = unknown, R extends TaskResult = TaskResult> = (params: P | ((ctx: HostContext) => P)) => ModuleCall<P, S, R>;

/** The registered-result type of a module call (TaskResult unless its module declares more). */
export type ResultOf<C> = C extends { readonly resultType?: infer R } ? (NonNullable<R> extends TaskResult ? NonNullable<R> : TaskResult) : TaskResult;

function describeIssue(e: ErrorObject): ParamIssue {
  const base = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = String((e.params as { additionalProperty: string }).additionalProperty);
      return { field: base ? `${base}.${field}` : field, message: 'is not a parameter of this module' };
    }
    case 'required': {
      const field = String((e.params as { missingProperty: string }).missingProperty);
      return { field: base ? `${base}.${field}` : field, message: 'is required' };
    }
    case 'enum':
      return {
        field: base,
        message: `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    default:
      return { field: base, message: e.message ?? 'is invalid' };
  }
}

/**
 * A copy of the plain objects and arrays in `value`, sharing everything else (a Secret, a
 * function): ajv's `useDefaults` writes defaults into what it validates, and a playbook may pass
 * one object to several calls (`const p = { path }; stat(p); file(p)`).
 */
function copyPlain<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyPlain) as T;
  if (value !== null && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto === Object.prototype || proto === null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyPlain(v)])) as T;
    }
  }
  return value;
}

/**
 * What validating a call needs, without the module's code: its name, schema, extra checks and
 * flags. A module kept in a folder or beside a `.params.ts` file exports this separately, so the
 * modules barrel (modules/index.ts) can validate a call while the playbook loads and load the
 * module's gather/plan code only for a playbook that uses it (issue 18: a playbook's start paid for
 * every module's code).
 */
export type ModuleDefinition<P> = Omit<ModuleSpec<P, never>, 'gather' | 'plan' | 'overlay' | 'interpret'>;

/** Any module's spec (JSONSchemaType<P> does not widen to <any>, so the schema is left out). */
type AnySpec = Omit<ModuleSpec<any, any>, 'schema'>;
/** Each module function's spec, for lazyModule to find the implementation it loaded. */
const specs = new WeakMap<object, AnySpec>();
/**
 * A lazy spec's loader (loadModules calls it before the run touches a host). A registered symbol:
 * a playbook run as CommonJS builds its calls with a CommonJS copy of this file while the run
 * itself (runner/index.ts imports main.js) works with the ES module copy.
 */
const LOAD: unique symbol = Symbol.for('hostwright.loadModule');
type LazySpec = AnySpec & { [LOAD]?: () => Promise<AnySpec> };

export function defineModule<P, S, R extends TaskResult = TaskResult>(spec: ModuleSpec<P, S>): ModuleFn<P, S, R> {
  return moduleFn<P, S, R>(spec);
}

/**
 * A module function whose gather/plan code is loaded the first time a run needs it:
 * `definition` validates calls at once, as defineModule's do (file:line, task and field while the
 * playbook loads); the module itself is export `name` of `file`, relative to `from` (the barrel's
 * `import.meta.url`): the same definition with gather and plan. The runner loads what a
 * playbook's tasks use before it contacts a host (loadModules); a gather started before that
 * loads first.
 *
 *   export const git: typeof import('./git.js').git = lazyModule(gitDefinition, import.meta.url, './git.js', 'git');
 */
export function lazyModule<P, S, R extends TaskResult>(definition: ModuleDefinition<P>, from: string, file: string, name: string): ModuleFn<P, S, R> {
  const load = async (): Promise<unknown> => {
    const imported = ((await import(new URL(file, from).href)) as Record<string, unknown>)[name];
    if (typeof imported !== 'function' || specs.has(imported)) return imported;
    // A module of another copy of this file: under tsx, a playbook outside a `"type": "module"`
    // package runs as CommonJS, and so does every file it imports, this one and the barrel
    // included, while import() gave the ES module copy. Required, the module is the barrel's own.
    return (createRequire(from)(file) as Record<string, unknown>)[name];
  };
  let implementation: AnySpec | undefined;
  let loading: Promise<AnySpec> | undefined;
  const loadSpec = (): Promise<AnySpec> =>
    (loading ??= load().then((fn) => {
      const spec = typeof fn === 'function' ? specs.get(fn) : undefined;
      if (spec?.name !== definition.name) throw new Error(`module '${definition.name}': ${file} has no module export '${name}' of that name`);
      return (implementation = spec);
    }));
  const unloaded = (what: string) => () => {
    throw new Error(`module '${definition.name}': ${what} before its code was loaded (runner/module.ts loadModules)`);
  };
  const spec: LazySpec = {
    ...(definition as ModuleDefinition<unknown>),
    [LOAD]: loadSpec,
    get gather() {
      return implementation?.gather ?? (async (params: unknown, probe: Probe, ctx: ModuleContext) => (await loadSpec()).gather(params, probe, ctx));
    },
    get plan() {
      return implementation?.plan ?? unloaded('plan');
    },
    // Read by the runner only after gather, when the code is loaded.
    get overlay() {
      return implementation?.overlay;
    },
    get interpret() {
      return implementation?.interpret;
    },
  };
  return moduleFn<P, S, R>(spec as ModuleSpec<P, S>);
}

/** Loads the code of every lazy module among these (a module defined eagerly is loaded already). */
export async function loadModules(modules: Iterable<AnySpec>): Promise<void> {
  const loads = new Set<() => Promise<unknown>>();
  for (const m of modules) {
    const load = (m as LazySpec)[LOAD];
    if (load) loads.add(load);
  }
  await Promise.all([...loads].map((load) => load()));
}

function moduleFn<P, S, R extends TaskResult>(spec: ModuleSpec<P, S>): ModuleFn<P, S, R> {
  // Compiled on the module's first call (still while the playbook loads): a playbook pays only
  // for the schemas of the modules it uses, not for every module the library defines.
  let validateFn: Validator<P> | undefined;
  const resolve = (given: unknown): { issues: ParamIssue[]; params?: P } => {
    validateFn ??= compileValidator<P>(spec.schema);
    const params = copyPlain(given);
    if (!validateFn(params)) return { issues: (validateFn.errors ?? []).map(describeIssue) };
    const issues = spec.check ? spec.check(params) : [];
    return issues.length > 0 ? { issues } : { issues, params };
  };
  const validate = (params: unknown): ParamIssue[] => resolve(params).issues;
  const fn: ModuleFn<P, S, R> = (given) => {
    // Static params are resolved once, here (load time); a function of the host, per host.
    const resolved = typeof given === 'function' ? undefined : resolve(given);
    return {
      module: spec,
      params: resolved?.params ?? given,
      location: callSite(),
      issues: resolved?.issues ?? [],
      validate,
      resolve,
    };
  };
  Object.defineProperty(fn, 'name', { value: spec.name });
  specs.set(fn, spec as AnySpec);
  return fn;
}
