/** For -vvvv's connection detail (verbose.test.ts): a command, and a file written (its bytes go on stdin). */
import { play, playbook, task } from '../../../../runner/index.js';
import { command, copy } from '../../../../modules/index.js';

export default playbook(import.meta, [
  play({
    name: 'connection detail',
    hosts: 'all',
    gather_facts: false,
    tasks: [
      task('a command', command({ cmd: 'true' }), { changed_when: () => false }),
      task('a file', copy({ dest: '/tmp/hostwright-verbose-test', content: 'x\n' })),
    ],
  }),
]);
