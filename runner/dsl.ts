/**
 * The playbook DSL: play(), task(), handler(), block(), the metas (flushHandlers(), endHost(), endPlay(),
 * clearHostErrors()), playbook().
 * Everything here builds plain values at load time; nothing touches a host. Module parameter
 * problems are gathered per task into one LoadError (file:line, task name, field) and reported
 * together by validatePlays() before any connection is opened.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { callSite } from './callsite.js';
import { LoadError, type SourceLocation } from './errors.js';
import type { HostContext, ModuleCall, ModuleSpec, ParamIssue, ResultOf } from './module.js';
import type { TaskResult } from './module.types.js';
import type { Vars } from './vars.js';
import { issuesError, itemIssues, keywordIssues, type Kind } from './structure.js';
import type { Include } from './include.js';

/**
 * Any module's call. Params stay checked where the call is written (`copy({...})`); here only the
 * shape matters, and ajv's JSONSchemaType<P> does not widen to <any>, so the schema is left out.
 */
export type AnyModuleCall = Omit<ModuleCall<any, any>, 'module'> & { readonly module: Omit<ModuleSpec<any, any>, 'schema'> };
export type When = (ctx: HostContext) => boolean;

/** Keywords a block passes down to the tasks inside it (and a play to all its tasks). */
export interface InheritedKeywords {
  when?: When;
  become?: boolean;
  become_user?: string;
  tags?: string | string[];
  check_mode?: boolean;
  diff?: boolean;
  ignore_errors?: boolean;
  no_log?: boolean;
  /** Block/task vars: above play vars, below registered results and extra vars (vars.ts). */
  vars?: Vars;
  delegate_to?: string | ((ctx: HostContext) => string);
  run_once?: boolean;
}

/** A task result after a loop: Ansible's `results` list, one entry per item. */
export interface LoopResult<R extends TaskResult = TaskResult> extends TaskResult {
  results: (R & { item: unknown; ansible_loop_var: 'item' })[];
}

export interface TaskOptions<R extends TaskResult = TaskResult> extends InheritedKeywords {
  /** Items to run the task for; each run sees the item as `ctx.item`. */
  loop?: readonly unknown[] | ((ctx: HostContext) => readonly unknown[]);
  /** Also store the result under this variable name, as Ansible's `register`. */
  register?: string;
  /** Handler names or `listen` topics to notify when the task reports changed. */
  notify?: string | string[];
  changed_when?: (result: R, ctx: HostContext) => boolean;
  failed_when?: (result: R, ctx: HostContext) => boolean;
}

export interface HandlerOptions extends TaskOptions {
  /** Topics this handler also answers to (Ansible's `listen`). */
  listen?: string | string[];
}

/** Hidden per-host store of task results, attached to every HostContext the runner builds. */
export const RESULTS: unique symbol = Symbol('hostwright.results');
type WithResults = HostContext & { [RESULTS]?: Map<number, TaskResult> };

let nextTaskId = 1;

/**
 * A task value. Registering is typed through the handle itself: keep the value `task()` returns
 * and read its result for the current host in a later task's `when` —
 *
 *   const motd = task('stat motd', stat({ path: '/etc/motd' }));
 *   task('fix motd', copy({...}), { when: (h) => !motd.result(h)?.stat.exists });
 *
 * `task<StatResult>(...)` types `result()`; with `loop`, the result is a LoopResult of it. The
 * `register: 'name'` keyword still stores it as a variable for Ansible-style access through
 * `ctx.vars` or `registered<T>(ctx, 'name')`.
 */
export interface Task<R extends TaskResult = TaskResult> {
  readonly kind: 'task';
  readonly id: number;
  readonly name: string;
  readonly call: AnyModuleCall;
  readonly options: TaskOptions<any>;
  readonly location: SourceLocation | undefined;
  /** Parameter problems found at load time, already phrased with file:line and task name. */
  readonly error: LoadError | undefined;
  /** Set for handlers: the names it is notified by (its name plus `listen` topics). */
  readonly listen?: string[];
  /** This task's result on the host of `ctx`, once it ran there (undefined before or if skipped by tags). */
  result(ctx: HostContext): R | undefined;
}

export interface Block {
  readonly kind: 'block';
  readonly name?: string;
  readonly block: Item[];
  readonly rescue: Item[];
  readonly always: Item[];
  readonly options: InheritedKeywords;
  readonly location: SourceLocation | undefined;
  /** Wrong keywords or a part that is not a list (structure.ts), reported by validatePlays. */
  readonly error?: LoadError;
}

/** Ansible's `meta:` actions that steer the play (refresh_inventory does not apply: inventories load once). */
export type MetaAction = 'flush_handlers' | 'end_play' | 'end_host' | 'clear_host_errors';

export interface MetaOptions {
  /** Shown in the task banner and --list-tasks. @default 'meta' */
  name?: string;
  /** Only act where this holds (end_play and clear_host_errors decide on the first host, as Ansible's run-once metas). */
  when?: When;
  tags?: string | string[];
}

export interface Meta {
  readonly kind: 'meta';
  readonly action: MetaAction;
  readonly options: MetaOptions;
  readonly location: SourceLocation | undefined;
}

export { includeTasks, includeRole, defineRole } from './include.js';
export type { Include, IncludeOptions, IncludeRoleOptions, LoopControl, Role } from './include.js';

export type Item = Task<any> | Block | Meta | Include;

/** The modules these items' tasks call, inside blocks too (an include's own load when it is expanded). */
export function modulesIn(items: readonly Item[]): AnyModuleCall['module'][] {
  return items.flatMap((item) => {
    if (item.kind === 'block') return modulesIn([...item.block, ...item.rescue, ...item.always]);
    return item.kind === 'task' ? [item.call.module] : [];
  });
}
/**
 * Roles are plain functions returning tasks, so lists may nest: `tasks: [common(), web({ port })]`.
 * To give a role's tasks tags or other keywords (Ansible's `roles: [{ role: x, tags: [...] }]`),
 * wrap it: `block({ tags: ['web'], become: true, block: web({ port }) })`.
 */
export type Items = readonly (Item | Items)[];

/** Not-a-list values are left to validatePlays (structure.ts) to report, with the play's location. */
export function flat(items: Items | undefined): Item[] {
  if (!Array.isArray(items)) return [];
  // Stray values (null, a string) are reported by validatePlays and never walked.
  return items.flatMap((i) => (Array.isArray(i) ? flat(i as Items) : typeof i === 'object' && i !== null ? [i as Item] : []));
}

export function toList(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Parameter issues as one line, `copy: field 'mode' must be string; ...`: at load time and per host. */
export function issuesText(moduleName: string, issues: readonly ParamIssue[]): string {
  return `${moduleName}: ${issues.map((i) => (i.field ? `field '${i.field}' ${i.message}` : i.message)).join('; ')}`;
}

function paramError(name: string, call: AnyModuleCall, loc: SourceLocation | undefined): LoadError | undefined {
  if (!call?.module) return new LoadError(`task '${name}': the second argument must be a module call`, loc);
  if (call.issues.length === 0) return undefined;
  return new LoadError(`task '${name}': ${issuesText(call.module.name, call.issues)}`, call.location ?? loc);
}

function makeTask(name: string, call: AnyModuleCall, options: TaskOptions<any>, kind: Kind, listen?: string[]): Task<any> {
  const location = callSite();
  const id = nextTaskId++;
  const shape = issuesError(
    `${kind.toLowerCase()} '${String(name)}'`,
    [...(typeof name === 'string' ? [] : [`the name must be a string, got ${typeof name}`]), ...keywordIssues(kind, options)],
    location,
  );
  return {
    kind: 'task',
    id,
    name,
    call,
    options,
    location,
    // The shape first: a wrong keyword makes the params' problems secondary.
    error: shape ?? paramError(name, call, location),
    ...(listen ? { listen } : {}),
    result: (ctx) => (ctx as WithResults)[RESULTS]?.get(id),
  };
}

// The result type comes from the module call (stat's `stat`, command's `stdout`, ...); the
// explicit `task<R>(...)` forms remain for results shaped by changed_when or a custom module.
export function task<C extends AnyModuleCall>(
  name: string,
  call: C,
  options: TaskOptions<ResultOf<C>> & { loop: NonNullable<TaskOptions['loop']> },
): Task<LoopResult<ResultOf<C>>>;
export function task<C extends AnyModuleCall>(name: string, call: C, options?: TaskOptions<ResultOf<C>>): Task<ResultOf<C>>;
export function task<R extends TaskResult = TaskResult>(
  name: string,
  call: AnyModuleCall,
  options: TaskOptions<R> & { loop: NonNullable<TaskOptions['loop']> },
): Task<LoopResult<R>>;
export function task<R extends TaskResult = TaskResult>(name: string, call: AnyModuleCall, options?: TaskOptions<R>): Task<R>;
export function task(name: string, call: AnyModuleCall, options: TaskOptions<any> = {}): Task<any> {
  return makeTask(name, call, options, 'Task');
}

export function handler(name: string, call: AnyModuleCall, options: HandlerOptions = {}): Task {
  const { listen, ...rest } = options ?? {};
  const task = makeTask(name, call, rest, 'Handler', [name, ...toList(listen)]);
  const listenIssues = keywordIssues('Handler', { listen });
  if (listenIssues.length === 0 || task.error) return task;
  return { ...task, error: issuesError(`handler '${name}'`, listenIssues, task.location) };
}

/** Ansible-style access to a `register`ed result from a `when` or dynamic params. */
export function registered<T extends TaskResult = TaskResult>(ctx: HostContext, name: string): T | undefined {
  return name in ctx.vars ? (ctx.vars[name] as T) : undefined;
}

export interface BlockOptions extends InheritedKeywords {
  name?: string;
  block: Items;
  /** Runs on a host when a task in `block` failed there; success here rescues the host. */
  rescue?: Items;
  /** Runs after block (and rescue) whatever happened. */
  always?: Items;
}

export function block(options: BlockOptions): Block {
  const { name, block: body, rescue, always, ...keywords } = options ?? ({} as BlockOptions);
  const location = callSite();
  const issues = [
    ...keywordIssues('Block', options),
    ...(body === undefined ? ["the field 'block' is required but was not set"] : []),
    ...itemIssues('block', body),
    ...itemIssues('rescue', rescue),
    ...itemIssues('always', always),
  ];
  const error = issuesError(`block${typeof name === 'string' ? ` '${name}'` : ''}`, issues, location);
  return {
    kind: 'block',
    ...(name !== undefined ? { name } : {}),
    block: flat(body),
    rescue: flat(rescue),
    always: flat(always),
    options: keywords,
    location,
    ...(error ? { error } : {}),
  };
}

/** Ansible's `meta: flush_handlers`: run the handlers notified so far, here. */
export function flushHandlers(options: MetaOptions = {}): Meta {
  return { kind: 'meta', action: 'flush_handlers', options, location: callSite() };
}

/** Ansible's `meta: end_host`: this host stops the play here, not failed (no always, no handlers). */
export function endHost(options: MetaOptions = {}): Meta {
  return { kind: 'meta', action: 'end_host', options, location: callSite() };
}

/** Ansible's `meta: end_play`: every host of the play stops here (later serial batches too); the next play runs. */
export function endPlay(options: MetaOptions = {}): Meta {
  return { kind: 'meta', action: 'end_play', options, location: callSite() };
}

/** Ansible's `meta: clear_host_errors`: hosts that failed so far take part in later plays again. */
export function clearHostErrors(options: MetaOptions = {}): Meta {
  return { kind: 'meta', action: 'clear_host_errors', options, location: callSite() };
}

export type HostOrder = 'inventory' | 'reverse_inventory' | 'sorted' | 'reverse_sorted' | 'shuffle';

export interface PlayOptions {
  name?: string;
  /** A host pattern ('web:&prod', 'all', ...). */
  hosts: string;
  vars?: Vars;
  become?: boolean;
  become_user?: string;
  /** @default true */
  gather_facts?: boolean;
  pre_tasks?: Items;
  tasks?: Items;
  post_tasks?: Items;
  handlers?: readonly (Task | readonly Task[])[];
  /** Hosts per batch: a count, a percentage ('30%'), or a list of those for successive batches. */
  serial?: number | string | (number | string)[];
  /** @default 'linear' */
  strategy?: 'linear' | 'free';
  any_errors_fatal?: boolean;
  /** Abort the play when more than this percent of a batch failed. */
  max_fail_percentage?: number;
  /** @default 'inventory' */
  order?: HostOrder;
  tags?: string | string[];
  /** Run notified handlers even on hosts that failed (like --force-handlers). */
  force_handlers?: boolean;
  check_mode?: boolean;
  diff?: boolean;
  no_log?: boolean;
  ignore_errors?: boolean;
}

export interface Play {
  readonly kind: 'play';
  readonly name: string;
  readonly options: PlayOptions;
  readonly pre_tasks: Item[];
  readonly tasks: Item[];
  readonly post_tasks: Item[];
  readonly handlers: Task[];
  readonly location: SourceLocation | undefined;
}

export function play(options: PlayOptions): Play {
  options ??= {} as PlayOptions;
  return {
    kind: 'play',
    // Ansible names an unnamed play after its hosts pattern.
    name: String(options.name ?? options.hosts ?? ''),
    options,
    pre_tasks: flat(options.pre_tasks),
    tasks: flat(options.tasks),
    post_tasks: flat(options.post_tasks),
    handlers: (options.handlers ?? []).flat() as Task[],
    location: callSite(),
  };
}

function* walk(items: Item[]): Generator<Item> {
  for (const item of items) {
    yield item;
    if (item.kind === 'block') {
      yield* walk(item.block);
      yield* walk(item.rescue);
      yield* walk(item.always);
    }
  }
}

/** Every load-time problem in the plays, in source order: bad params, unknown handlers, bad keywords. */
export function validatePlays(plays: readonly Play[]): LoadError[] {
  const errors: LoadError[] = [];
  for (const p of plays) {
    const shape = issuesError(`play '${p.name}'`, [
      ...keywordIssues('Play', p.options),
      ...itemIssues('pre_tasks', p.options.pre_tasks),
      ...itemIssues('tasks', p.options.tasks),
      ...itemIssues('post_tasks', p.options.post_tasks),
      ...itemIssues('handlers', p.options.handlers, ['task']),
    ], p.location);
    if (shape) {
      // The tasks of a play whose shape is wrong may be anything: report the play alone.
      errors.push(shape);
      continue;
    }
    const items = [...walk([...p.pre_tasks, ...p.tasks, ...p.post_tasks])];
    const topics = new Set(p.handlers.flatMap((h) => h.listen ?? [h.name]));
    for (const item of [...items, ...p.handlers]) {
      if ((item.kind === 'block' || item.kind === 'include') && item.error) errors.push(item.error);
      if (item.kind !== 'task') continue;
      if (item.error) {
        // A task whose shape is wrong (notify: 5) has nothing more worth checking.
        errors.push(item.error);
        continue;
      }
      for (const n of toList(item.options.notify)) {
        if (!topics.has(n)) {
          errors.push(
            new LoadError(
              `task '${item.name}': the requested handler '${n}' was not found in either the main handlers list nor in the listening handlers list`,
              item.location,
            ),
          );
        }
      }
    }
    const serial = p.options.serial;
    for (const s of serial === undefined ? [] : Array.isArray(serial) ? serial : [serial]) {
      if (typeof s === 'string' && !/^\d+(\.\d+)?%$/.test(s) && !/^\d+$/.test(s)) {
        errors.push(new LoadError(`play '${p.name}': serial '${s}' must be a number or a percentage like '30%'`, p.location));
      }
    }
  }
  return errors;
}

/** A whole playbook: its plays plus where it lives (relative `src` paths resolve against `dir`). */
export interface Playbook {
  readonly kind: 'playbook';
  readonly file: string;
  readonly dir: string;
  readonly plays: Play[];
}

/**
 * Runs the playbook when its file is the process's entry point; installed by runner/run.ts so
 * this file needs no import of the executor (and the DSL stays loadable in unit tests).
 */
type EntryHandler = (pb: Playbook, argv: string[]) => Promise<number>;
let entryHandler: EntryHandler | undefined;
export function setEntryHandler(fn: EntryHandler): void {
  entryHandler = fn;
}

/** Files that called playbook() in this process, so an entry file that never did can be told so. */
const defined: string[] = [];
export function playbooksDefined(): readonly string[] {
  return defined;
}

function isEntryPoint(file: string): boolean {
  const main = process.argv[1];
  if (!main) return false;
  try {
    return realpathSync(main) === realpathSync(file);
  } catch {
    return false;
  }
}

/**
 * `export default playbook(import.meta, [play(...), ...])`. Imported by another playbook, it is
 * a value whose `plays` compose: `playbook(import.meta, [...base.plays, play(...)])`. Run as
 * `npx tsx playbooks/site.ts [flags]`, it parses the flags and runs, exiting with the code.
 */
export function playbook(meta: ImportMeta, plays: readonly (Play | readonly Play[])[]): Playbook {
  const file = fileURLToPath(meta.url);
  const list = Array.isArray(plays) ? (plays.flat() as unknown[]) : undefined;
  const stray = list?.findIndex((p) => (p as Play | undefined)?.kind !== 'play') ?? -1;
  if (!list || stray >= 0) {
    throw new LoadError(
      list ? `playbook(): entry ${stray} is not a play(), got ${typeof list[stray]}` : `playbook(): the plays must be a list, got ${typeof plays}`,
      callSite(),
    );
  }
  const pb: Playbook = { kind: 'playbook', file, dir: path.dirname(file), plays: list as Play[] };
  defined.push(file);
  if (isEntryPoint(file)) {
    // Next tick: the playbook module finishes evaluating (and exports) before the run starts.
    setImmediate(() => {
      if (!entryHandler) {
        process.stderr.write('ERROR! the runner is not loaded: import the DSL from runner/index.js\n');
        process.exit(1);
      }
      void entryHandler(pb, process.argv.slice(2)).then((code) => process.exit(code));
    });
  }
  return pb;
}
