/**
 * The loaded inventory the engine uses: hosts and groups, each host's variables merged with
 * Ansible's precedence (vars/manager.py get_vars, default VARIABLE_PRECEDENCE), and patterns.
 */
import { dirname, resolve } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { groupDepths, type GroupData, type HostData, type InventoryData } from './data.js';
import { PatternMatcher } from './patterns.js';
import type { Inventory, InventoryGroup, InventoryHost, Vars } from './types.js';
import { combineVars } from './values.js';
import type { VarKind } from '../extra-vars.js';
import type { VarsFiles } from './vars-files.js';

/** Magic variables ansible-inventory leaves out of --list and --host (cli/inventory.py). */
export const INTERNAL_VARS = new Set([
  'ansible_diff_mode', 'ansible_config_file', 'ansible_facts', 'ansible_forks', 'ansible_inventory_sources',
  'ansible_limit', 'ansible_playbook_python', 'ansible_run_tags', 'ansible_skip_tags', 'ansible_verbosity',
  'ansible_version', 'inventory_dir', 'inventory_file', 'inventory_hostname', 'inventory_hostname_short',
  'groups', 'group_names', 'omit', 'playbook_dir',
]);

const IPV4_OR_6 = /^[\d.]+$|:/;

/** get_vars_from_inventory_sources: the directory each source's group_vars/ host_vars/ live in. */
export function inventoryVarsDirs(sources: string[]): string[] {
  const dirs: string[] = [];
  for (const source of sources) {
    if (source.includes(',') && !existsSync(source)) continue;
    const path = resolve(source);
    dirs.push(existsSync(path) && statSync(path).isDirectory() ? path : dirname(path));
  }
  return dirs;
}

export class LoadedInventory implements Inventory {
  readonly hosts = new Map<string, InventoryHost>();
  readonly groups = new Map<string, InventoryGroup>();
  private readonly depth: Map<GroupData, number>;
  private readonly groupPart = new Map<string, Vars>();
  private readonly sortedByDirect = new Map<string, GroupData[]>();
  private readonly matcher: PatternMatcher;
  private groupsDict: Record<string, string[]> | undefined;

  get declaredVarKinds(): ReadonlyMap<string, ReadonlySet<VarKind>> {
    return this.data.declaredKinds;
  }

  constructor(
    readonly data: InventoryData,
    private readonly files: VarsFiles,
    /** Inventory-adjacent directories, in source order. */
    private readonly sourceDirs: string[],
    /** Playbook-adjacent directory, if any. */
    private readonly playbookDir: string | undefined,
  ) {
    this.depth = groupDepths(data.groups.values());
    this.matcher = new PatternMatcher(data, (m) => data.warn(m));
    for (const h of data.hosts.values()) {
      const host = this;
      this.hosts.set(h.name, {
        name: h.name,
        groups: h.direct.map((g) => g.name),
        get vars() {
          return host.hostOwnVars(h);
        },
      });
    }
    for (const g of data.groups.values()) {
      const inv = this;
      this.groups.set(g.name, {
        name: g.name,
        children: g.children.map((c) => c.name),
        hosts: g.hosts.map((h) => h.name),
        get vars() {
          return inv.groupVars(g.name, true);
        },
      });
    }
  }

  get warnings(): string[] {
    return this.data.warnings;
  }

  select(pattern: string | string[], limit?: string | string[]): string[] {
    return this.matcher.select(pattern, limit);
  }

  /** A group's own variables: inventory, then group_vars/ beside the inventory (and playbook). */
  groupVars(name: string, withPlaybookDir: boolean): Vars {
    const g = this.data.groups.get(name);
    if (!g) return {};
    let vars = combineVars(g.vars, {});
    for (const dir of this.sourceDirs) vars = combineVars(vars, this.files.load(dir, 'group_vars', name));
    if (withPlaybookDir && this.playbookDir) vars = combineVars(vars, this.files.load(this.playbookDir, 'group_vars', name));
    return vars;
  }

  private hostOwnVars(h: HostData): Vars {
    let vars = combineVars(h.vars, {});
    for (const dir of this.sourceDirs) vars = combineVars(vars, this.files.load(dir, 'host_vars', h.name));
    if (this.playbookDir) vars = combineVars(vars, this.files.load(this.playbookDir, 'host_vars', h.name));
    return vars;
  }

  /** Hosts in the same direct groups share their sorted group list (and so the group layer). */
  private sortedGroups(h: HostData): GroupData[] {
    const key = h.direct.map((g) => g.name).join('\u0000');
    let sorted = this.sortedByDirect.get(key);
    if (!sorted) this.sortedByDirect.set(key, (sorted = this.sortGroups(h)));
    return sorted;
  }

  private sortGroups(h: HostData): GroupData[] {
    return [...h.groups()]
      .filter((g) => g.name !== 'all')
      .sort((a, b) => this.depth.get(a)! - this.depth.get(b)! || a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Group variables for a set of groups, cached: all (inventory) < groups (inventory, by depth,
   * priority, name) < group_vars/all beside the inventory < beside the playbook < group_vars/<g>
   * beside the inventory < beside the playbook.
   */
  private groupLayer(groups: GroupData[]): Vars {
    const key = groups.map((g) => g.name).join('\u0000');
    let vars = this.groupPart.get(key);
    if (vars) return vars;
    vars = combineVars(this.data.groups.get('all')!.vars, {});
    for (const g of groups) vars = combineVars(vars, g.vars);
    for (const dir of this.sourceDirs) vars = combineVars(vars, this.files.load(dir, 'group_vars', 'all'));
    if (this.playbookDir) vars = combineVars(vars, this.files.load(this.playbookDir, 'group_vars', 'all'));
    for (const dir of this.sourceDirs) {
      for (const g of groups) vars = combineVars(vars, this.files.load(dir, 'group_vars', g.name));
    }
    if (this.playbookDir) {
      for (const g of groups) vars = combineVars(vars, this.files.load(this.playbookDir, 'group_vars', g.name));
    }
    this.groupPart.set(key, vars);
    return vars;
  }

  /** `groups`: every group and the hosts in it or its descendants. */
  groupsMagic(): Record<string, string[]> {
    if (!this.groupsDict) {
      this.groupsDict = {};
      for (const [name, g] of this.data.groups) this.groupsDict[name] = g.allHosts().map((h) => h.name);
    }
    return this.groupsDict;
  }

  hostVars(name: string): Vars {
    const h = this.data.hosts.get(name) ?? (['localhost', '127.0.0.1', '::1'].includes(name) ? this.data.implicitLocalhost(name) : undefined);
    if (!h) throw new Error(`hostVars: ${name} is not in the inventory`);
    const groups = this.sortedGroups(h);
    let vars = combineVars(this.groupLayer(groups), h.vars);
    vars = combineVars(vars, {
      inventory_hostname: h.name,
      inventory_hostname_short: IPV4_OR_6.test(h.name) ? h.name : h.name.split('.')[0],
      group_names: groups.map((g) => g.name).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    });
    for (const dir of this.sourceDirs) vars = combineVars(vars, this.files.load(dir, 'host_vars', h.name));
    if (this.playbookDir) vars = combineVars(vars, this.files.load(this.playbookDir, 'host_vars', h.name));
    vars.groups = this.groupsMagic();
    vars.playbook_dir = this.playbookDir ?? process.cwd();
    return vars;
  }
}
