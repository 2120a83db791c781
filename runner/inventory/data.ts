/**
 * The inventory being built, with the rules of ansible/inventory/data.py, group.py and host.py:
 * implicit `all` and `ungrouped`, groups that refuse to become their own ancestor, group depth and
 * ansible_group_priority, and reconciliation after all sources are read.
 */
import type { VarKind } from '../extra-vars.js';
import type { Vars } from './types.js';
import { setVar } from './values.js';

export class InventoryDataError extends Error {}

/** Python's \w, used by C.INVALID_VARIABLE_NAMES = ^[\d\W]|[^\w]. */
const INVALID_GROUP_NAME = /^[^\p{L}\p{N}\p{Mn}\p{Pc}]|^\p{N}|[^\p{L}\p{N}\p{Mn}\p{Pc}]/u;
export const LOCALHOST_NAMES = ['127.0.0.1', 'localhost', '::1'];

export class GroupData {
  vars: Vars = {};
  children: GroupData[] = [];
  parents: GroupData[] = [];
  hosts: HostData[] = [];
  readonly hostNames = new Set<string>();
  priority = 1;
  constructor(readonly name: string) {}

  ancestors(): Set<GroupData> {
    const seen = new Set<GroupData>();
    const stack = [...this.parents];
    while (stack.length) {
      const g = stack.pop()!;
      if (seen.has(g)) continue;
      seen.add(g);
      stack.push(...g.parents);
    }
    return seen;
  }

  /**
   * Group._get_hosts: own hosts, then descendants breadth-first, first seen wins. (Ansible walks
   * deeper levels through a Python set, so their order can vary between its runs; we take each
   * level in order.)
   */
  allHosts(): HostData[] {
    const ordered: GroupData[] = [this, ...this.children];
    const seen = new Set<GroupData>(ordered);
    let level = [...this.children];
    while (level.length) {
      const next: GroupData[] = [];
      for (const g of level) {
        for (const kid of g.children) {
          if (!seen.has(kid)) {
            seen.add(kid);
            ordered.push(kid);
            next.push(kid);
          }
        }
      }
      level = next;
    }
    const hosts: HostData[] = [];
    const seenHosts = new Set<HostData>();
    for (const g of ordered) {
      for (const h of g.hosts) {
        if (seenHosts.has(h)) continue;
        seenHosts.add(h);
        if (this.name === 'all' && h.implicit) continue;
        hosts.push(h);
      }
    }
    return hosts;
  }
}

export class HostData {
  vars: Vars = {};
  /** Groups the host was put in directly. */
  readonly direct: GroupData[] = [];
  implicit = false;
  constructor(readonly name: string) {}

  /** host.get_groups(): the direct groups and all their ancestors. */
  groups(): Set<GroupData> {
    const all = new Set<GroupData>();
    for (const g of this.direct) {
      all.add(g);
      for (const a of g.ancestors()) all.add(a);
    }
    return all;
  }
}

export class InventoryData {
  readonly groups = new Map<string, GroupData>();
  readonly hosts = new Map<string, HostData>();
  readonly warnings: string[] = [];
  /** Variables typed inventories set, with the kinds of their values (typed -e, extra-vars.ts). */
  readonly declaredKinds = new Map<string, Set<VarKind>>();
  /** The source being read: becomes inventory_file/inventory_dir of hosts first seen there. */
  currentSource: { file: string | null; dir: string | null } | undefined;
  private localhost: HostData | undefined;

  constructor(private readonly onWarning?: (message: string) => void) {
    this.addGroup('all');
    this.addGroup('ungrouped');
    this.addChild('all', 'ungrouped');
  }

  warn(message: string): void {
    if (this.warnings.includes(message)) return;
    this.warnings.push(message);
    this.onWarning?.(message);
  }

  addGroup(name: string): string {
    if (!name) throw new InventoryDataError(`Invalid empty/false group name provided: ${name}`);
    if (!this.groups.has(name)) {
      if (INVALID_GROUP_NAME.test(name)) {
        this.warn('Invalid characters were found in group names but not replaced, use -vvvv to see details');
      }
      this.groups.set(name, new GroupData(name));
    }
    return name;
  }

  addHost(name: string, group?: string, port?: number): string {
    if (!name) throw new InventoryDataError(`Invalid empty host name provided: ${name}`);
    let g: GroupData | undefined;
    if (group) {
      g = this.groups.get(group);
      if (!g) throw new InventoryDataError(`Could not find group ${group} in inventory`);
    }
    let h = this.hosts.get(name);
    if (!h) {
      h = new HostData(name);
      this.hosts.set(name, h);
      // A port given when the host is first seen becomes ansible_port; later ones are ignored.
      if (port) h.vars.ansible_port = port;
      h.vars.inventory_file = this.currentSource?.file ?? null;
      h.vars.inventory_dir = this.currentSource?.dir ?? null;
      if (LOCALHOST_NAMES.includes(name)) {
        if (!this.localhost) this.localhost = h;
        else this.warn(`A duplicate localhost-like entry was found (${name}). First found localhost was ${this.localhost.name}`);
      }
    }
    if (g) this.addHostToGroup(g, h);
    return name;
  }

  private addHostToGroup(g: GroupData, h: HostData): boolean {
    if (g.hostNames.has(h.name)) return false;
    g.hosts.push(h);
    g.hostNames.add(h.name);
    if (!h.direct.includes(g)) h.direct.push(g);
    return true;
  }

  private removeHostFromGroup(g: GroupData, h: HostData): void {
    if (!g.hostNames.delete(h.name)) return;
    g.hosts.splice(g.hosts.indexOf(h), 1);
    h.direct.splice(h.direct.indexOf(g), 1);
  }

  /** `from` is the container the value was read from (to keep its float marker, see values.ts). */
  setVariable(entity: string, key: string, value: unknown, from?: object): void {
    const group = this.groups.get(entity);
    if (group) {
      if (key === 'ansible_group_priority') group.priority = pythonInt(value);
      else setVar(group.vars, key, value, from);
      return;
    }
    const host = this.hosts.get(entity);
    if (!host) throw new InventoryDataError(`Could not identify group or host named ${entity}`);
    setVar(host.vars, key, value, from);
  }

  addChild(parentName: string, childName: string): boolean {
    const parent = this.groups.get(parentName);
    if (!parent) throw new InventoryDataError(`${parentName} is not a known group`);
    const child = this.groups.get(childName);
    if (child) {
      if (child === parent) throw new InventoryDataError("can't add group to itself");
      if (parent.children.includes(child)) return false;
      if (parent.ancestors().has(child)) {
        throw new InventoryDataError(`Adding group '${child.name}' as child to '${parent.name}' creates a recursive dependency loop.`);
      }
      parent.children.push(child);
      if (!child.parents.includes(parent)) child.parents.push(parent);
      return true;
    }
    const host = this.hosts.get(childName);
    if (host) return this.addHostToGroup(parent, host);
    throw new InventoryDataError(`${childName} is not a known host nor group`);
  }

  /** The implicit localhost Ansible makes up when a pattern names it and the inventory does not. */
  implicitLocalhost(name: string): HostData {
    if (this.localhost) return this.localhost;
    const h = new HostData(name);
    h.implicit = true;
    h.vars.ansible_connection = 'local';
    this.localhost = h;
    return h;
  }

  /** InventoryData.reconcile_inventory: orphan groups under all, hosts in no group in ungrouped. */
  reconcile(): void {
    const all = this.groups.get('all')!;
    const ungrouped = this.groups.get('ungrouped')!;
    for (const g of this.groups.values()) {
      if (g !== all && g.parents.length === 0) this.addChild('all', g.name);
    }
    for (const h of this.hosts.values()) {
      const mine = h.groups();
      if (mine.has(ungrouped)) {
        if ([...mine].some((g) => g !== all && g !== ungrouped)) this.removeHostFromGroup(ungrouped, h);
      } else if (!h.implicit && (mine.size === 0 || (mine.size === 1 && mine.has(all)))) {
        this.addHostToGroup(ungrouped, h);
      }
    }
    for (const name of this.groups.keys()) {
      if (this.hosts.has(name)) this.warn(`Found both group and host with same name: ${name}`);
    }
  }
}

/** Python's int() as Group.set_priority applies it. */
function pythonInt(value: unknown): number {
  if (typeof value === 'number') return Math.trunc(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && /^\s*[+-]?\d+(?:_\d+)*\s*$/.test(value)) return Number(value.replace(/_/g, ''));
  throw new InventoryDataError(`invalid literal for int() with base 10: '${String(value)}'`);
}

/** Group depth: the longest path from `all` (Ansible raises it as parents are added). */
export function groupDepths(groups: Iterable<GroupData>): Map<GroupData, number> {
  const depth = new Map<GroupData, number>();
  const visit = (g: GroupData): number => {
    const known = depth.get(g);
    if (known !== undefined) return known;
    const d = g.parents.length === 0 ? 0 : Math.max(...g.parents.map((p) => visit(p) + 1));
    depth.set(g, d);
    return d;
  };
  for (const g of groups) visit(g);
  return depth;
}
