/**
 * A typed inventory: the same structure as an Ansible YAML inventory, checked by TypeScript.
 *   npm run inventory -- -i inventory/typed.ts --list
 * A playbook reads the variables typed: `typedVars(inventory, vars).http_port` is a number, and a
 * misspelt name (`.htp_port`) does not compile.
 */
import { defineInventory, type InventoryVars } from '../runner/inventory/index.js';

export const inventory = defineInventory({
  all: {
    vars: { timezone: 'Europe/Paris', admin_email: 'admin@example.com' },
    children: {
      web: {
        hosts: { 'web[1:2].example.com': { http_port: 8080 } },
        vars: { packages: ['nginx', 'curl'] },
      },
      db: {
        hosts: { 'db1.example.com': { ansible_host: '10.0.0.21', postgres_version: 16 } },
      },
    },
  },
});

export type HostVars = InventoryVars<typeof inventory>;

export default inventory;
