/** A quiet task during which one host's network vanishes (test/e2e/reliability.test.ts); free strategy. */
import { play, playbook, task } from '../../../../runner/index.js';
import { command } from '../../../../modules/index.js';

export default playbook(import.meta, [
  play({
    name: 'partition',
    hosts: 'all',
    gather_facts: false,
    strategy: 'free',
    tasks: [
      task('quiet work', command({ cmd: 'sleep 4.25' })),
      task('after', command({ cmd: 'echo still here' })),
    ],
  }),
]);
