/**
 * Failures, Hostwright's side (twin: parity-errors.yml): the probe fails on the host named by
 * -e fail_host=NAME; that host leaves the play and the others run the next task.
 */
import { play, playbook, task } from '../../../../runner/index.js';
import { command } from '../../../../modules/index.js';

export default playbook(import.meta, [
  play({
    name: 'parity errors',
    hosts: 'all',
    tasks: [
      task('probe', command((h) => ({ argv: ['test', h.host, '!=', String(h.vars.fail_host)] })), { changed_when: () => false }),
      task('after the probe', command({ cmd: 'true' })),
    ],
  }),
]);
