/** Large uploads to kill at random points (test/e2e/reliability.test.ts): -e round=N -e bytes=N. */
import { play, playbook, task } from '../../../../runner/index.js';
import { command, copy, file } from '../../../../modules/index.js';
import { bigContent, KILL_DIR, KILL_FILES } from './content.js';

export default playbook(import.meta, [
  play({
    name: 'large uploads',
    hosts: 'all',
    gather_facts: false,
    tasks: [
      task('the directory', file({ path: KILL_DIR, state: 'directory' })),
      task(
        'big files',
        copy((h) => ({ dest: `${KILL_DIR}/${String(h.item)}`, content: bigContent(Number(h.vars.round), String(h.item), Number(h.vars.bytes)) })),
        { loop: KILL_FILES },
      ),
      task('after the uploads', file({ path: `${KILL_DIR}/done`, state: 'touch' })),
      // A stop request sent before the test has read the recap must find the run still going: the
      // recap may already be in the pipe, the run exiting 0, when the test's view of it lags.
      task('a second before the end', command({ argv: ['sleep', '1'] }), { changed_when: () => false }),
    ],
  }),
]);
