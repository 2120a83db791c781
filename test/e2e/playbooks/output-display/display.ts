/**
 * display_skipped_hosts / display_ok_hosts, Hostwright's side: display.yml task for task (same
 * names, order and outcomes), for test/e2e/output-display.test.ts.
 */
import { handler, play, playbook, task } from '../../../../runner/index.js';
import { command, debug } from '../../../../modules/index.js';

export default playbook(import.meta, [
  play({
    name: 'display settings',
    hosts: 'all',
    gather_facts: false,
    tasks: [
      task('an ok task', command({ cmd: 'true' }), { changed_when: () => false }),
      task('a skipped task', command({ cmd: 'true' }), { when: () => false }),
      task('a changed task', command({ cmd: 'true' }), { notify: ['an ok handler', 'a changed handler'] }),
      task('a loop of ok and changed items', command((h) => ({ cmd: `echo ${String(h.item)}` })), {
        changed_when: (_result, h) => h.item === 'b',
        loop: ['a', 'b', 'c'],
      }),
      task('a loop of ok and skipped items', command((h) => ({ cmd: `echo ${String(h.item)}` })), {
        changed_when: () => false,
        when: (h) => h.item !== 'b',
        loop: ['a', 'b', 'c'],
      }),
      task('a loop skipped whole', command((h) => ({ cmd: `echo ${String(h.item)}` })), { when: () => false, loop: ['a', 'b'] }),
      task('a message', debug({ msg: 'hello' })),
      task('only ok items', command((h) => ({ cmd: `echo ${String(h.item)}` })), { changed_when: () => false, loop: ['x', 'y'] }),
    ],
    handlers: [
      handler('an ok handler', command({ cmd: 'true' }), { changed_when: () => false }),
      handler('a changed handler', command({ cmd: 'true' })),
    ],
  }),
]);
