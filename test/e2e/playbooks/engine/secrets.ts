/** become with a sudo password (-K) and a no_log task: neither value may reach the output. */
import { play, playbook, task } from '../../../../runner/index.js';
import { command, copy } from '../../../../modules/index.js';

export default playbook(import.meta, [
  play({
    name: 'secrets',
    hosts: 'all',
    become: true,
    tasks: [
      task('who am i', command({ cmd: 'id -u' }), { register: 'whoami' }),
      task('root proved', copy({ dest: '/tmp/engine-uid', content: 'x' }), { when: (h) => (h.vars.whoami as { stdout: string }).stdout === '0' }),
      task('private file', copy({ dest: '/tmp/engine-private', content: 'nolog-value-7f3a9c\n', mode: '0600' }), { no_log: true }),
      // A careless task that prints the password (passed with -e leak=...): masked in every output.
      task('echo the password', command((h) => ({ cmd: `echo ${String(h.vars.leak)}` }))),
    ],
  }),
]);
