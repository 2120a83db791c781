/** user, group and authorized_key planners on recorded account lines (no host). */
import { describe, expect, it } from 'vitest';
import { parseUserProbe, planUser, type UserParams } from '../../../modules/user.js';
import { parseGroupProbe, planGroup } from '../../../modules/group.js';
import { parseAuthorizedKeyProbe, planAuthorizedKey, type AuthorizedKeyParams } from '../../../modules/authorized_key.js';
import { parseKeys, parseOptions, serializeKeys } from '../../../modules/_lib/sshkeys.js';

// Recorded from a lab host's probe (passwd, shadow, the group file, home).
const PROBE = [
  'passwd deploy:x:1000:1000::/home/deploy:/bin/bash',
  'shadow deploy:$6$abc$hash:20427:0:99999:7:::',
  'group root:x:0:',
  'group adm:x:4:deploy',
  'group sudo:x:27:deploy',
  'group users:x:100:',
  'group deploy:x:1000:',
  'home yes',
].join('\n');
const state = parseUserProbe(PROBE);
const planFor = (p: Omit<UserParams, 'name'>) => planUser({ name: 'deploy', ...p }, state);
const scripts = (p: ReturnType<typeof planUser>) => p.actions.map((a) => (a.kind === 'run' ? a.script : a.kind));

describe('user', () => {
  it('parses the probe', () => {
    expect(state).toMatchObject({ passwd: { uid: 1000, gid: 1000, home: '/home/deploy', shell: '/bin/bash' }, shadow: { password: '$6$abc$hash', expires: -1 }, homeExists: true });
    expect(state.groups.map((g) => g.name)).toEqual(['root', 'adm', 'sudo', 'users', 'deploy']);
  });
  const cases: { name: string; p: Omit<UserParams, 'name'>; scripts: string[] }[] = [
    { name: 'nothing to change', p: { shell: '/bin/bash', groups: ['adm', 'sudo'], uid: 1000, group: 'deploy', password: '$6$abc$hash' }, scripts: [] },
    { name: 'the same groups in another order', p: { groups: 'sudo,adm' }, scripts: [] },
    { name: 'append with groups already held', p: { groups: ['adm'], append: true }, scripts: [] },
    { name: 'append a new group', p: { groups: ['users'], append: true }, scripts: ['usermod -a -G users deploy'] },
    { name: 'exact groups', p: { groups: ['users'] }, scripts: ['usermod -G users deploy'] },
    { name: 'no groups at all', p: { groups: [] }, scripts: ['usermod -G \'\' deploy'] },
    { name: 'primary group by name: usermod takes the gid', p: { group: 'users' }, scripts: ['usermod -g 100 deploy'] },
    { name: 'shell, comment, uid', p: { shell: '/bin/sh', comment: 'Deploy user', uid: 1100 }, scripts: ["usermod -u 1100 -c 'Deploy user' -s /bin/sh deploy"] },
    { name: 'home with move_home', p: { home: '/srv/deploy', move_home: true }, scripts: ['usermod -d /srv/deploy -m deploy'] },
    { name: 'lock', p: { password_lock: true }, scripts: ['usermod -L deploy'] },
    { name: 'a new hash goes to chpasswd on stdin', p: { password: '$6$new$other' }, scripts: ['chpasswd -e'] },
    { name: 'an expiry date', p: { expires: 1893456000 }, scripts: ['usermod -e 2030-01-01 deploy'] },
    { name: 'absent with remove', p: { state: 'absent', remove: true }, scripts: ['userdel -r deploy'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = planFor(c.p);
      expect(scripts(p)).toEqual(c.scripts);
      expect(p.changed).toBe(c.scripts.length > 0);
    });
  }
  it('never shows the password: the hash is only on the action stdin', () => {
    const p = planFor({ password: '$6$new$other' });
    expect(JSON.stringify([p.diffs, p.result, p.summary])).not.toContain('$6$new$other');
    expect(p.actions[0]).toMatchObject({ stdin: 'deploy:$6$new$other\n' });
    expect(p.result).toMatchObject({ password: 'NOT_LOGGING_PASSWORD' });
  });
  it('creates a user like Ansible: -N when a group of that name exists, -m, groups', () => {
    const fresh = parseUserProbe('group adm:x:4:\ngroup web:x:1200:\nhome no');
    const p = planUser({ name: 'web', groups: ['adm'], shell: '/bin/bash' }, fresh);
    expect(scripts(p)).toEqual(['useradd -N -G adm -s /bin/bash -m web']);
  });
  it('an unknown group fails', () => {
    expect(planFor({ groups: ['nope'] })).toMatchObject({ failed: 'Group nope does not exist', actions: [] });
  });
  it('a missing home is created from /etc/skel', () => {
    const p = planUser({ name: 'deploy' }, { ...state, homeExists: false });
    expect(p.actions[0]).toMatchObject({ describe: 'create the home directory /home/deploy' });
  });
});

describe('group', () => {
  const g = parseGroupProbe('group app:x:2345:web\n');
  it('plans groupadd/groupmod/groupdel', () => {
    expect(planGroup({ name: 'app', gid: 2345 }, g)).toMatchObject({ changed: false });
    expect(planGroup({ name: 'app', gid: 2400 }, g).actions).toEqual([{ kind: 'run', script: 'groupmod -g 2400 app' }]);
    expect(planGroup({ name: 'new', system: true }, {}).actions).toEqual([{ kind: 'run', script: 'groupadd -r new' }]);
    expect(planGroup({ name: 'new', gid: 5000 }, {}).actions).toEqual([{ kind: 'run', script: 'groupadd -g 5000 new' }]);
    expect(planGroup({ name: 'app', state: 'absent' }, g).actions).toEqual([{ kind: 'run', script: 'groupdel app' }]);
    expect(planGroup({ name: 'zzz', state: 'absent' }, {}).changed).toBe(false);
  });
});

describe('authorized_key', () => {
  const A = 'ssh-ed25519 AAAAkeyA alice@laptop';
  const B = 'ssh-rsa AAAAkeyB';
  const probe = (file: string | null) =>
    parseAuthorizedKeyProbe(Buffer.from(`passwd deploy:x:1000:1000::/home/deploy:/bin/bash\ndir yes\n${file === null ? 'file no\n' : `file yes\n::content::\n${file}`}`));
  const plan = (p: Omit<AuthorizedKeyParams, 'user'>, file: string | null) => planAuthorizedKey({ user: 'deploy', ...p }, probe(file));
  const written = (p: ReturnType<typeof plan>) => p.actions.find((a) => a.kind === 'write');

  it('parses options with quoted commas and writes keys back as Ansible does (space before an empty comment)', () => {
    expect(parseOptions('no-pty,from="10.0.0.1,10.0.0.2",command="echo hi"')).toEqual([['no-pty', null], ['from', '"10.0.0.1,10.0.0.2"'], ['command', '"echo hi"']]);
    expect(serializeKeys(parseKeys(`# keys\n${B}\n${A}\n`))).toBe(`# keys\n${B} \n${A}\n`);
  });
  const cases: { name: string; p: Omit<AuthorizedKeyParams, 'user'>; file: string | null; after: string | undefined }[] = [
    { name: 'a new file', p: { key: A }, file: null, after: `${A}\n` },
    { name: 'a key already there', p: { key: A }, file: `${A}\n`, after: undefined },
    { name: 'several keys, one new, appended', p: { key: [A, B] }, file: `${A}\n`, after: `${A}\n${B} \n` },
    { name: 'key_options: the changed key is re-added at the end (as Ansible does)', p: { key: A, key_options: 'no-pty' }, file: `# c\n${A}\n${B}\n`, after: `# c\n${B} \nno-pty ${A}\n` },
    { name: 'exclusive drops the others', p: { key: A, exclusive: true }, file: `${B}\n${A}\n`, after: `${A}\n` },
    { name: 'absent removes the key', p: { key: A, state: 'absent' }, file: `${A}\n${B}\n`, after: `${B} \n` },
    { name: 'absent of a key not there', p: { key: A, state: 'absent' }, file: `${B}\n`, after: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = plan(c.p, c.file);
      expect(p.changed).toBe(c.after !== undefined);
      expect(written(p)?.kind === 'write' ? String((written(p) as { content: string }).content) : undefined).toBe(c.after);
    });
  }
  it('writes 0600 owned by the user, after making ~/.ssh 0700', () => {
    const p = plan({ key: A }, null);
    expect(p.actions[0]).toMatchObject({ kind: 'run', script: 'mkdir -p -m 0700 -- /home/deploy/.ssh && chown 1000:1000 /home/deploy/.ssh && chmod 0700 /home/deploy/.ssh' });
    expect(p.actions[1]).toMatchObject({ kind: 'write', path: '/home/deploy/.ssh/authorized_keys', mode: '0600', owner: '1000', group: '1000' });
  });
  it('an unknown user fails', () => {
    expect(planAuthorizedKey({ user: 'x', key: A }, parseAuthorizedKeyProbe(Buffer.from('')))).toMatchObject({ failed: expect.stringContaining('Failed to lookup user x') });
  });
});
