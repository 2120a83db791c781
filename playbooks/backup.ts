/**
 * The stack's backup taken now, the same run as the nightly script site.ts's backup role puts in
 * the host's cron: dumps of the application's database and its roles, and the files of the
 * volumes in backup_volumes (never PostgreSQL's live data volume: roles/backup.ts says why), in
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
