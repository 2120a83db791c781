/**
 * For the live view in a real terminal (live-view.test.ts): a loop whose items take a while, a
 * failure on the host named by -e fail_host=..., a change without a diff that notifies a handler,
 * and, with -e slow=SECONDS, a long task to press Ctrl-C during.
 */
import { handler, play, playbook, task } from '../../../../runner/index.js';
import { command, shell } from '../../../../modules/index.js';

export default playbook(import.meta, [
  play({
    name: 'live view',
    hosts: 'all',
    gather_facts: false,
    // -e fail_host=... and -e slow=SECONDS override these.
    vars: { fail_host: '', slow: 0 },
    tasks: [
      task('items one by one', shell((h) => ({ cmd: `sleep 1.5; echo ${String(h.item)}` })), {
        loop: ['first', 'second', 'third'],
        changed_when: () => false,
      }),
      task('changed without a diff', command({ cmd: 'true' }), { notify: 'the handler' }),
      task('fail where asked', shell({ cmd: 'sleep 1; echo broken-on-purpose >&2; exit 3' }), { when: (h) => h.host === h.vars.fail_host }),
      task('a long one', command((h) => ({ cmd: `sleep ${Number(h.vars.slow)}` })), { when: (h) => Number(h.vars.slow) > 0 }),
      // Time to see the failure on screen before the play ends.
      task('last task', command({ cmd: 'sleep 3' }), { changed_when: () => false }),
    ],
    handlers: [handler('the handler', command({ cmd: 'true' }))],
  }),
]);
