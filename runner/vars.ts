/**
 * Variable precedence. Ansible's list has 22 levels; the ones Hostwright has keep their relative
 * order (lowest first; the number is Ansible's):
 *
 *    3–10  inventory: group vars, group_vars/, host vars, host_vars/ — merged by the inventory
 *          loader (Inventory.hostVars) with Ansible's own rules
 *    11    host facts — also reachable as `ansible_facts` (and typed as `ctx.facts`)
 *    12    play vars
 *    16    block vars (outer blocks first)
 *    17    task vars
 *    19    set_fact / registered results
 *    22    extra vars (-e): always win
 *
 * Magic variables the runner adds (ansible_check_mode, ansible_play_batch, hostvars, playbook_dir;
 * inventory_hostname, group_names and groups come from the inventory) sit
 * under everything the user sets, so a user value never silently loses to one of ours.
 * Merging is shallow, like Ansible's default hash_behaviour=replace.
 */
import type { Facts } from './facts.types.js';

export type Vars = Record<string, unknown>;

export interface VarLevels {
  magic?: Vars;
  inventory?: Vars;
  facts?: Facts;
  play?: Vars;
  /** Outer to inner. */
  blocks?: readonly Vars[];
  task?: Vars;
  /** Registered results and set facts of this host. */
  host?: Vars;
  extra?: Vars;
}

export function mergeVars(levels: VarLevels): Vars {
  return Object.assign(
    {},
    levels.magic,
    levels.inventory,
    levels.facts ? { ansible_facts: levels.facts } : undefined,
    levels.play,
    ...(levels.blocks ?? []),
    levels.task,
    levels.host,
    levels.extra,
  );
}

/** Reading a variable that no level defines: Ansible's message, and the task fails with it. */
export class UndefinedVariable extends Error {
  override name = 'UndefinedVariable';
  constructor(readonly variable: string) {
    super(`'${variable}' is undefined`);
  }
}

const LENIENT: unique symbol = Symbol('hostwright.lenientVars');

/**
 * The variables a `when`, dynamic params, `loop` or `*_when` function sees (`h.vars`): reading a
 * name no level defines throws UndefinedVariable (`'worker_count' is undefined`), as a Jinja2
 * expression fails in Ansible, instead of quietly being undefined. `'x' in h.vars` asks without
 * failing, and `optional(h.vars).x ?? 3` reads with a default.
 */
export function strictVars(vars: Vars): Vars {
  return new Proxy(vars, {
    get(target, key, receiver) {
      if (key === LENIENT) return target;
      // `then` (awaiting the object) and `toJSON` (JSON.stringify) are probes, not variables.
      if (typeof key === 'string' && !(key in target) && key !== 'then' && key !== 'toJSON') throw new UndefinedVariable(key);
      return Reflect.get(target, key, receiver);
    },
  });
}

/**
 * The same variables without the failure on undefined names, for an explicit default:
 * `optional(h.vars).worker_count ?? 3` (Ansible's `worker_count | default(3)`).
 */
export function optional<V extends object>(vars: V): Partial<V> {
  return ((vars as { [LENIENT]?: V })[LENIENT] ?? vars) as Partial<V>;
}
