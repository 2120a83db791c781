/**
 * The inventory as the engine sees it. Loaders (INI, YAML, JSON, directories, typed .ts,
 * executable dynamic inventories) all produce this; semantics follow Ansible exactly.
 */

import type { VarKind } from '../extra-vars.js';

export type Vars = Record<string, unknown>;

export interface InventoryHost {
  name: string;
  /** Variables set on the host itself (inline INI vars, YAML host vars, host_vars/). */
  vars: Vars;
  /** Names of the groups the host is directly in (not ancestors). */
  groups: string[];
}

export interface InventoryGroup {
  name: string;
  vars: Vars;
  children: string[];
  /** Hosts directly in the group. */
  hosts: string[];
}

export interface Inventory {
  /** Hosts in the order Ansible lists them (first seen). */
  hosts: Map<string, InventoryHost>;
  groups: Map<string, InventoryGroup>;
  /**
   * The host's variables merged with Ansible's precedence: group vars (all < parent < child,
   * siblings by ansible_group_priority then name) < host vars, inventory files < group_vars/
   * host_vars/ beside the inventory < beside the playbook. Includes inventory_hostname,
   * group_names, groups (magic variables) as Ansible adds them.
   */
  hostVars(host: string): Vars;
  /**
   * Hosts matching an Ansible host pattern, in inventory order (patterns.ts), narrowed by an
   * optional --limit pattern (`@file` reads one pattern per line, like a .retry file).
   */
  select(pattern: string, limit?: string): string[];
  /** Warnings to show once (invalid group names, unparsed sources, ...), Ansible's wording. */
  warnings: string[];
  /** Variables a typed inventory sets, with the kinds of their values: `-e k=v` is read as those. */
  declaredVarKinds?: ReadonlyMap<string, ReadonlySet<VarKind>>;
}

export interface LoadInventoryOptions {
  /** Directory of the playbook: its group_vars/ and host_vars/ apply too. */
  playbookDir?: string;
  /** Called once per new warning (they also collect in Inventory.warnings). */
  onWarning?: (message: string) => void;
}
