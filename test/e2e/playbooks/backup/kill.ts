/**
 * One backup of a directory and a database, for test/e2e/modules/backup-postgres.test.ts to kill
 * the runner (this process) with -9 in the middle of it. The same parameters as the test's own runs.
 */
import { play, playbook, task } from '../../../../runner/index.js';
import { backup } from '../../../../modules/index.js';
import { KILL_BACKUP } from './kill-params.js';

export default playbook(import.meta, [play({ name: 'backup to be killed', hosts: 'all', gather_facts: false, tasks: [task('backup', backup(KILL_BACKUP))] })]);
