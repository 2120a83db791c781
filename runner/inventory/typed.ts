/**
 * Typed TypeScript inventories. The structure is Ansible's YAML inventory, so a hosts.yml converts
 * mechanically, and the variables keep their TypeScript types:
 *
 *   const inventory = defineInventory({ all: { vars: { ntp: 'pool.ntp.org' }, children: {
 *     web: { hosts: { web1: { http_port: 8080 } } } } } });
 *   type V = InventoryVars<typeof inventory>;   // { ntp: string; http_port?: number; ... }
 *   (vars as V).htp_port                        // tsc: Property 'htp_port' does not exist
 *
 * `defineInventory(async () => ({...}))` builds the inventory when it is loaded (dynamic).
 */
import { optional } from '../vars.js';
import type { Vars } from './types.js';

export interface GroupSpec {
  hosts?: Record<string, Vars | null> | null;
  vars?: Vars | null;
  children?: Record<string, GroupSpec | null> | null;
}

export type InventorySpec = Record<string, GroupSpec | null>;

const TYPED = Symbol.for('hostwright.inventory');

export interface TypedInventory<S extends InventorySpec = InventorySpec> {
  readonly [TYPED]: true;
  /** The inventory itself, or a function that builds it when the inventory is loaded. */
  readonly spec: S | (() => S | Promise<S>);
}

export function defineInventory<const S extends InventorySpec>(spec: S | (() => S | Promise<S>)): TypedInventory<S> {
  return { [TYPED]: true, spec };
}

export function isTypedInventory(value: unknown): value is TypedInventory {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[TYPED] === true;
}

/** Every `vars` object of a group and every host's variables, as a union. */
type GroupVarSets<G> = G extends GroupSpec
  ?
      | (G['vars'] extends Vars ? G['vars'] : never)
      | (G['hosts'] extends Record<string, infer H> ? (H extends Vars ? H : never) : never)
      | (G['children'] extends Record<string, infer C> ? GroupVarSets<C> : never)
  : never;

type SpecVarSets<S> = S extends InventorySpec ? { [K in keyof S]: GroupVarSets<S[K]> }[keyof S] : never;

type KeysOfUnion<U> = U extends unknown ? keyof U : never;
type ValueOf<U, K extends PropertyKey> = U extends unknown ? (K extends keyof U ? U[K] : never) : never;
type Widen<T> = T extends string ? string : T extends number ? number : T extends boolean ? boolean : T extends readonly (infer E)[] ? Widen<E>[] : T extends object ? { [K in keyof T]: Widen<T[K]> } : T;

type AllGroupVars<S> = S extends { all: { vars: infer V } } ? (V extends Vars ? V : object) : object;

/** Variables Ansible itself gives every host. */
export interface MagicVars {
  inventory_hostname: string;
  inventory_hostname_short: string;
  group_names: string[];
  groups: Record<string, string[]>;
}

type Simplify<T> = { [K in keyof T]: T[K] };

/**
 * The variables a host of this inventory can have: those set on `all` are always there, every
 * other one may be missing. A name that no group or host defines is a type error.
 */
export type InventoryVars<I> = I extends TypedInventory<infer S>
  ? Simplify<
      { [K in keyof AllGroupVars<S>]: Widen<AllGroupVars<S>[K]> } & {
        [K in Exclude<KeysOfUnion<SpecVarSets<S>>, keyof AllGroupVars<S>>]?: Widen<ValueOf<SpecVarSets<S>, K>>;
      } & MagicVars
    >
  : never;

/**
 * The vars of a host, typed by the inventory they came from (no runtime conversion). A name the
 * inventory does not declare is a compile error, and one it declares for some hosts only is
 * optional (`?? default` works: this view does not fail on a missing name, as `h.vars` does).
 */
export function typedVars<I extends TypedInventory>(_inventory: I, vars: Vars): InventoryVars<I> {
  return optional(vars) as InventoryVars<I>;
}
