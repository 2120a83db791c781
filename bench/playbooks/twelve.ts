/**
 * Twelve tasks that all report ok on a converged host: the figure behind "a no-op 12-task run over
 * 30 hosts takes < 2 s" (bench/run.ts runs it once to converge, then times it).
 */
import { play, playbook, task } from '../../runner/index.js';
import { blockinfile, command, copy, file, lineinfile, service, stat, template } from '../../modules/index.js';

const dir = '/srv/bench';

export default playbook(import.meta, [
  play({
    name: 'twelve',
    hosts: 'all',
    tasks: [
      task('base directory', file({ path: dir, state: 'directory', mode: '0755' })),
      task('conf directory', file({ path: `${dir}/conf`, state: 'directory', mode: '0750' })),
      task('a.conf', copy({ dest: `${dir}/conf/a.conf`, content: 'a=1\n', mode: '0644' })),
      task('b.conf', copy({ dest: `${dir}/conf/b.conf`, content: 'b=2\n', mode: '0600' })),
      task('host.conf', template({ dest: `${dir}/conf/host.conf`, render: (h) => `host=${h.facts.hostname}\nos=${h.facts.distribution}\n` })),
      task('c.conf line', lineinfile({ path: `${dir}/conf/c.conf`, line: 'c=3', create: true })),
      task('d.conf block', blockinfile({ path: `${dir}/conf/d.conf`, block: 'd=4\ne=5\n', create: true })),
      task('current link', file({ path: `${dir}/current`, src: `${dir}/conf`, state: 'link' })),
      task('stat a.conf', stat({ path: `${dir}/conf/a.conf` }), { register: 'a_conf' }),
      task('initialize once', command({ cmd: `touch ${dir}/initialized`, creates: `${dir}/initialized` })),
      task('a.conf mode', file({ path: `${dir}/conf/a.conf`, state: 'file', mode: '0644' })),
      task('cron running', service({ name: 'cron', state: 'started' })),
    ],
  }),
]);
