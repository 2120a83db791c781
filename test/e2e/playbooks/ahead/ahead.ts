/**
 * Observing ahead must never hand a task what the host was before an earlier change
 * (test/e2e/probe-ahead.test.ts). Every run starts by removing its directory, so every run
 * changes; each `look` task reads what a task just before it changed, in every way a change can
 * come: a module's write, a shell command, a task of another host delegated to this one through a
 * second inventory name for the same machine, a handler, a rescue, a loop. The asserts fail the
 * run if a look saw the host as it was before. Hosts: the group `pair` (two hosts) and `again`,
 * a second name for pair's first host.
 */
import { block, flushHandlers, handler, play, playbook, task } from '../../../../runner/index.js';
import type { HostContext } from '../../../../runner/index.js';
import { assert, command, copy, file, shell, stat } from '../../../../modules/index.js';

const dir = '/srv/ahead';
const exists = (h: HostContext, name: string) => (h.vars[name] as { stat: { exists: boolean } }).stat.exists;
const first = (h: HostContext) => (h.vars.ansible_play_batch as string[])[0]!;

export default playbook(import.meta, [
  play({
    name: 'ahead',
    hosts: 'pair',
    gather_facts: false,
    tasks: [
      task('clean', file({ path: dir, state: 'absent' })),
      task('dir', file({ path: dir, state: 'directory' })),
      task('look before x', stat({ path: `${dir}/x` }), { register: 'before' }),
      task('write x', copy({ dest: `${dir}/x`, content: 'one\n' })),
      task('look at x', stat({ path: `${dir}/x` }), { register: 'after' }),
      task('x was absent, then there', assert({ that: [(h) => !exists(h, 'before'), (h) => exists(h, 'after')] })),
      task('path from a result', stat((h) => ({ path: exists(h, 'after') ? `${dir}/x` : `${dir}/nothing` })), { register: 'again' }),
      task('the result picked x', assert({ that: (h) => exists(h, 'again') })),
      task('shell writes y', shell({ cmd: `echo two > ${dir}/y` })),
      task('look at y', stat({ path: `${dir}/y` }), { register: 'y' }),
      task('y is there', assert({ that: (h) => exists(h, 'y') })),
      task('the second host writes z on the first, by its other name', copy({ dest: `${dir}/z`, content: 'z\n' }), {
        when: (h) => h.host !== first(h),
        delegate_to: 'again',
      }),
      task('look at z', stat({ path: `${dir}/z` }), { register: 'z' }),
      task('z is on the first host only', assert({ that: (h) => exists(h, 'z') === (h.host === first(h)) })),
      task('trigger', copy({ dest: `${dir}/trigger`, content: 't\n' }), { notify: 'make w' }),
      flushHandlers(),
      task('look at w', stat({ path: `${dir}/w` }), { register: 'w' }),
      task('w is there', assert({ that: (h) => exists(h, 'w') })),
      block({
        block: [
          task('look before r', stat({ path: `${dir}/r` }), { register: 'r0' }),
          task('fails', command({ argv: ['false'] })),
        ],
        rescue: [task('rescue writes r', copy({ dest: `${dir}/r`, content: 'r\n' }))],
        always: [
          task('look at r', stat({ path: `${dir}/r` }), { register: 'r1' }),
          task('r was absent, then there', assert({ that: [(h) => !exists(h, 'r0'), (h) => exists(h, 'r1')] })),
        ],
      }),
      task('loop writes l1 l2', file({ path: `${dir}/l`, state: 'directory' }), { loop: [1] }),
      task('loop items', copy((h) => ({ dest: `${dir}/l/${String(h.item)}`, content: 'l\n' })), { loop: ['l1', 'l2'] }),
      task('look at l2', stat({ path: `${dir}/l/l2` }), { register: 'l2' }),
      task('l2 is there', assert({ that: (h) => exists(h, 'l2') })),
      task('converged x', copy({ dest: `${dir}/x`, content: 'one\n' })),
      task('converged y', stat({ path: `${dir}/y` })),
    ],
    handlers: [handler('make w', file({ path: `${dir}/w`, state: 'touch' }))],
  }),
]);
