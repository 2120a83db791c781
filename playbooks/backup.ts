/**
 * The nightly backup of seed 000's stack (the cron entry site.ts's backup role writes on the
 * controller runs this): a dump of the application's database and an archive of the volumes, in
 * the series of inventory/site/group_vars/backup.yml, pruned by its retention.
 *
 *   npx tsx playbooks/backup.ts -i inventory/site/lab.ts
 */
import { play, playbook } from '../runner/index.js';
import { backupNow } from './roles/backup.js';
import { stackVars } from './vars/stack.js';

export default playbook(import.meta, [
  play({
    name: 'backup',
    hosts: 'backup',
    become: true,
    gather_facts: false,
    tasks: [backupNow((h) => stackVars(h).backup)],
  }),
]);
