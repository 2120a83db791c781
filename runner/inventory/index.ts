/**
 * Inventory entry points for the engine:
 *   const inv = await loadInventory(['inventory/hosts.ini'], { playbookDir });
 *   inv.select('web:&prod', limit)  inv.hostVars('web1')  inv.warnings
 */
import { LoadError } from '../errors.js';
import { InventoryData } from './data.js';
import { inventoryVarsDirs, LoadedInventory } from './inventory.js';
import { parseSource } from './sources.js';
import type { LoadInventoryOptions } from './types.js';
import { VarsFiles } from './vars-files.js';
import { resolve } from 'node:path';

export type { Inventory, InventoryGroup, InventoryHost, LoadInventoryOptions, Vars } from './types.js';
export { LoadedInventory } from './inventory.js';
export { defineInventory, typedVars, type InventoryVars, type InventorySpec, type GroupSpec, type TypedInventory, type MagicVars } from './typed.js';
export { splitHostPattern } from './patterns.js';
/** Whether vars[key] came from YAML `!unsafe` (Ansible never templates such a value). */
export { isUnsafeAt } from './values.js';

/** Reads every source in order into one inventory (several -i merge, as in Ansible). */
export async function loadInventory(sources: string[], options: LoadInventoryOptions = {}): Promise<LoadedInventory> {
  const data = new InventoryData(options.onWarning);
  for (const source of sources) {
    if (source) await parseSource(data, source);
  }
  if (sources.length === 0) data.warn('No inventory was parsed, only implicit localhost is available');
  try {
    data.reconcile();
  } catch (e) {
    throw new LoadError((e as Error).message);
  }
  const files = new VarsFiles((m) => data.warn(m));
  const playbookDir = options.playbookDir ? resolve(options.playbookDir) : undefined;
  return new LoadedInventory(data, files, inventoryVarsDirs(sources), playbookDir);
}

/** Hosts matching a play's pattern, narrowed by --limit (which may be `@retry-file`). */
export function selectHosts(inventory: LoadedInventory, pattern: string, limit?: string): string[] {
  return inventory.select(pattern, limit);
}
