/**
 * Parity cases for apt, user, group, cron and authorized_key: each case is one task, written once
 * and run by both tools (batch.ts builds the Hostwright playbook from this table, the test writes
 * the same table as an Ansible playbook). A batch runs as ONE playbook per tool on its own fresh
 * host after the same setup script, twice; test/e2e/modules-parity.test.ts compares every task's
 * status, both runs, and the host state left behind.
 */

import { REPO_SCRIPT } from '../../modules/apt-repo.js';

export type ParityModule = 'apt' | 'user' | 'group' | 'cron' | 'authorized_key';

export interface ParityCase {
  name: string;
  module: ParityModule;
  params: Record<string, unknown>;
  /** A case that must fail on the host (both tools go on with the next task). */
  fails?: boolean;
}

export interface ParityBatch {
  /** Shell run as root on both hosts before the first run: the starting state. */
  setup: string;
  /** Shell whose output must be identical on both hosts after each run. */
  state: string;
  /** Text the state must show after the runs (so an empty or broken probe cannot pass). */
  stateMarks: string[];
  cases: ParityCase[];
}

/** What Ansible calls each module. */
export const ANSIBLE_MODULE: Record<ParityModule, string> = {
  apt: 'ansible.builtin.apt',
  user: 'ansible.builtin.user',
  group: 'ansible.builtin.group',
  cron: 'ansible.builtin.cron',
  authorized_key: 'ansible.posix.authorized_key',
};

const KEY_A = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq4l2bHf7yq0mVb9vKp3mZl0b0c8h1S3y6sX0V6bJ3a alice@laptop';
const KEY_B = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0b1c2d3e4f5g6h7i8j9k0l1m2n3o4p5q6r7s8t9u0v bob@ci';
const KEY_C = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7hw carol';
// `openssl passwd -6 -salt hostwright secret`, and another one.
const HASH = '$6$hostwright$uPV1NDnHf6nb7zv4HL0M8UYqHqQyV3mB0H1bJrWbY1Ux7Vb7Mu9TtV7LJ9vh4BkD4Jh8Q0qF5dJ7r3QW8Q1aJ/';
const HASH2 = '$6$otherSalt$7p6WdN9M0Qr0rP6D8y8yQ2H2o3c0J2n1sGm9oQ3bZl1Q7j4c8FZ1wYz0wV2m8G0qT0aD3dF5hJ8kL1mN4pQ7r.';

// python3-apt for Ansible's apt module (on both hosts, so their package sets compare), then only
// the local repository (apt-repo.ts), and a cache both tools know is fresh (the update stamp).
const APT_SETUP = String.raw`
export DEBIAN_FRONTEND=noninteractive
apt-get -q update >/dev/null && apt-get -q -y install python3-apt >/dev/null
sed -i 's/^deb /#deb /' /etc/apt/sources.list
${REPO_SCRIPT}
apt-get -q update >/dev/null
apt-get -q -y install hw-extra >/dev/null
mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/update-success-stamp
`;

const ACCOUNTS_SETUP = String.raw`
set -e
groupadd hwg4; groupadd -g 3005 hwg5; groupadd -g 3010 hwg10
useradd -m -G adm,users hwu13
useradd -m hwu5; useradd -m hwu7; useradd -m hwu9; useradd -m hwu12
echo 'hwu7:${HASH2}' | chpasswd -e
for u in hwk1 hwk2 hwk3 hwk4 hwk5 hwk6; do useradd -m $u; done
for u in hwk3 hwk4 hwk6; do mkdir -m 700 /home/$u/.ssh; printf '%s\n%s\n' '${KEY_A}' '${KEY_B}' > /home/$u/.ssh/authorized_keys; chown -R $u: /home/$u/.ssh; done
mkdir -m 700 /home/hwk5/.ssh; printf '# team keys\n${KEY_C}\n\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq4l2bHf7yq0mVb9vKp3mZl0b0c8h1S3y6sX0V6bJ3a\n' > /home/hwk5/.ssh/authorized_keys; chown -R hwk5: /home/hwk5/.ssh
printf '#Ansible: old\n0 1 * * * root /bin/old\n# keep me\n' > /etc/cron.d/hw-pre
printf '#Ansible: nonl\n* * * * * root /bin/nonl' > /etc/cron.d/hw-nonl
printf '#Ansible: nightly\n0 3 * * * /bin/nightly\n' | crontab -
printf '0 4 * * * /bin/adopt\n' | crontab -u ops -
`;

export const BATCHES: Record<'apt' | 'accounts', ParityBatch> = {
  apt: {
    setup: APT_SETUP,
    state: String.raw`dpkg-query -W -f '${'$'}{Package} ${'$'}{Version} ${'$'}{db:Status-Abbrev}\n' | sort; apt-mark showmanual | grep '^hw-' || true; cat /etc/hw-conf.conf 2>/dev/null || echo no-conffile`,
    stateMarks: ['hw-conf 1.1 ii', 'hw-tool 1.0 ii', 'hw-lib 1.0 ii', 'hw-conf 1.1\n', 'hw-lib\nhw-tool'],
    cases: [
      { name: 'apt: a fresh cache is not refreshed', module: 'apt', params: { update_cache: true, cache_valid_time: 86400 } },
      { name: 'apt: several names in one call, one pinned', module: 'apt', params: { name: ['hw-lib', 'hw-tool=1.0'] } },
      { name: 'apt: an installed version matching a pattern', module: 'apt', params: { name: 'hw-tool=1.*' } },
      { name: 'apt: present is not an upgrade', module: 'apt', params: { name: 'hw-tool' } },
      { name: 'apt: latest installs the newest, without recommends', module: 'apt', params: { name: 'hw-conf', state: 'latest', install_recommends: false } },
      { name: 'apt: latest when already latest', module: 'apt', params: { name: 'hw-conf', state: 'latest' } },
      { name: 'apt: a pattern the installed version matches', module: 'apt', params: { name: 'hw-conf=1.*' } },
      { name: 'apt: remove keeps config files', module: 'apt', params: { name: 'hw-extra', state: 'absent' } },
      { name: 'apt: purge removes what remove left', module: 'apt', params: { name: 'hw-extra', state: 'absent', purge: true } },
      { name: 'apt: absent of a package apt does not know', module: 'apt', params: { name: 'hw-never-heard-of', state: 'absent' } },
      { name: 'apt: an unknown package fails', module: 'apt', params: { name: ['hw-lib', 'hw-no-such-package'] }, fails: true },
      { name: 'apt: a version nobody has fails', module: 'apt', params: { name: 'hw-lib=9.*' }, fails: true },
      { name: 'apt: a downgrade without allow_downgrade fails', module: 'apt', params: { name: 'hw-conf=1.0' }, fails: true },
    ],
  },
  accounts: {
    setup: ACCOUNTS_SETUP,
    state: String.raw`grep -E '^(hw|ops|deploy|adm|users)' /etc/passwd /etc/group /etc/shadow | sed -E 's/^(\/etc\/shadow:[^:]*:[^:]*):[0-9]+:/\1:DAY:/'
stat -c '%n %U %G %a' /home/hw* /srv/hw* /home/hw*/.ssh /home/hw*/.ssh/* /srv/hwk/* 2>/dev/null
for f in /home/hw*/.ssh/authorized_keys /srv/hwk/*; do [ -f "$f" ] && { echo "== $f"; cat "$f"; }; done
for u in root deploy ops; do echo "== crontab $u"; crontab -l -u $u 2>&1; done
for f in /etc/cron.d/hw-*; do echo "== $f"; cat "$f"; echo '<EOF>'; done`,
    stateMarks: ['/etc/group:hwg6:x:3005:', '/etc/passwd:hwu2:x:2101:', `/etc/shadow:hwu6:${HASH}:DAY:`, '/etc/shadow:hwu7:!', 'MAILTO="ops@example.com"\nPATH="/usr/bin:/bin"', '#Ansible: adopt', '# keep me', 'no-pty,from="10.0.0.0/8" ssh-ed25519', '/srv/hwk hwk1 hwk1 700'],
    cases: [
      // group
      { name: 'group: create', module: 'group', params: { name: 'hwg1' } },
      { name: 'group: create with a gid', module: 'group', params: { name: 'hwg2', gid: 3001 } },
      { name: 'group: create a system group', module: 'group', params: { name: 'hwg3', system: true } },
      { name: 'group: change the gid', module: 'group', params: { name: 'hwg10', gid: 3020 } },
      { name: 'group: remove an existing group', module: 'group', params: { name: 'hwg4', state: 'absent' } },
      { name: 'group: absent of a missing group', module: 'group', params: { name: 'hwg9', state: 'absent' } },
      { name: 'group: an existing group with its gid', module: 'group', params: { name: 'hwg5', gid: 3005 } },
      { name: 'group: a duplicate gid with non_unique', module: 'group', params: { name: 'hwg6', gid: 3005, non_unique: true } },
      { name: 'group: an existing system group', module: 'group', params: { name: 'adm' } },
      { name: 'group: a system group with a gid', module: 'group', params: { name: 'hwg7', gid: 990, system: true } },
      { name: 'group: a duplicate gid fails', module: 'group', params: { name: 'hwg8', gid: 3005 }, fails: true },
      // user
      { name: 'user: create with defaults', module: 'user', params: { name: 'hwu1' } },
      { name: 'user: create with uid, shell, comment and groups', module: 'user', params: { name: 'hwu2', uid: 2101, shell: '/bin/bash', comment: 'Hw User', groups: ['adm', 'hwg2'] } },
      { name: 'user: primary group and no home', module: 'user', params: { name: 'hwu3', group: 'users', create_home: false } },
      { name: 'user: a system user', module: 'user', params: { name: 'hwu4', system: true, shell: '/usr/sbin/nologin' } },
      { name: 'user: change shell and comment', module: 'user', params: { name: 'hwu5', shell: '/bin/bash', comment: 'Changed' } },
      { name: 'user: append a group', module: 'user', params: { name: 'hwu5', groups: ['adm'], append: true } },
      { name: 'user: create with a password hash', module: 'user', params: { name: 'hwu6', password: HASH } },
      { name: 'user: lock a password', module: 'user', params: { name: 'hwu7', password_lock: true } },
      { name: 'user: create with an expiry', module: 'user', params: { name: 'hwu8', expires: 1893456000 } },
      { name: 'user: remove with its home', module: 'user', params: { name: 'hwu9', state: 'absent', remove: true } },
      { name: 'user: absent of a missing user', module: 'user', params: { name: 'hwu99', state: 'absent' } },
      { name: 'user: a home outside /home', module: 'user', params: { name: 'hwu10', home: '/srv/hwu10' } },
      { name: 'user: move the home', module: 'user', params: { name: 'hwu12', home: '/srv/hwu12', move_home: true } },
      { name: 'user: exact groups replace the others', module: 'user', params: { name: 'hwu13', groups: ['users'] } },
      { name: 'user: an unknown group fails', module: 'user', params: { name: 'hwu11', groups: ['hw-no-group'] }, fails: true },
      // cron
      { name: 'cron: a job in root crontab', module: 'cron', params: { name: 'hw-c1', minute: '5', hour: '2', job: '/bin/true' } },
      { name: 'cron: a special time for another user', module: 'cron', params: { name: 'hw-c2', user: 'deploy', special_time: 'daily', job: '/bin/daily' } },
      { name: 'cron: a disabled job', module: 'cron', params: { name: 'hw-c3', user: 'deploy', weekday: '1-5', job: '/bin/weekday', disabled: true } },
      { name: 'cron: an env variable', module: 'cron', params: { name: 'MAILTO', env: true, user: 'deploy', job: 'ops@example.com' } },
      { name: 'cron: an env variable after another', module: 'cron', params: { name: 'PATH', env: true, user: 'deploy', job: '/usr/bin:/bin', insertafter: 'MAILTO' } },
      { name: 'cron: a job in a cron file', module: 'cron', params: { name: 'hw-c6', cron_file: 'hw-file', user: 'root', minute: '*/10', job: '/bin/sweep' } },
      { name: 'cron: a second job in the same cron file', module: 'cron', params: { name: 'hw-c7', cron_file: 'hw-file', user: 'www-data', hour: '1', job: '/bin/other' } },
      { name: 'cron: remove a job, other lines of the file stay', module: 'cron', params: { name: 'old', cron_file: 'hw-pre', state: 'absent' } },
      { name: 'cron: change the time of an existing job', module: 'cron', params: { name: 'nightly', hour: '4', minute: '30', job: '/bin/nightly' } },
      { name: 'cron: absent of a job that is not there', module: 'cron', params: { name: 'hw-none', state: 'absent' } },
      { name: 'cron: a cron file without a final newline', module: 'cron', params: { name: 'nonl', cron_file: 'hw-nonl', user: 'root', job: '/bin/nonl' } },
      { name: 'cron: an identical job without a marker is adopted', module: 'cron', params: { name: 'adopt', user: 'ops', minute: '0', hour: '4', job: '/bin/adopt' } },
      { name: 'cron: a bad minute fails', module: 'cron', params: { name: 'hw-bad', minute: '61', job: '/bin/bad' }, fails: true },
      // authorized_key
      { name: 'authorized_key: the first key (creates ~/.ssh)', module: 'authorized_key', params: { user: 'hwk1', key: KEY_A } },
      { name: 'authorized_key: two keys at once', module: 'authorized_key', params: { user: 'hwk2', key: `${KEY_A}\n${KEY_B}` } },
      { name: 'authorized_key: options for a key', module: 'authorized_key', params: { user: 'hwk6', key: KEY_B, key_options: 'no-pty,from="10.0.0.0/8"' } },
      { name: 'authorized_key: exclusive', module: 'authorized_key', params: { user: 'hwk3', key: KEY_B, exclusive: true } },
      { name: 'authorized_key: absent', module: 'authorized_key', params: { user: 'hwk4', key: KEY_A, state: 'absent' } },
      { name: 'authorized_key: absent of a key not there', module: 'authorized_key', params: { user: 'hwk4', key: KEY_C, state: 'absent' } },
      { name: 'authorized_key: a key already there', module: 'authorized_key', params: { user: 'hwk4', key: KEY_B } },
      { name: 'authorized_key: a file of odd lines gets a key', module: 'authorized_key', params: { user: 'hwk5', key: KEY_B } },
      { name: 'authorized_key: a comment', module: 'authorized_key', params: { user: 'hwk1', key: KEY_C, comment: 'carol@desk' } },
      { name: 'authorized_key: another path, manage_dir', module: 'authorized_key', params: { user: 'hwk1', key: KEY_B, path: '/srv/hwk/hwk1.keys' } },
      { name: 'authorized_key: an unknown user fails', module: 'authorized_key', params: { user: 'hw-nobody', key: KEY_A }, fails: true },
    ],
  },
};
