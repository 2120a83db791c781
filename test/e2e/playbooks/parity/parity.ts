/**
 * The parity playbook, Hostwright's side: parity.yml task for task (same names, order and effects),
 * so test/e2e/parity.test.ts can compare the two tools' PLAY RECAP on fresh lab hosts and bench/
 * can time them on equal work. Run: npx tsx test/e2e/playbooks/parity/parity.ts -i <inventory>
 */
import { handler, play, playbook, task, type HostContext } from '../../../../runner/index.js';
import { blockinfile, command, copy, file, lineinfile, service, shell, stat, template } from '../../../../modules/index.js';

const parityVars = { app_name: 'parity', app_port: 8080, admins: ['alice', 'bob'] };
type ParityVars = typeof parityVars;
/** Play vars as this play declares them (-e may still override their values). */
const v = (h: HostContext) => h.vars as unknown as ParityVars;

const stamp = task<{ changed: boolean; failed: boolean; stat: { exists: boolean } }>(
  'look for the stamp',
  stat({ path: '/srv/parity/stamp' }),
  { register: 'stamp' },
);

export default playbook(import.meta, [
  play({
    name: 'parity',
    hosts: 'all',
    vars: parityVars,
    tasks: [
      task('app directory', file({ path: '/srv/parity', state: 'directory', mode: '0755' })),
      task(
        'app config',
        template({
          dest: '/etc/parity.conf',
          mode: '0644',
          render: (h) =>
            `# parity.conf for ${h.facts.hostname} (${h.facts.distribution} ${h.facts.distribution_major_version})\n` +
            `name=${v(h).app_name}\nport=${v(h).app_port}\n` +
            v(h).admins.map((admin) => `admin=${admin}\n`).join(''),
        }),
        { notify: 'restart cron' },
      ),
      task('motd', copy({ content: 'Managed by parity. Authorized use only.\n', dest: '/etc/motd', mode: '0644' })),
      task('cron log level', lineinfile({ path: '/etc/default/cron', regexp: '^EXTRA_OPTS=', line: 'EXTRA_OPTS="-L 1"' }), {
        notify: 'restart cron',
      }),
      task('shell aliases', blockinfile({ path: '/etc/bash.bashrc', block: "alias ll='ls -l'\nalias la='ls -A'\n" })),
      // force: the link may point at a file that does not exist yet (check mode on a fresh host).
      task('config link', file({ src: '/etc/parity.conf', path: '/srv/parity/parity.conf', state: 'link', force: true })),
      task('keep the first config', command({ cmd: 'cp /etc/parity.conf /srv/parity/parity.conf.orig', creates: '/srv/parity/parity.conf.orig' })),
      task('count config keys', shell({ cmd: "grep -c '=' /etc/parity.conf" }), { register: 'config_keys', changed_when: () => false }),
      stamp,
      task('first-run stamp', file({ path: '/srv/parity/stamp', state: 'touch', mode: '0600' }), {
        when: (h) => !stamp.result(h)?.stat.exists,
      }),
      task('cron running', service({ name: 'cron', state: 'started', enabled: true })),
    ],
    handlers: [handler('restart cron', service({ name: 'cron', state: 'restarted' }))],
  }),
]);
