/**
 * Ansible's YAML inventory (plugins/inventory/yaml.py): groups with `hosts`, `vars` and `children`,
 * at any depth. The typed TypeScript inventory uses the same structure and the same reader.
 */
import { InventoryDataError, type InventoryData } from './data.js';
import { expandHostPattern, HostRangeError } from './ranges.js';
import { ParseFailure } from './source-error.js';
import { isPlainObject } from './values.js';

/** How Python would name the type of a value in Ansible's messages. */
export function pyTypeName(value: unknown): string {
  if (typeof value === 'string') return "<class 'ansible.parsing.yaml.objects.AnsibleUnicode'>";
  if (Array.isArray(value)) return "<class 'ansible.parsing.yaml.objects.AnsibleSequence'>";
  if (typeof value === 'boolean') return "<class 'bool'>";
  if (typeof value === 'number') return Number.isInteger(value) ? "<class 'int'>" : "<class 'float'>";
  return `<class '${typeof value}'>`;
}

export function parseYamlInventory(inv: InventoryData, data: unknown): void {
  if (data === null || data === undefined || (isPlainObject(data) && Object.keys(data).length === 0) || data === '' || data === false || data === 0) {
    throw new ParseFailure('Parsed empty YAML file');
  }
  if (!isPlainObject(data)) {
    throw new ParseFailure(`YAML inventory has invalid structure, it should be a dictionary, got: ${pyTypeName(data)}`);
  }
  if (data.plugin) throw new ParseFailure('Plugin configuration YAML file, not YAML inventory');
  for (const [name, groupData] of Object.entries(data)) parseGroup(inv, name, groupData, [name]);
}

/** Runs one step; a model error becomes a ParseFailure that knows where in the file it was. */
function at<T>(keyPath: string[], fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof InventoryDataError || e instanceof HostRangeError) throw new ParseFailure(e.message, undefined, undefined, keyPath);
    throw e;
  }
}

function parseGroup(inv: InventoryData, group: string, groupData: unknown, keyPath: string[]): string {
  if (!(groupData === null || groupData === undefined || isPlainObject(groupData))) {
    inv.warn(`Skipping '${group}' as this is not a valid group definition`);
    return group;
  }
  try {
    group = inv.addGroup(group);
  } catch (e) {
    throw new ParseFailure(`Unable to add group ${group}: ${(e as Error).message}`, undefined, undefined, keyPath);
  }
  if (!groupData) return group;
  for (const section of ['vars', 'children', 'hosts']) {
    if (!(section in groupData)) continue;
    if (typeof groupData[section] === 'string') groupData[section] = { [groupData[section] as string]: null };
    const value = groupData[section];
    if (!(value === null || value === undefined || isPlainObject(value))) {
      throw new ParseFailure(
        `Invalid "${section}" entry for "${group}" group, requires a dictionary, found "${pyTypeName(value)}" instead.`,
        undefined,
        undefined,
        [...keyPath, section],
      );
    }
  }
  for (const [key, value] of Object.entries(groupData)) {
    if (!(value === null || value === undefined || isPlainObject(value))) {
      inv.warn(`Skipping key (${key}) in group (${group}) as it is not a mapping, it is a ${pyTypeName(value)}`);
      continue;
    }
    if (!value) continue;
    if (key === 'vars') {
      for (const [k, v] of Object.entries(value)) at([...keyPath, key, k], () => inv.setVariable(group, k, v, value));
    } else if (key === 'children') {
      for (const [sub, subData] of Object.entries(value)) {
        const child = parseGroup(inv, sub, subData, [...keyPath, key, sub]);
        at([...keyPath, key, sub], () => inv.addChild(group, child));
      }
    } else if (key === 'hosts') {
      for (const [pattern, hostVars] of Object.entries(value)) {
        const where = [...keyPath, key, pattern];
        const { hostnames, port } = at(where, () => expandHostPattern(pattern));
        const vars = hostVars ?? {};
        if (!isPlainObject(vars)) {
          throw new ParseFailure(`Invalid data from file, expected dictionary and got:\n\n${String(vars)}`, undefined, undefined, where);
        }
        for (const host of hostnames) {
          at(where, () => inv.addHost(host, group, port));
          for (const [k, v] of Object.entries(vars)) inv.setVariable(host, k, v, vars);
        }
      }
    } else {
      inv.warn(`Skipping unexpected key (${key}) in group (${group}), only "vars", "children" and "hosts" are valid`);
    }
  }
  return group;
}
