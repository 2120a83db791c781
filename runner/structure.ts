/**
 * The shape of plays, blocks and tasks, checked at load time. TypeScript catches most of these
 * mistakes, but tsx does not type-check and a playbook may be plain JS or cast with `as any`:
 * without this check a play without `hosts` or `loop: 5` would surface mid-run as a TypeError
 * after earlier tasks had already changed hosts. Each problem names file:line and the field, like
 * Ansible's parser errors ("the field 'hosts' is required but was not set").
 *
 * A keyword added to PlayOptions, TaskOptions or InheritedKeywords must be added to a table here,
 * or playbooks using it are refused as having an unknown attribute.
 */
import { LoadError, type SourceLocation } from './errors.js';

type Check = [test: (v: unknown) => boolean, expected: string];

const isBool: Check = [(v) => typeof v === 'boolean', 'a boolean'];
const isString: Check = [(v) => typeof v === 'string', 'a string'];
const isFunction: Check = [(v) => typeof v === 'function', 'a function'];
const isStringOrFunction: Check = [(v) => typeof v === 'string' || typeof v === 'function', 'a string or a function'];
const isStrings: Check = [
  (v) => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')),
  'a string or a list of strings',
];
const isMapping: Check = [(v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'a mapping of variables'];
const isList: Check = [(v) => Array.isArray(v), 'a list'];
const isLoop: Check = [(v) => Array.isArray(v) || typeof v === 'function', 'a list or a function returning one'];
const isPercent: Check = [(v) => typeof v === 'number' && Number.isFinite(v), 'a number'];
const isSerial: Check = [
  (v) => (Array.isArray(v) ? v : [v]).every((x) => (typeof x === 'number' && Number.isFinite(x)) || typeof x === 'string'),
  'a number, a percentage string or a list of those',
];
const oneOf = (...values: string[]): Check => [(v) => typeof v === 'string' && values.includes(v), `one of ${values.map((x) => `'${x}'`).join(', ')}`];

/** Keywords a block or play passes down (dsl.ts InheritedKeywords). */
const INHERITED: Record<string, Check> = {
  when: isFunction,
  become: isBool,
  become_user: isString,
  tags: isStrings,
  check_mode: isBool,
  diff: isBool,
  ignore_errors: isBool,
  no_log: isBool,
  vars: isMapping,
  delegate_to: isStringOrFunction,
  run_once: isBool,
};

const TASK: Record<string, Check> = {
  ...INHERITED,
  loop: isLoop,
  register: isString,
  notify: isStrings,
  changed_when: isFunction,
  failed_when: isFunction,
};

const HANDLER: Record<string, Check> = { ...TASK, listen: isStrings };

const BLOCK: Record<string, Check> = { ...INHERITED, name: isString, block: isList, rescue: isList, always: isList };

const PLAY: Record<string, Check> = {
  name: isString,
  hosts: isString,
  vars: isMapping,
  become: isBool,
  become_user: isString,
  gather_facts: isBool,
  pre_tasks: isList,
  tasks: isList,
  post_tasks: isList,
  handlers: isList,
  serial: isSerial,
  strategy: oneOf('linear', 'free'),
  any_errors_fatal: isBool,
  max_fail_percentage: isPercent,
  order: oneOf('inventory', 'reverse_inventory', 'sorted', 'reverse_sorted', 'shuffle'),
  tags: isStrings,
  force_handlers: isBool,
  check_mode: isBool,
  diff: isBool,
  no_log: isBool,
  ignore_errors: isBool,
};

/** includeTasks()'s own keywords; `apply` holds the keywords its tasks inherit (checked as 'Apply'). */
const INCLUDE: Record<string, Check> = { when: isFunction, tags: isStrings, vars: isMapping, apply: isMapping, loop: isLoop, loop_control: isMapping };

/** includeRole()'s: include_tasks' with the role's vars (a mapping or a function of the host), entry point and visibility. */
const INCLUDE_ROLE: Record<string, Check> = {
  ...INCLUDE,
  name: isString,
  vars: [(v) => isMapping[0](v) || typeof v === 'function', 'a mapping of variables or a function of the host returning one'],
  tasks_from: isString,
  public: isBool,
};

const isVarName: Check = [(v) => typeof v === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(v), 'a variable name'];
const LOOP_CONTROL: Record<string, Check> = { loop_var: isVarName, index_var: isVarName, label: isFunction, extended: isBool };

export type Kind = 'Play' | 'Task' | 'Handler' | 'Block' | 'Include' | 'IncludeRole' | 'Apply' | 'LoopControl';
const TABLES: Record<Kind, Record<string, Check>> = {
  Play: PLAY,
  Task: TASK,
  Handler: HANDLER,
  Block: BLOCK,
  Include: INCLUDE,
  IncludeRole: INCLUDE_ROLE,
  Apply: INHERITED,
  LoopControl: LOOP_CONTROL,
};

/** Problems with one play's, task's or block's keywords: unknown names and wrong types. */
export function keywordIssues(kind: Kind, options: unknown): string[] {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    return [`the ${kind.toLowerCase()}'s options must be an object, got ${describe(options)}`];
  }
  const table = TABLES[kind];
  const issues: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    // An explicit `undefined` is how optional keywords are often passed on (`{ when: cond }`).
    if (value === undefined) continue;
    const check = table[key];
    if (!check) issues.push(`'${key}' is not a valid attribute for a ${kind}`);
    else if (!check[0](value)) issues.push(`field '${key}' must be ${check[1]}, got ${describe(value)}`);
  }
  if (kind === 'Play') {
    const hosts = (options as { hosts?: unknown }).hosts;
    if (hosts === undefined || hosts === null) issues.unshift("the field 'hosts' is required but was not set");
    else if (typeof hosts === 'string' && hosts.trim() === '') issues.unshift('Hosts list cannot be empty. Please check your playbook');
  }
  return issues;
}

/** Items of a task list that are not tasks, blocks or flushHandlers() (a stray value, a typo). */
export function itemIssues(field: string, items: unknown, allowed: readonly string[] = ['task', 'block', 'meta', 'include']): string[] {
  if (!Array.isArray(items)) return [];
  const issues: string[] = [];
  const visit = (list: readonly unknown[], prefix: string): void =>
    list.forEach((item, i) => {
      if (Array.isArray(item)) return visit(item, `${prefix}[${i}]`);
      const kind = typeof item === 'object' && item !== null ? (item as { kind?: unknown }).kind : undefined;
      if (typeof kind !== 'string' || !allowed.includes(kind)) {
        issues.push(`${prefix}[${i}] must be ${allowed.includes('block') ? 'a task(), block(), includeTasks() or flushHandlers()' : 'a handler()'}, got ${describe(item)}`);
      }
    });
  visit(items, field);
  return issues;
}

/** One LoadError for a list of issues of one play, task or block. */
export function issuesError(what: string, issues: readonly string[], location: SourceLocation | undefined): LoadError | undefined {
  return issues.length === 0 ? undefined : new LoadError(`${what}: ${issues.join('; ')}`, location);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}
