/** A slow task to press Ctrl-C during; the next task must never run. */
import { play, playbook, task } from '../../../../runner/index.js';
import { command, copy } from '../../../../modules/index.js';

export default playbook(import.meta, [
  play({
    name: 'interrupt me',
    hosts: 'all',
    gather_facts: false,
    tasks: [
      task('slow', command({ cmd: 'sleep 2' })),
      task('after the interrupt', copy({ dest: '/tmp/engine-after-interrupt', content: 'should not exist\n' })),
    ],
  }),
]);
