/**
 * Twin of include.yml (test/e2e/include-parity.test.ts runs both): includeTasks with a loop, when
 * per item, loop_control, tags with and without apply, handlers notified from included tasks,
 * includeRole with typed vars and its handler, includeRole with tasks_from and a loop, and an item whose included task fails. `pick` (-e)
 * is the host that differs.
 */
import { defineRole, handler, includeRole, includeTasks, play, playbook, task, type Items } from '../../../../runner/index.js';
import { copy, fail } from '../../../../modules/index.js';

const isPick = (h: { host: string; vars: Readonly<Record<string, unknown>> }) => h.host === h.vars.pick;

/** items.yml */
const items = (item: string): Items => [task(`write ${item}`, copy({ content: `${item}\n`, dest: `/tmp/inc-${item}` }), { notify: 'items changed' })];

/** tagged.yml: the loop var `t` and index var `i` are variables of the included tasks. */
const tagged = (t: { n: string }): Items => [task(`tagged ${t.n}`, copy((h) => ({ content: `${String(h.vars.i)}\n`, dest: `/tmp/inc-tagged-${t.n}` })))];

/** fails.yml */
const fails = (item: string): Items => [
  task(`check ${item}`, fail({ msg: `item ${item} fails` }), { when: (h) => item === 'c' && isPick(h) }),
  task(`after ${item}`, copy({ content: `${item}\n`, dest: `/tmp/inc-after-${item}` })),
];

/** roles/web */
interface WebVars {
  port: number;
  /** The item other.yml names its file after. */
  n?: number;
}
const web = defineRole('web', (v: WebVars): Items => [task('web port', copy({ content: `port ${v.port}\n`, dest: '/tmp/inc-web-port' }), { notify: 'restart web' })], {
  handlers: [handler('restart web', copy({ content: 'restarted\n', dest: '/tmp/inc-web-restarted' }))],
  // roles/web/tasks/other.yml
  entries: { other: (v: WebVars): Items => [task(`web other ${v.n}`, copy({ content: `${v.port}\n`, dest: `/tmp/inc-web-other-${v.n}` }))] },
});

export default playbook(import.meta, [
  play({
    name: 'includes',
    hosts: 'all',
    gather_facts: false,
    tasks: [
      includeTasks('loop include', (h) => items(String(h.item)), { loop: ['a', 'b', 'c'], when: (h) => h.item !== 'c' || isPick(h), tags: ['inc'] }),
      includeTasks('apply include', (h) => tagged(h.item), {
        apply: { tags: ['inc2'] },
        loop: [{ n: 'x', big: 'zzz' }, { n: 'y', big: 'yyy' }],
        loop_control: { loop_var: 't', index_var: 'i', label: (h) => (h.vars.t as { n: string }).n },
        tags: ['inc2'],
      }),
      includeRole(web, { name: 'role include', vars: (h) => ({ port: isPick(h) ? 80 : 81 }) }),
      includeRole(web, { name: 'role loop', tasks_from: 'other', vars: (h) => ({ port: 82, n: h.item }), loop: [1, 2], when: (h) => h.item === 2 || isPick(h) }),
      includeTasks('failing item', (h) => fails(String(h.item)), { loop: ['a', 'c', 'd'] }),
      task('after all', copy({ content: 'done\n', dest: '/tmp/inc-done' })),
    ],
    handlers: [handler('items changed', copy({ content: 'changed\n', dest: '/tmp/inc-handler' }))],
  }),
]);
