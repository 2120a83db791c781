/**
 * Dependent-task chains for check mode that predicts (test/e2e/check-predicts.test.ts): in each
 * play a task reads what an earlier task of the play would change. On a fresh host, `--check
 * --diff` must print every task's status and diff exactly as the real run then does.
 * chains.yml is the same playbook for ansible-playbook, to show its own check mode beside ours.
 * Each chain works under its own directory, /opt/cN, and names its tasks `cN ...`; c30 writes
 * through an included loop (chains.yml includes c30-files.yml).
 */
import { block, handler, includeTasks, play, playbook, task } from '../../../../runner/index.js';
import { apt, blockinfile, command, copy, deploy, file, firewalld, firewalld_settings, git, git_publish, group, lineinfile, service, shell, stat, template, user } from '../../../../modules/index.js';

const hosts = 'all';
const gather_facts = false;

const c11stat = task('c11 look at the config', stat({ path: '/opt/c11/app.conf' }));
const c18stat = task('c18 look at the file', stat({ path: '/opt/c18/x' }));
const c16probe = task('c16 ask the host', shell({ cmd: 'echo ready' }), { register: 'c16_out' });

export default playbook(import.meta, [
  play({
    name: 'c1 the issue: a directory, then a file in it',
    hosts,
    gather_facts,
    tasks: [
      task('c1 dir', file({ path: '/opt/c1/newdir', state: 'directory' })),
      task('c1 file in dir', copy({ dest: '/opt/c1/newdir/x.conf', content: 'x=1\n' })),
    ],
  }),
  play({
    name: 'c2 nested directories, then a template in the deepest',
    hosts,
    gather_facts,
    tasks: [
      task('c2 tree', file({ path: '/opt/c2/a/b', state: 'directory', mode: '0750' })),
      task('c2 config', template({ dest: '/opt/c2/a/b/app.conf', mode: '0640', render: (h) => `host=${h.host}\nport=8080\n` })),
      task('c2 tree again', file({ path: '/opt/c2/a', state: 'directory', mode: '0750' })),
    ],
  }),
  play({
    name: 'c3 a copied file, then a line edited in it',
    hosts,
    gather_facts,
    tasks: [
      task('c3 dir', file({ path: '/opt/c3', state: 'directory' })),
      task('c3 config', copy({ dest: '/opt/c3/app.conf', content: 'workers=2\nport=80\n' })),
      task('c3 workers', lineinfile({ path: '/opt/c3/app.conf', regexp: '^workers=', line: 'workers=8' })),
      task('c3 workers again', lineinfile({ path: '/opt/c3/app.conf', regexp: '^workers=', line: 'workers=8' })),
    ],
  }),
  play({
    name: 'c4 a copied file, then a block added to it',
    hosts,
    gather_facts,
    tasks: [
      task('c4 dir', file({ path: '/opt/c4', state: 'directory' })),
      task('c4 config', copy({ dest: '/opt/c4/hosts', content: '127.0.0.1 localhost\n' })),
      task('c4 block', blockinfile({ path: '/opt/c4/hosts', block: '10.0.0.1 db\n10.0.0.2 cache\n' })),
    ],
  }),
  play({
    name: 'c5 a new file, then its mode and owner',
    hosts,
    gather_facts,
    tasks: [
      task('c5 dir', file({ path: '/opt/c5', state: 'directory' })),
      task('c5 secret', copy({ dest: '/opt/c5/key', content: 'k\n' })),
      task('c5 tighten', file({ path: '/opt/c5/key', mode: '0600', owner: 'deploy' })),
    ],
  }),
  play({
    name: 'c6 the same file twice: the second is no change',
    hosts,
    gather_facts,
    tasks: [
      task('c6 dir', file({ path: '/opt/c6', state: 'directory' })),
      task('c6 write', copy({ dest: '/opt/c6/f', content: 'same\n', mode: '0644' })),
      task('c6 write again', copy({ dest: '/opt/c6/f', content: 'same\n', mode: '0644' })),
      task('c6 write other', copy({ dest: '/opt/c6/f', content: 'other\n' })),
    ],
  }),
  play({
    name: "c7 a link, then its target's content through it",
    hosts,
    gather_facts,
    tasks: [
      task('c7 dir', file({ path: '/opt/c7', state: 'directory' })),
      task('c7 target', copy({ dest: '/opt/c7/real.conf', content: 'a=1\n' })),
      task('c7 link', file({ path: '/opt/c7/current.conf', src: 'real.conf', state: 'link' })),
      task('c7 edit through the link', lineinfile({ path: '/opt/c7/current.conf', line: 'b=2' })),
      task('c7 look through the link', stat({ path: '/opt/c7/current.conf', follow: true }), { register: 'c7_stat' }),
      task('c7 only if a regular file', copy({ dest: '/opt/c7/ok', content: 'ok\n' }), {
        when: (h) => (h.vars.c7_stat as { stat: { isreg: boolean } }).stat.isreg,
      }),
    ],
  }),
  play({
    name: 'c8 a directory, then a link to it, then stat through the link',
    hosts,
    gather_facts,
    tasks: [
      task('c8 dir', file({ path: '/opt/c8/data', state: 'directory', mode: '0700' })),
      task('c8 link', file({ path: '/opt/c8/current', src: '/opt/c8/data', state: 'link' })),
      task('c8 stat', stat({ path: '/opt/c8/current', follow: true }), { register: 'c8_stat' }),
      task('c8 note when a directory', copy({ dest: '/opt/c8/note', content: 'dir\n' }), {
        when: (h) => (h.vars.c8_stat as { stat: { isdir: boolean; mode: string } }).stat.isdir && (h.vars.c8_stat as { stat: { mode: string } }).stat.mode === '0700',
      }),
    ],
  }),
  play({
    name: 'c9 a file removed, then created again by lineinfile',
    hosts,
    gather_facts,
    tasks: [
      task('c9 dir', file({ path: '/opt/c9', state: 'directory' })),
      task('c9 old', copy({ dest: '/opt/c9/list', content: 'old\n' })),
      task('c9 remove', file({ path: '/opt/c9/list', state: 'absent' })),
      task('c9 create', lineinfile({ path: '/opt/c9/list', line: 'new', create: true })),
    ],
  }),
  play({
    name: 'c10 a command with creates, twice',
    hosts,
    gather_facts,
    tasks: [
      task('c10 dir', file({ path: '/opt/c10', state: 'directory' })),
      task('c10 init', command({ cmd: 'touch /opt/c10/done', creates: '/opt/c10/done' })),
      task('c10 init again', command({ cmd: 'touch /opt/c10/done', creates: '/opt/c10/done' })),
      task('c10 cleanup', command({ cmd: 'rm /opt/c10/done', removes: '/opt/c10/done' })),
      task('c10 cleanup again', command({ cmd: 'rm /opt/c10/done', removes: '/opt/c10/done' })),
    ],
  }),
  play({
    name: 'c11 stat after a write decides a when',
    hosts,
    gather_facts,
    tasks: [
      task('c11 dir', file({ path: '/opt/c11', state: 'directory' })),
      task('c11 config', copy({ dest: '/opt/c11/app.conf', content: 'v=1\n', mode: '0640' })),
      c11stat,
      task('c11 only when present', copy({ dest: '/opt/c11/seen', content: 'yes\n' }), { when: (h) => c11stat.result(h)?.stat.exists === true }),
      task('c11 only when absent', copy({ dest: '/opt/c11/missing', content: 'no\n' }), { when: (h) => c11stat.result(h)?.stat.exists === false }),
    ],
  }),
  play({
    name: 'c12 a handler notified by a change that exists only in the prediction',
    hosts,
    gather_facts,
    tasks: [
      task('c12 dir', file({ path: '/opt/c12', state: 'directory' })),
      task('c12 config', copy({ dest: '/opt/c12/app.conf', content: 'a=1\n' })),
      task('c12 line', lineinfile({ path: '/opt/c12/app.conf', line: 'b=2' }), { notify: 'c12 reload' }),
    ],
    handlers: [handler('c12 reload', copy({ dest: '/opt/c12/reloaded', content: 'reloaded\n' }))],
  }),
  play({
    name: 'c13 no handler when the prediction is no change',
    hosts,
    gather_facts,
    tasks: [
      task('c13 dir', file({ path: '/opt/c13', state: 'directory' })),
      task('c13 config', copy({ dest: '/opt/c13/app.conf', content: 'a=1\n' })),
      task('c13 same config', copy({ dest: '/opt/c13/app.conf', content: 'a=1\n' }), { notify: 'c13 reload' }),
    ],
    handlers: [handler('c13 reload', copy({ dest: '/opt/c13/reloaded', content: 'reloaded\n' }))],
  }),
  play({
    name: 'c14 a service stopped, then started again',
    hosts,
    gather_facts: true,
    tasks: [
      task('c14 stop cron', service({ name: 'cron', state: 'stopped' })),
      task('c14 start cron', service({ name: 'cron', state: 'started' })),
    ],
  }),
  play({
    name: 'c15 a touched file, then lines in it, then a block',
    hosts,
    gather_facts,
    tasks: [
      task('c15 dir', file({ path: '/opt/c15', state: 'directory' })),
      task('c15 touch', file({ path: '/opt/c15/list', state: 'touch', mode: '0600' })),
      task('c15 first', lineinfile({ path: '/opt/c15/list', line: 'one' })),
      task('c15 second', lineinfile({ path: '/opt/c15/list', line: 'two', insertbefore: 'BOF' })),
      task('c15 block', blockinfile({ path: '/opt/c15/list', block: 'three\n', marker: '# {mark} c15' })),
    ],
  }),
  play({
    name: 'c16 a when reading the output of a command that would run',
    hosts,
    gather_facts,
    tasks: [
      c16probe,
      task('c16 on its output', copy({ dest: '/tmp/c16', content: 'ready\n' }), { when: (h) => c16probe.result(h)?.stdout === 'ready' }),
    ],
  }),
  play({
    name: 'c18 a group, a user in it, then files owned by them',
    hosts,
    gather_facts,
    tasks: [
      task('c18 group', group({ name: 'c18grp' })),
      task('c18 user', user({ name: 'c18user', group: 'c18grp', create_home: false })),
      task('c18 dir', file({ path: '/opt/c18', state: 'directory', owner: 'c18user', group: 'c18grp', mode: '0750' })),
      task('c18 file', copy({ dest: '/opt/c18/x', content: 'x\n', owner: 'c18user', group: 'c18grp', mode: '0640' })),
      c18stat,
      task('c18 only if owned by the user', copy({ dest: '/opt/c18/owned', content: 'yes\n' }), {
        when: (h) => {
          const st = c18stat.result(h)?.stat;
          return st?.exists === true && st.pw_name === 'c18user';
        },
      }),
    ],
  }),
  play({
    name: 'c19 a git checkout, then its directory, then the same checkout',
    hosts,
    gather_facts,
    tasks: [
      task('c19 checkout', git({ repo: '/srv/c19.git', dest: '/opt/c19/app', version: 'main' })),
      task('c19 the checkout is a directory', file({ path: '/opt/c19/app', state: 'directory' })),
      task('c19 checkout again', git({ repo: '/srv/c19.git', dest: '/opt/c19/app', version: 'main' })),
    ],
  }),
  play({
    name: 'c20 files in a new checkout (read from the remote in check mode)',
    hosts,
    gather_facts,
    tasks: [
      task('c20 checkout', git({ repo: '/srv/c19.git', dest: '/opt/c20/app', version: 'main' })),
      task('c20 readme line', lineinfile({ path: '/opt/c20/app/README', line: 'managed' })),
      task('c20 local config', copy({ dest: '/opt/c20/app/local.conf', content: 'local=1\n' })),
    ],
  }),
  play({
    name: 'c21 a package, then a line in its config file, then its service',
    hosts,
    gather_facts,
    tasks: [
      task('c21 package', apt({ name: 'at', install_recommends: false, update_cache: true, cache_valid_time: 3600 })),
      task('c21 deny a user', lineinfile({ path: '/etc/at.deny', line: 'c21user' })),
      task('c21 service', service({ name: 'atd', state: 'started', enabled: true })),
    ],
  }),
  play({
    name: 'c30 a directory, then files in it written by an included loop',
    hosts,
    gather_facts,
    tasks: [
      task('c30 dir', file({ path: '/opt/c30', state: 'directory' })),
      includeTasks('c30 files', (h) => [task(`c30 file ${h.item}`, copy({ dest: `/opt/c30/${h.item}`, content: `${h.item}\n` }))], { loop: ['a', 'b'] }),
      task('c30 a is a file', file({ path: '/opt/c30/a', state: 'file', mode: '0600' })),
    ],
  }),
  play({
    // firewalld's shipped zones and firewalld.conf come from the .deb in check mode; on a plain host
    // nothing starts it (its postinst starts it only under systemd), so it is configured offline.
    name: 'c22 a firewall package, then a file in its new /etc directory, then its zones and settings',
    hosts,
    gather_facts,
    tasks: [
      // netbase: /etc/protocols, which firewalld needs to load its zones (a recommendation of it).
      task('c22 package', apt({ name: ['firewalld', 'netbase'], install_recommends: false, update_cache: true, cache_valid_time: 3600 })),
      task('c22 a service of our own', copy({ dest: '/etc/firewalld/services/c22.xml', content: '<?xml version="1.0" encoding="utf-8"?>\n<service>\n  <short>c22</short>\n  <port protocol="tcp" port="8022"/>\n</service>\n' })),
      task('c22 http open', firewalld({ zone: 'public', service: 'http', permanent: true, state: 'enabled' })),
      task('c22 ssh already open', firewalld({ zone: 'public', service: 'ssh', permanent: true, state: 'enabled' })),
      task('c22 log denied', firewalld_settings({ log_denied: 'all' })),
    ],
  }),
  play({
    // The release's name is the published commit's id, computed before the run: check shows the
    // same `releases/<id>` as the run. No Ansible counterpart (chains.yml has no c23).
    name: 'c23 a directory published as a repository, then a release of it',
    hosts,
    gather_facts,
    tasks: [
      task('c23 publish', git_publish({ src: 'c23-app', repo: '/srv/c23.git' })),
      task('c23 release', deploy({ path: '/opt/c23', repo: '/srv/c23.git' })),
      task('c23 publish again', git_publish({ src: 'c23-app', repo: '/srv/c23.git' })),
      task('c23 release again', deploy({ path: '/opt/c23', repo: '/srv/c23.git' })),
    ],
  }),
  play({
    name: 'c17 block/rescue around a failure that exists only in the prediction',
    hosts,
    gather_facts,
    tasks: [
      task('c17 dir', file({ path: '/opt/c17', state: 'directory' })),
      task('c17 file', copy({ dest: '/opt/c17/x', content: 'x\n' })),
      task('c17 remove', file({ path: '/opt/c17/x', state: 'absent' })),
      block({
        block: [task('c17 must be a file', file({ path: '/opt/c17/x', state: 'file' }))],
        rescue: [task('c17 recreate', copy({ dest: '/opt/c17/x', content: 'again\n' }))],
      }),
    ],
  }),
]);
