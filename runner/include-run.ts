/**
 * A dynamic include (includeTasks / includeRole) on the hosts that reached it, as Ansible's
 * strategy expands include_tasks / include_role (executor/task_executor.py, then
 * playbook/included_file.py's process_include_results):
 *
 *  1. per host: the `loop` is evaluated (before `when`, so a loop that is not a list fails even
 *     where `when` would be false); then per item, with the item bound (`h.item`, `h.vars.item`
 *     or loop_control's loop_var, index_var, ansible_loop), the include's `when` and its
 *     enclosing blocks' are evaluated: an item where they are false prints `skipping: [h] =>
 *     (item=x)` and is not counted; a host where no item (or, without a loop, the include) runs
 *     prints `skipping: [h]` and counts skipped. Then the function is called and what it returns
 *     checked like a playbook's tasks at load (a broken result fails the host).
 *  2. the (host, item) pairs are grouped as Ansible's IncludedFile: the same include with the same
 *     loop vars is one "file", which all its hosts run together; a host that includes the same
 *     item twice opens a new one. include_tasks prints `included: <name> for h1, h2 => (item=x)`
 *     per file and counts ok per host; include_role prints nothing and counts nothing.
 *
 * The caller (schedule.ts) lays the files' tasks out in that order after the include.
 */
import { flat, modulesIn, play, validatePlays, type InheritedKeywords, type Item, type Items, type Task } from './dsl.js';
import { UnreachableError } from './errors.js';
import { itemLabel, scopeContext, type BatchContext, type Outcome } from './execute.js';
import type { Include, LoopControl } from './include.js';
import { loadModules, type HostContext } from './module.js';
import type { TaskResult } from './module.types.js';
import { Unpredictable } from './predict.js';
import { itemIssues } from './structure.js';
import { tagList } from './tags.js';
import type { Vars } from './vars.js';

/** What an include node carries into the expansion (schedule.ts's IncludeNode). */
export interface IncludeStep {
  readonly include: Include;
  readonly scopes: readonly InheritedKeywords[];
  /** The play's and enclosing blocks' tags: what the included tasks inherit (not the include's own). */
  readonly tags: ReadonlySet<string>;
  /** The role whose tasks this include is among (its included tasks show under the role's name too). */
  readonly role?: string | undefined;
}

/** One host's share of an included file: the tasks to compile and what they inherit. */
export interface IncludedPart {
  readonly items: Item[];
  readonly scopes: readonly InheritedKeywords[];
  readonly tags: ReadonlySet<string>;
  /** The role the items belong to, for nested includes among them. */
  readonly role?: string | undefined;
}

/** Ansible's IncludedFile: one include with one set of loop vars, and the hosts that run it. */
export interface IncludedFile {
  readonly key: string;
  readonly label?: string | undefined;
  readonly hosts: string[];
  readonly parts: Map<string, IncludedPart>;
}

export interface Expanded {
  readonly outcomes: Map<string, Outcome>;
  readonly files: IncludedFile[];
  /** An included role's handlers (renamed `<role> : <name>`), to join the play's. */
  readonly handlers: Task[];
}

const LOOP_HINT = 'Hint: If you passed a list/dict of just one element, try adding wantlist=True to your lookup invocation or use q/query instead of lookup.';

/** The variables of one loop item, as Ansible's task executor sets them (and IncludedFile compares them). */
function loopVars(control: LoopControl, items: readonly unknown[], index: number): Vars {
  const vars: Vars = { [control.loop_var ?? 'item']: items[index] };
  if (control.index_var) vars[control.index_var] = index;
  if (control.extended) {
    vars.ansible_loop = {
      allitems: items,
      index: index + 1,
      index0: index,
      revindex: items.length - index,
      revindex0: items.length - index - 1,
      first: index === 0,
      last: index === items.length - 1,
      length: items.length,
      ...(index > 0 ? { previtem: items[index - 1] } : {}),
      ...(index < items.length - 1 ? { nextitem: items[index + 1] } : {}),
    };
  }
  return vars;
}

function describeValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
}

/** Tasks (and handlers) of a role show as `<role> : <name>`; a handler also answers to that name. */
function underRole(items: readonly Item[], role: string): Item[] {
  return items.map((item): Item => {
    if (item.kind === 'task') return { ...item, name: `${role} : ${item.name}` };
    if (item.kind === 'block') return { ...item, block: underRole(item.block, role), rescue: underRole(item.rescue, role), always: underRole(item.always, role) };
    return item;
  });
}

function roleHandlers(handlers: readonly Task[], role: string): Task[] {
  return handlers.map((h) => ({ ...h, name: `${role} : ${h.name}`, listen: [...(h.listen ?? [h.name]), `${role} : ${h.name}`] }));
}

/** The items an include returned, checked as a playbook's would be at load (against the play's handlers). */
function checkItems(include: Include, raw: Items, handlers: readonly Task[]): { items: Item[]; error?: string } {
  const what = include.role ? `include_role '${include.role.name}'` : `include_tasks '${include.name}'`;
  const shape = itemIssues(what, raw);
  if (shape.length) return { items: [], error: shape.join('; ') };
  const items = flat(raw);
  const broken = validatePlays([play({ hosts: 'all', tasks: items, handlers: [...handlers] })]);
  return broken.length ? { items: [], error: broken.map((e) => e.message).join('; ') } : { items };
}

/** The host's list of public role vars for the rest of the play (scopedContext reads it). */
function publicVars(b: BatchContext, host: string): Vars[] {
  let list = b.publicVars?.get(host);
  if (!list) b.publicVars?.set(host, (list = []));
  return list ?? [];
}

/** One included item for one host, before grouping. */
interface Inclusion {
  readonly key: string;
  readonly label: string | undefined;
  readonly part: IncludedPart;
}

/**
 * Expands `step` on `hosts` (printing and counting as Ansible does) and returns each host's
 * outcome and the included files in Ansible's order. `handlers` are those the included tasks may
 * notify besides the role's own (the play's, and roles included earlier).
 */
export async function expandInclude(b: BatchContext, step: IncludeStep, hosts: readonly string[], handlers: readonly Task[]): Promise<Expanded> {
  const run = b.run;
  const { include } = step;
  const { options } = include;
  const role = include.role?.name ?? step.role;
  const ownHandlers = include.role ? roleHandlers(include.role.handlers, include.role.name) : [];
  const outcomes = new Map<string, Outcome>();
  const perHost = new Map<string, Inclusion[]>();

  const emit = (host: string, status: 'skipped' | 'failed' | 'unreachable', result: TaskResult, extra: { item?: string; dependsOn?: string } = {}) =>
    run.emit({ type: 'host_result', host, task: include.name, status, ...extra, result });
  const failure = (host: string, e: unknown, item?: string) => {
    const msg = run.masker.mask(e instanceof Error ? e.message : String(e));
    emit(host, 'failed', { changed: false, failed: true, msg }, item !== undefined ? { item } : {});
  };
  const dependent = (host: string, e: Unpredictable, item?: string) =>
    emit(host, 'skipped', { changed: false, failed: false, skipped: true, skip_reason: e.message, depends_on: e.by }, { dependsOn: e.by, ...(item !== undefined ? { item } : {}) });

  for (const host of hosts) {
    const mine: Inclusion[] = [];
    perHost.set(host, mine);
    let base: HostContext;
    let list: readonly unknown[] | undefined;
    try {
      base = await scopeContext(b, step.scopes, options.vars, host);
      const loop = options.loop;
      list = typeof loop === 'function' ? loop(base) : loop;
      if (list !== undefined && !Array.isArray(list)) {
        throw new Error(`Invalid data passed to 'loop', it requires a list, got this instead: ${describeValue(list)}. ${LOOP_HINT}`);
      }
      if (list) run.masker.addSecretsIn(list);
    } catch (e) {
      if (e instanceof UnreachableError) {
        emit(host, 'unreachable', { changed: false, failed: false, unreachable: true, msg: run.masker.mask(e.message) });
        run.count(host, 'unreachable');
        outcomes.set(host, 'unreachable');
      } else if (e instanceof Unpredictable) {
        dependent(host, e);
        run.count(host, 'skipped');
        outcomes.set(host, 'ok');
      } else {
        failure(host, e);
        run.count(host, 'failed');
        outcomes.set(host, 'failed');
      }
      continue;
    }

    const control = options.loop_control ?? {};
    let failed = false;
    let skippedAll = true;
    for (let index = 0; index < (list ? list.length : 1); index++) {
      const special = list ? loopVars(control, list, index) : undefined;
      let label: string | undefined;
      try {
        // A fresh context per item (a spread would lose the hidden results that `task.result(h)` reads).
        const ctx: HostContext = special ? Object.assign(await scopeContext(b, step.scopes, { ...options.vars, ...special }, host), { item: list![index] }) : base;
        label = special ? itemLabel(control.label ? control.label(ctx) : list![index]) : undefined;
        if (![...step.scopes.map((s) => s.when), options.when].every((w) => w === undefined || w(ctx))) {
          // An item's skip is shown, not counted; the include's own (no loop) is both.
          emit(host, 'skipped', { changed: false, failed: false, skipped: true, skip_reason: 'Conditional result was False' }, label !== undefined ? { item: label } : {});
          continue;
        }
        skippedAll = false;
        const expansion = include.expand(ctx);
        const { items, error } = checkItems(include, expansion.items, [...handlers, ...ownHandlers]);
        if (error !== undefined) throw new Error(error);
        await loadModules(modulesIn([...items, ...ownHandlers]));
        const itemScope: Vars = { ...options.vars, ...special, ...expansion.vars };
        if (include.role?.public && expansion.vars) {
          publicVars(b, host).push(expansion.vars);
          b.run.prepared.varsWritten();
        }
        mine.push({
          key: JSON.stringify(special ?? {}) + (label !== undefined ? `\0${label}` : ''),
          label,
          part: {
            items: role !== undefined ? underRole(items, role) : items,
            scopes: [...step.scopes, ...(Object.keys(itemScope).length ? [{ vars: itemScope }] : []), ...(options.apply ? [options.apply] : [])],
            tags: new Set([...step.tags, ...tagList(options.apply?.tags)]),
            role,
          },
        });
      } catch (e) {
        if (e instanceof Unpredictable) {
          dependent(host, e, label);
          continue;
        }
        if (e instanceof UnreachableError) throw e;
        failure(host, e, label);
        failed = true;
        skippedAll = false;
      }
    }
    if (failed) {
      run.count(host, 'failed');
      outcomes.set(host, 'failed');
      continue;
    }
    outcomes.set(host, 'ok');
    if (skippedAll && mine.length === 0) {
      // A loop that ran no item (or an empty one) is one skip for the host, as Ansible's.
      if (list) emit(host, 'skipped', { changed: false, failed: false, skipped: true, skip_reason: list.length ? 'All items skipped' : 'No items in the list' });
      run.count(host, 'skipped');
    }
  }

  const files = groupIncluded(hosts, perHost);
  for (const file of files) {
    for (const host of file.hosts) {
      if (include.role) {
        // include_role has no line of its own (Ansible's default callback prints none) and no count.
        run.emit({ type: 'host_result', host, task: include.name, status: 'ok', roleIncluded: include.role.name, result: { changed: false, failed: false } });
        continue;
      }
      run.emit({
        type: 'host_result',
        host,
        task: include.name,
        status: 'ok',
        included: include.name,
        includedHosts: file.hosts,
        ...(file.label !== undefined ? { item: file.label } : {}),
        result: { changed: false, failed: false, include: include.name },
      });
      run.count(host, 'ok');
    }
  }
  return { outcomes, files, handlers: ownHandlers };
}

/**
 * process_include_results' grouping: hosts in order, each host's items in order; an item joins the
 * first file with its key that does not have the host yet, or starts a new one at the end.
 */
export function groupIncluded(hosts: readonly string[], perHost: ReadonlyMap<string, readonly { key: string; label: string | undefined; part: IncludedPart }[]>): IncludedFile[] {
  const files: IncludedFile[] = [];
  for (const host of hosts) {
    for (const inc of perHost.get(host) ?? []) {
      let file = files.find((f) => f.key === inc.key && !f.parts.has(host));
      if (!file) files.push((file = { key: inc.key, label: inc.label, hosts: [], parts: new Map() }));
      file.hosts.push(host);
      file.parts.set(host, inc.part);
    }
  }
  return files;
}
