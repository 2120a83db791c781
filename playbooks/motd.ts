// playbooks/motd.ts — run it: npx tsx playbooks/motd.ts -i inventory/hosts.ini --check --diff
import { play, playbook, task, handler } from '../runner/index.js';
import { copy, lineinfile, service, stat } from '../modules/index.js';

const banner = task('look at the banner', stat({ path: '/etc/motd' }));

export default playbook(import.meta, [
  play({
    name: 'base',
    hosts: 'web:&prod',
    become: true,
    tasks: [
      banner,
      task('login banner', copy({ dest: '/etc/motd', content: 'Managed by Hostwright\n', mode: '0644' }), {
        when: (h) => !banner.result(h)?.stat.exists,
        tags: ['motd'],
      }),
      task('no root passwords', lineinfile({
        path: '/etc/ssh/sshd_config', regexp: '^#?PermitRootLogin', line: 'PermitRootLogin prohibit-password',
        validate: '/usr/sbin/sshd -t -f %s',
      }), { notify: 'reload ssh', tags: ['ssh'] }),
    ],
    handlers: [handler('reload ssh', service({ name: 'ssh', state: 'reloaded' }))],
  }),
]);
