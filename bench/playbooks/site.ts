/**
 * The baseline playbook Ansible and pyinfra were measured with (site.yml beside this file, from
 * shared/bench-baseline), task for task: same names, order, parameters and handler. bench/run.ts
 * times the two against each other. Run: npx tsx bench/playbooks/site.ts -i <inventory>
 *
 * Differences that are not the tools': the template is a TypeScript function instead of Jinja2,
 * and Hostwright's facts have no memtotal_mb, so that line of app.conf says `unknown`.
 */
import { handler, play, playbook, task, type HostContext } from '../../runner/index.js';
import { apt, command, copy, cron, file, git, lineinfile, template, user } from '../../modules/index.js';

const siteVars = { app_name: 'demo', app_port: 8080, app_workers: 4, app_backends: ['alpha', 'beta', 'gamma'] };
const v = (h: HostContext) => h.vars as unknown as typeof siteVars & { ansible_host?: string };

function appConf(h: HostContext): string {
  const backends = v(h).app_backends.map((b, i) => `${b} = ${b}.${h.host}.lab:${v(h).app_port + i + 1}\n`).join('');
  return [
    '# Hostwright managed\n',
    '[app]\n',
    `name = ${v(h).app_name}\n`,
    `host = ${h.host}\n`,
    `address = ${v(h).ansible_host ?? h.host}\n`,
    `listen = 0.0.0.0:${v(h).app_port}\n`,
    `workers = ${v(h).app_workers}\n`,
    `os = ${h.facts.distribution} ${h.facts.distribution_version}\n`,
    'memory_mb = unknown\n',
    '\n[backends]\n',
    backends,
  ].join('');
}

export default playbook(import.meta, [
  play({
    name: 'Baseline configuration',
    hosts: 'lab',
    vars: siteVars,
    tasks: [
      task('Install small packages (from the pre-cached .debs, no download)', apt({ name: ['tree', 'jq'], state: 'present', update_cache: false })),
      task('Application config directory', file({ path: '/etc/lab-app', state: 'directory', owner: 'root', group: 'root', mode: '0750' })),
      task('Static file', copy({ src: 'files/motd', dest: '/etc/motd', owner: 'root', group: 'root', mode: '0644' })),
      task('Line in /etc/environment', lineinfile({ path: '/etc/environment', regexp: '^LAB_ROLE=', line: 'LAB_ROLE=web', create: true, mode: '0644' })),
      task('Templated application config', template({ dest: '/etc/lab-app/app.conf', owner: 'root', group: 'root', mode: '0640', render: appConf })),
      task('Cron entry', cron({ name: 'lab-app cleanup', minute: '*/15', job: "find /tmp -maxdepth 1 -name 'lab-app-*' -mmin +60 -delete", user: 'root' })),
      task('Service account', user({ name: 'deploy', shell: '/bin/bash', create_home: true })),
      task('Git checkout from the local bare repo', git({ repo: '/srv/repo.git', dest: '/opt/demo', version: 'main' })),
      task('Data directory with mode and owner', file({ path: '/var/lib/lab-app/data', state: 'directory', owner: 'deploy', group: 'deploy', mode: '0700' })),
      task('One-time initialisation (idempotent through creates=)', command({ cmd: '/opt/demo/bin/app.sh', creates: '/var/lib/lab-app/.initialized' }), {
        notify: 'mark initialised',
      }),
      task(
        'Symlink to the checked-out app',
        // In --check on a fresh host the target does not exist yet (force, as the YAML does).
        file((h) => ({ src: '/opt/demo/bin/app.sh', path: '/usr/local/bin/demo-app', state: 'link', force: Boolean(h.vars.ansible_check_mode) })),
      ),
    ],
    handlers: [handler('mark initialised', copy({ content: 'initialised by ansible\n', dest: '/var/lib/lab-app/.initialized', mode: '0644' }))],
  }),
]);
