/**
 * An inventory of hosts that run on this machine (ansible_connection local), for the compat tests
 * that run the same playbook through ansible-playbook (`-i 'a,b,' -c local`) and through runPlaybook.
 */
import type { Inventory } from '../../runner/inventory/types.js';

export function localInventory(...names: string[]): Inventory {
  return {
    hosts: new Map(names.map((h) => [h, { name: h, vars: { ansible_connection: 'local' }, groups: [] }])),
    groups: new Map(),
    hostVars: (h) => ({ inventory_hostname: h, ansible_connection: 'local' }),
    select: (p) => (p === 'all' ? [...names] : names.filter((h) => h === p)),
    warnings: [],
  };
}
