/**
 * Puts the stack's databases and backed-up volumes back from a backup: the newest archive of the
 * series, or the one named with `-e archive=<file name>` (as backup.ts's result and
 * `ls /var/backups/hostwright/<job>/` show it). The archive is verified first — sha256, tar
 * listing, each dump read to the end by pg_restore — and a damaged one is refused before anything
 * is touched; each database is dropped, its sessions ended, and restored from the dump in one
 * transaction; the files of each volume in `backup_volumes` are swapped back in while the
 * containers using it are stopped, and those are started again afterwards. `--check` lists what
 * would be replaced and which databases dropped and restored.
 *
 *   npx tsx playbooks/restore.ts -i inventory/site/lab.ts --check
 *   npx tsx playbooks/restore.ts -i inventory/site/lab.ts -e archive=shiftplan-20261205T030017Z-3fa2b1c0d4.tar.zst
 */
import { optional, play, playbook } from '../runner/index.js';
import { restoreBackup } from './roles/backup.js';
import { stackVars } from './vars/stack.js';

export default playbook(import.meta, [
  play({
    name: 'restore',
    hosts: 'backup',
    become: true,
    gather_facts: false,
    tasks: [restoreBackup((h) => stackVars(h).backup, (h) => (optional(h.vars)['archive'] === undefined ? undefined : String(optional(h.vars)['archive'])))],
  }),
]);
