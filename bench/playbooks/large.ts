/**
 * Two 40 MiB contents given inline to copy: what a large content costs the controller (encoding,
 * hashing) on a converged host. bench/README.md, "Large contents".
 */
import { play, playbook, task } from '../../runner/index.js';
import { copy, file } from '../../modules/index.js';

const big = 'x'.repeat(40 * 1024 * 1024);

export default playbook(import.meta, [
  play({
    name: 'large contents',
    hosts: 'all',
    gather_facts: false,
    tasks: [
      task('directory', file({ path: '/srv/large', state: 'directory' })),
      task('x', copy({ dest: '/srv/large/x', content: big })),
      task('y', copy({ dest: '/srv/large/y', content: `${big}y` })),
    ],
  }),
]);
