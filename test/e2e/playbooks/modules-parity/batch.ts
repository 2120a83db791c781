/**
 * The Hostwright side of a module parity batch: the tasks of cases.ts (batch named by
 * HW_PARITY_BATCH), one task per case, in order, like the YAML the test writes for Ansible.
 * Run: HW_PARITY_BATCH=apt npx tsx test/e2e/playbooks/modules-parity/batch.ts -i <inventory> -l <host>
 */
import { play, playbook, task } from '../../../../runner/index.js';
import { apt, authorized_key, cron, group, user } from '../../../../modules/index.js';
import type { ModuleCall } from '../../../../runner/module.js';
import { BATCHES, type ParityModule } from './cases.js';

const MODULES: Record<ParityModule, (params: never) => ModuleCall<never, never>> = {
  apt: apt as never,
  user: user as never,
  group: group as never,
  cron: cron as never,
  authorized_key: authorized_key as never,
};

const name = process.env.HW_PARITY_BATCH as keyof typeof BATCHES;
const batch = BATCHES[name];
if (!batch) throw new Error(`HW_PARITY_BATCH must be one of ${Object.keys(BATCHES).join(', ')}`);

export default playbook(import.meta, [
  play({
    name: `parity ${name}`,
    hosts: 'all',
    gather_facts: false,
    tasks: batch.cases.map((c) => task(c.name, MODULES[c.module](c.params as never), c.fails ? { ignore_errors: true } : {})),
  }),
]);
