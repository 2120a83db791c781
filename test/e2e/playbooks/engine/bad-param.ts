/** A module parameter that does not validate: the run must stop before contacting any host. */
import { play, playbook, task } from '../../../../runner/index.js';
import { file } from '../../../../modules/index.js';

export default playbook(import.meta, [
  play({
    name: 'bad parameter',
    hosts: 'all',
    tasks: [
      task('fine', file({ path: '/tmp/engine-fine', state: 'touch' })),
      task('make the directory', file({ path: '/tmp/engine-dir', state: 'folder' as 'directory' })),
    ],
  }),
]);
