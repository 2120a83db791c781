/**
 * Dynamic inclusion in the DSL: Ansible's `include_tasks` (includeTasks) and `include_role`
 * (includeRole, with roles made by defineRole). Both build an `Include` value at load time; what
 * it includes is decided at run time, per host and per loop item, by runner/include-run.ts.
 *
 * The static alternative is a function call in the task list (`tasks: [web(opts)]`, Ansible's
 * import_tasks / import_role): its tasks are known at load time, show in --list-tasks and inherit
 * an enclosing block's keywords, tags included.
 */
import { callSite } from './callsite.js';
import type { LoadError, SourceLocation } from './errors.js';
import type { InheritedKeywords, Items, Task, When } from './dsl.js';
import type { HostContext } from './module.js';
import { issuesError, keywordIssues } from './structure.js';
import type { Vars } from './vars.js';

/** Ansible's loop_control, for an include's `loop`. */
export interface LoopControl {
  /** The variable the included tasks read the item from (`h.vars[loop_var]`). @default 'item' */
  loop_var?: string;
  /** A variable holding the item's 0-based position. */
  index_var?: string;
  /** What the output shows for the item (`=> (item=<label>)`), from the context with the item bound. @default the item */
  label?: (ctx: HostContext) => unknown;
  /** Also set `ansible_loop` (index, index0, first, last, length, revindex, revindex0, allitems, previtem, nextitem). @default false */
  extended?: boolean;
}

/**
 * Ansible's `include_tasks` keywords. `when` and `tags` are the include's own: they decide whether
 * it runs (per host, and per item with a `loop`); the included tasks do NOT inherit them (they do
 * inherit the enclosing blocks' and the play's, and the include's `vars`); `apply` gives keywords
 * to every included task (`apply: { tags: ['web'], become: true }`), as Ansible's `apply`.
 */
export interface IncludeOptions<T = unknown> {
  /** The include runs on a host (for an item) only where this holds; not inherited by the included tasks. */
  when?: When;
  /** Tags of the include itself (to select it); not inherited by the included tasks. */
  tags?: string | string[];
  /** Variables the included tasks see (task-level vars). */
  vars?: Vars;
  /** Keywords every included task inherits, as an enclosing block's would (tags included). */
  apply?: InheritedKeywords;
  /** Include once per item, each time with the item bound (`h.item`, and `h.vars.item` or loop_control's loop_var). */
  loop?: readonly T[] | ((ctx: HostContext) => readonly T[]);
  loop_control?: LoopControl;
}

/** What an include gives for one host (and item): the items to run and, for a role, its vars. */
export interface Expansion {
  items: Items;
  /** Variables the items see as task vars (a role's vars; includeTasks' `vars` are in the scope already). */
  vars?: Vars;
}

/** What includeRole adds to an include. */
export interface RoleInclude {
  /** The role's name: its tasks and handlers show as `<name> : <task>`, as Ansible's role tasks. */
  readonly name: string;
  readonly handlers: readonly Task[];
  /** The role's vars stay visible to the play's later tasks on the host. */
  readonly public: boolean;
}

export interface Include {
  readonly kind: 'include';
  readonly name: string;
  /** Called at run time with the host's context (the loop item bound); may throw, failing that host. */
  readonly expand: (ctx: HostContext) => Expansion;
  readonly options: IncludeOptions;
  readonly role?: RoleInclude;
  readonly location: SourceLocation | undefined;
  readonly error?: LoadError;
}

function includeIssues(kind: 'Include' | 'IncludeRole', options: unknown): string[] {
  const o = options as IncludeOptions | undefined;
  return [
    ...keywordIssues(kind, options),
    ...(o && typeof o === 'object' && o.apply !== undefined ? keywordIssues('Apply', o.apply).map((i) => `apply: ${i}`) : []),
    ...(o && typeof o === 'object' && o.loop_control !== undefined ? keywordIssues('LoopControl', o.loop_control).map((i) => `loop_control: ${i}`) : []),
    ...(o && typeof o === 'object' && o.loop_control !== undefined && o.loop === undefined ? ["'loop_control' needs a 'loop'"] : []),
  ];
}

/**
 * Ansible's `include_tasks`: `includeTasks('web tasks', (h) => web(h.vars.site), { apply: { tags: ['web'] } })`.
 * With `loop`, the function is called per host for each item (`h.item`), and each item's tasks
 * run with it bound: `includeTasks('site', (h) => site(h.item), { loop: ['a', 'b'] })`.
 */
export function includeTasks<T = unknown>(name: string, tasks: (ctx: HostContext & { item: T }) => Items, options: IncludeOptions<T> = {}): Include {
  const location = callSite();
  const issues = [
    ...(typeof name === 'string' ? [] : [`the name must be a string, got ${typeof name}`]),
    ...(typeof tasks === 'function' ? [] : ['the second argument must be a function of the host returning tasks']),
    ...includeIssues('Include', options),
  ];
  const error = issuesError(`include_tasks '${String(name)}'`, issues, location);
  return {
    kind: 'include',
    name,
    expand: (ctx) => ({ items: tasks(ctx as HostContext & { item: T }) }),
    options: (options ?? {}) as IncludeOptions,
    location,
    ...(error ? { error } : {}),
  };
}

/**
 * A role for includeRole(): its name, its main tasks as a function of its typed vars, other entry
 * points (Ansible's tasks_from: `tasks/<name>.yml`), and its handlers. Hostwright's roles are
 * functions of typed vars (playbooks/roles/); defineRole puts one with its handlers under a name.
 */
export interface Role<V = Vars, E extends string = never> {
  readonly kind: 'role';
  readonly name: string;
  readonly main: (vars: V) => Items;
  readonly entries: Readonly<Record<E, (vars: V) => Items>>;
  readonly handlers: readonly Task[];
}

export interface RoleDefinition<V, E extends string> {
  /** Other entry points, chosen with includeRole's `tasks_from` (Ansible's tasks/<name>.yml). */
  entries?: Record<E, (vars: V) => Items>;
  /** Handlers the role's tasks notify; they join the play's handlers when the role is included. */
  handlers?: readonly Task[];
}

/** `defineRole('web', web, { handlers: webHandlers, entries: { reload: webReload } })`. */
export function defineRole<V = Vars, E extends string = never>(name: string, main: (vars: V) => Items, definition: RoleDefinition<V, E> = {}): Role<V, E> {
  const issues = [
    ...(typeof name === 'string' && name !== '' ? [] : ['the name must be a non-empty string']),
    ...(typeof main === 'function' ? [] : ['the main tasks must be a function of the role vars returning tasks']),
    ...Object.entries(definition.entries ?? {}).flatMap(([k, f]) => (typeof f === 'function' ? [] : [`entry '${k}' must be a function of the role vars returning tasks`])),
  ];
  const error = issuesError(`role '${String(name)}'`, issues, callSite());
  // A role is made once, at load: a broken one stops the load here (it has no task list to join).
  if (error) throw error;
  return { kind: 'role', name, main, entries: (definition.entries ?? {}) as Record<E, (vars: V) => Items>, handlers: definition.handlers ?? [] };
}

/** includeRole()'s keywords: include_tasks' plus the role's vars, entry point and visibility. */
export interface IncludeRoleOptions<V, E extends string, T = unknown> extends Omit<IncludeOptions<T>, 'vars'> {
  /** The banner's name. @default 'include_role : <role name>' */
  name?: string;
  /** The role's vars, or a function of the host (the loop item bound) giving them; its tasks also see them as variables. */
  vars?: V | ((ctx: HostContext & { item: T }) => V);
  /** Which entry point to run instead of the main tasks (Ansible's tasks_from). */
  tasks_from?: E;
  /** The role's vars stay visible to the play's later tasks on the host (Ansible's `public`). @default false */
  public?: boolean;
}

/**
 * Ansible's `include_role`: the role's tasks are made when each host reaches it (per loop item),
 * from its vars; they show as `<role> : <task>`, its handlers join the play's.
 */
export function includeRole<V, E extends string = never, T = unknown>(role: Role<V, E>, options: IncludeRoleOptions<V, E, T> = {}): Include {
  const location = callSite();
  const { name, vars, tasks_from: from, public: isPublic, ...rest } = options ?? {};
  const isRole = typeof role === 'object' && role !== null && (role as { kind?: unknown }).kind === 'role';
  const issues = [
    ...(isRole ? [] : [`the first argument must be a role from defineRole(), got ${typeof role === 'function' ? 'a function (wrap it: defineRole(name, fn))' : typeof role}`]),
    ...includeIssues('IncludeRole', options),
    ...(isRole && from !== undefined && typeof from === 'string' && !(from in role.entries)
      ? [`tasks_from '${from}' is not an entry of role '${role.name}' (entries: ${Object.keys(role.entries).join(', ') || 'none'})`]
      : []),
  ];
  // Not a role: named for the message (a function by its own name, never by its source text).
  const roleName = isRole ? role.name : typeof role === 'function' ? (role as { name: string }).name || 'anonymous' : String(role);
  const error = issuesError(`include_role '${roleName}'`, issues, location);
  const entry = isRole ? (from !== undefined ? role.entries[from] : role.main) : undefined;
  return {
    kind: 'include',
    name: name ?? `include_role : ${roleName}`,
    expand: (ctx) => {
      const v = (typeof vars === 'function' ? (vars as (c: HostContext) => V)(ctx) : vars) as V;
      return { items: entry!(v), ...(v && typeof v === 'object' ? { vars: v as Vars } : {}) };
    },
    options: rest as IncludeOptions,
    role: { name: roleName, handlers: isRole ? role.handlers : [], public: isPublic === true },
    location,
    ...(error ? { error } : {}),
  };
}
