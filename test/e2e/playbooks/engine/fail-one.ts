/** A command fails on the host named by -e fail_host=...; the others must finish the play. */
import { play, playbook, task } from '../../../../runner/index.js';
import { command, copy } from '../../../../modules/index.js';

export default playbook(import.meta, [
  play({
    name: 'fail on one host',
    hosts: 'all',
    tasks: [
      task('fail where asked', command({ cmd: 'false' }), { when: (h) => h.host === h.vars.fail_host }),
      task('mark finished', copy({ dest: '/tmp/engine-finished', content: 'done\n' })),
    ],
  }),
]);
