/** become_user that does not exist on the host: sudo's own words must reach the user. */
import { play, playbook, task } from '../../../../runner/index.js';
import { command } from '../../../../modules/index.js';

export default playbook(import.meta, [
  play({
    name: 'unknown become user',
    hosts: 'all',
    gather_facts: false,
    tasks: [task('as nobody known', command({ cmd: 'id -u' }), { become: true, become_user: 'no-such-user-x' })],
  }),
]);
