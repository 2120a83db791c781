/**
 * A deploy user the way the seeds set one up (group, user in it, SSH key, sudo rights through
 * copy + visudo, a cron job, packages): every task depends on the one before, so `--check` on a
 * fresh host predicts the run only because each module declares its effects and overlays the
 * earlier ones. test/e2e/modules-check.test.ts runs it with --check --diff, then for real.
 */
import { play, playbook, task } from '../../../../runner/index.js';
import { apt, authorized_key, copy, cron, group, user } from '../../../../modules/index.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq4l2bHf7yq0mVb9vKp3mZl0b0c8h1S3y6sX0V6bJ3a ci@deploy';

export default playbook(import.meta, [
  play({
    name: 'deploy user',
    hosts: 'all',
    gather_facts: false,
    tasks: [
      task('deployers group', group({ name: 'deployers', gid: 3300 })),
      task('deploy user', user({ name: 'app', groups: ['deployers'], shell: '/bin/bash' })),
      task('deploy user again', user({ name: 'app', groups: ['deployers'], shell: '/bin/bash' })),
      task('deploy key', authorized_key({ user: 'app', key: KEY })),
      task('sudo rights', copy({ dest: '/etc/sudoers.d/app', mode: '0440', content: 'app ALL=(root) NOPASSWD: /usr/sbin/service cron restart\n', validate: 'visudo -cf %s' })),
      task('nightly job', cron({ name: 'nightly', user: 'app', hour: '3', minute: '0', job: '/usr/bin/true' })),
      task('cron file', cron({ name: 'sweep', cron_file: 'app', user: 'app', minute: '*/15', job: '/usr/bin/true' })),
      task('second job in the cron file', cron({ name: 'report', cron_file: 'app', user: 'app', hour: '6', job: '/usr/bin/true' })),
      task('tool', apt({ name: 'hw-tool=1.0' })),
      task('tool again', apt({ name: 'hw-tool' })),
      task('its library', apt({ name: 'hw-lib' })),
    ],
  }),
]);
