/**
 * backup_copy in a playbook run, for test/e2e/modules/backup-copy.test.ts: the newest archive of
 * COPY_JOB on the hosts given with -l, copied to the host named by `-e to_host=<name>` over the
 * run's own connections. The test also kills this process with -9 in the middle of the copy.
 */
import { optional, play, playbook, task } from '../../../../runner/index.js';
import { backup_copy } from '../../../../modules/index.js';
import { COPY_JOB } from './copy-params.js';

export default playbook(import.meta, [
  play({
    name: 'copy a backup to another host',
    hosts: 'all',
    gather_facts: false,
    tasks: [task('copy the newest archive', backup_copy((h) => ({ ...COPY_JOB, to_host: String(optional(h.vars)['to_host']) })))],
  }),
]);
