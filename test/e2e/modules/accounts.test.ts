/**
 * user, group, authorized_key and cron on a lab host: converge (check predicts, run changes,
 * second run is a no-op), host-side failures leave the host as it was, bad params name the field.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { authorized_key, copy, cron, group, user } from '../../../modules/index.js';
import type { Connection } from '../../../runner/connection/types.js';
import type { ModuleCall } from '../../../runner/module.js';
import { runCallOn } from '../../../runner/module-run.js';
import { labHosts, resetHost } from '../../lab/testing.js';
import { converge, remote, run, session, type HostSession } from './harness.js';

const KEY_A = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq4l2bHf7yq0mVb9vKp3mZl0b0c8h1S3y6sX0V6bJ3a alice@laptop';
const KEY_B = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0b1c2d3e4f5g6h7i8j9k0l1m2n3o4p5q6r7s8t9u0v bob@ci';
// `openssl passwd -6 -salt hostwright secret`
const HASH = '$6$hostwright$6A0FKGuL6tS9P/0dnX16U5o1l6cG3L/JDh0m3kcB6fN0b4l0pQk8S0r6qf0n5d1p9J6m1VvTb5hQ3mS1kM8Yq.';

let s: HostSession;
beforeAll(async () => {
  const host = labHosts('plain')[1]!;
  await resetHost(host.name);
  s = await session(host);
});
// Users, crontabs and deploy's authorized_keys (the lab's own key) were changed: give the next
// test files the host as the lab made it.
afterAll(async () => {
  if (s) await resetHost(s.host.name);
});

describe('group and user', () => {
  test('a group, then a deploy user in it with groups, shell, comment, password and expiry', async () => {
    await converge(s, group({ name: 'app', gid: 2345 }));
    expect(await remote(s, 'getent group app')).toBe('app:x:2345:');
    await converge(s, group({ name: 'app', gid: 2346 }));
    expect(await remote(s, 'getent group app')).toBe('app:x:2346:');

    const { check } = await converge(s, user({ name: 'web', uid: 1500, group: 'app', groups: ['adm', 'sudo'], shell: '/bin/bash', comment: 'Web app', password: HASH, expires: 1893456000 }));
    // The hash is on the action's stdin only: never in what is shown (diff, result).
    expect(JSON.stringify([check.plan?.diffs, check.plan?.result, check.plan?.summary])).not.toContain(HASH);
    expect(JSON.stringify(check.plan?.actions.map((a) => (a.kind === 'run' ? a.script : '')))).not.toContain(HASH);
    expect(await remote(s, 'getent passwd web')).toBe('web:x:1500:2346:Web app:/home/web:/bin/bash');
    expect(await remote(s, 'id -nG web')).toBe('app adm sudo');
    expect(await remote(s, 'getent shadow web | cut -d: -f2,8')).toBe(`${HASH}:21915`);
    expect(await remote(s, 'stat -c "%U %a" /home/web')).toBe('web 755');

    // append adds one group; without append the list is exact.
    await converge(s, user({ name: 'web', groups: ['users'], append: true }));
    expect(await remote(s, 'id -nG web')).toBe('app adm sudo users');
    await converge(s, user({ name: 'web', groups: ['adm'] }));
    expect(await remote(s, 'id -nG web')).toBe('app adm');
    await converge(s, user({ name: 'web', password_lock: true }));
    expect(await remote(s, 'getent shadow web | cut -d: -f2')).toBe(`!${HASH}`);
    await converge(s, user({ name: 'web', home: '/srv/web', move_home: true }));
    expect(await remote(s, 'test -f /srv/web/.bashrc && test ! -e /home/web && echo moved')).toBe('moved');

    await converge(s, user({ name: 'web', state: 'absent', remove: true }));
    expect(await remote(s, 'getent passwd web || echo gone; test -e /srv/web || echo nohome')).toBe('gone\nnohome');
    await converge(s, group({ name: 'app', state: 'absent' }));
  });

  test('a system user without a home', async () => {
    await converge(s, user({ name: 'svc', system: true, create_home: false, shell: '/usr/sbin/nologin' }));
    expect(Number((await remote(s, 'id -u svc')))).toBeLessThan(1000);
    expect(await remote(s, 'test -e /home/svc || echo nohome')).toBe('nohome');
  });

  test('an unknown group fails with a clear message and creates nothing', async () => {
    const r = await run(s, user({ name: 'ghost', groups: ['no-such-group'] }));
    expect(r).toMatchObject({ failed: true, msg: 'Group no-such-group does not exist' });
    expect(await remote(s, 'getent passwd ghost || echo none')).toBe('none');
  });

  test('bad parameters name the field at load time', () => {
    expect(user({ name: 'x', password: 'clear text' }).issues.map((i) => i.field)).toEqual(['password']);
    expect(user({ name: 'x', uid: -1 }).issues.map((i) => i.field)).toEqual(['uid']);
    expect(group({ name: 'x', gid: 'a' as unknown as number }).issues.map((i) => i.field)).toEqual(['gid']);
    expect(authorized_key({ user: 'x', key: 'not a key' }).issues.map((i) => i.field)).toEqual(['key']);
    expect(cron({ name: 'x', job: 'true', special_time: 'daily', hour: '2' }).issues.map((i) => i.field)).toEqual(['special_time']);
  });
});

describe('authorized_key', () => {
  test('keys with options, then exclusive, then absent', async () => {
    await converge(s, authorized_key({ user: 'deploy', key: [KEY_A, KEY_B].join('\n') }));
    const file = await remote(s, 'cat /home/deploy/.ssh/authorized_keys');
    expect(file).toContain(`${KEY_A}\n${KEY_B}`);
    expect(await remote(s, 'stat -c "%U %a" /home/deploy/.ssh /home/deploy/.ssh/authorized_keys')).toBe('deploy 700\ndeploy 600');
    await converge(s, authorized_key({ user: 'deploy', key: KEY_B, key_options: 'no-pty,from="10.0.0.0/8"' }));
    expect(await remote(s, 'grep bob /home/deploy/.ssh/authorized_keys')).toBe(`no-pty,from="10.0.0.0/8" ${KEY_B}`);
    await converge(s, authorized_key({ user: 'deploy', key: KEY_A, exclusive: true }));
    expect(await remote(s, 'cat /home/deploy/.ssh/authorized_keys')).toBe(KEY_A);
    await converge(s, authorized_key({ user: 'deploy', key: KEY_A, state: 'absent' }));
    expect(await remote(s, 'wc -c < /home/deploy/.ssh/authorized_keys')).toBe('0');
  });

  test('an unknown user fails and writes nothing', async () => {
    const r = await run(s, authorized_key({ user: 'nobody-here', key: KEY_A }));
    expect(r.failed).toBe(true);
    expect(r.msg).toContain('Failed to lookup user nobody-here');
  });
});

describe('cron', () => {
  test('jobs and env entries in a user crontab and in a cron.d file', async () => {
    await converge(s, cron({ name: 'backup', user: 'deploy', minute: '5', hour: '2', job: '/usr/local/bin/backup' }));
    await converge(s, cron({ name: 'MAILTO', env: true, user: 'deploy', job: 'ops@example.com' }));
    await converge(s, cron({ name: 'PATH', env: true, user: 'deploy', job: '/usr/bin:/bin', insertafter: 'MAILTO' }));
    await converge(s, cron({ name: 'reboot note', user: 'deploy', special_time: 'reboot', job: 'logger up', disabled: true }));
    expect(await remote(s, 'crontab -l -u deploy')).toBe('MAILTO="ops@example.com"\nPATH="/usr/bin:/bin"\n#Ansible: backup\n5 2 * * * /usr/local/bin/backup\n#Ansible: reboot note\n#@reboot logger up');

    await converge(s, cron({ name: 'sweep', cron_file: 'hw-sweep', user: 'root', minute: '*/10', job: 'find /tmp -mtime +7 -delete' }));
    expect(await remote(s, 'cat /etc/cron.d/hw-sweep; stat -c %a /etc/cron.d/hw-sweep')).toBe('#Ansible: sweep\n*/10 * * * * root find /tmp -mtime +7 -delete\n644');
    await converge(s, cron({ name: 'sweep', cron_file: 'hw-sweep', state: 'absent' }));
    expect(await remote(s, 'test -e /etc/cron.d/hw-sweep || echo removed')).toBe('removed');
  });

  test('the Ansible bugs: unterminated last line, unmarked identical job, renamed job, other entries kept', async () => {
    await remote(s, `printf '# mine\\nMAILTO=root\\n0 1 * * * root /bin/other\\n#Ansible: old name\\n0 3 * * * root /bin/job' > /etc/cron.d/hw-bugs`);
    // The job under "old name" is the same line: renamed, not duplicated; the newline is added.
    const { first } = await converge(s, cron({ name: 'new name', cron_file: 'hw-bugs', user: 'root', hour: '3', minute: '0', job: '/bin/job' }));
    expect(first.plan?.diffs?.[0]).toMatchObject({ before_header: '/etc/cron.d/hw-bugs', after_header: '/etc/cron.d/hw-bugs' });
    expect(await remote(s, 'cat /etc/cron.d/hw-bugs')).toBe('# mine\nMAILTO=root\n0 1 * * * root /bin/other\n#Ansible: new name\n0 3 * * * root /bin/job');
    // An identical unmarked job is adopted.
    await converge(s, cron({ name: 'other', cron_file: 'hw-bugs', user: 'root', hour: '1', minute: '0', job: '/bin/other' }));
    expect(await remote(s, 'cat /etc/cron.d/hw-bugs')).toBe('# mine\nMAILTO=root\n#Ansible: other\n0 1 * * * root /bin/other\n#Ansible: new name\n0 3 * * * root /bin/job');
  });

  test('a bad time fails on the host (crontab refuses it) and the crontab stays as it was', async () => {
    const before = await remote(s, 'crontab -l -u deploy');
    const r = await run(s, cron({ name: 'bad', user: 'deploy', minute: '61', job: 'true' }));
    expect(r.failed).toBe(true);
    expect(r.msg).toContain('bad minute');
    expect(await remote(s, 'crontab -l -u deploy')).toBe(before);
    const f = await run(s, cron({ name: 'bad', cron_file: 'hw-bad', user: 'root', hour: '25', job: 'true' }));
    expect(f).toMatchObject({ failed: true });
    expect(f.msg).toContain("bad hour '25'");
    expect(await remote(s, 'test -e /etc/cron.d/hw-bad || echo none')).toBe('none');
  });
});

describe('a deploy user, as the seeds set one up', () => {
  test("sudo rights through copy + visudo: a broken drop-in is refused and nothing is written", async () => {
    const bad = await run(s, copy({ dest: '/etc/sudoers.d/deploy-app', mode: '0440', content: 'deploy ALL=(root) NOPASSWD /usr/sbin/service\n', validate: 'visudo -cf %s' }));
    expect(bad.failed).toBe(true);
    expect(bad.msg).toMatch(/failed to validate/);
    expect(await remote(s, 'test -e /etc/sudoers.d/deploy-app || echo none')).toBe('none');
    await converge(s, copy({ dest: '/etc/sudoers.d/deploy-app', mode: '0440', content: 'deploy ALL=(root) NOPASSWD: /usr/sbin/service cron restart\n', validate: 'visudo -cf %s' }));
    expect(await remote(s, 'sudo -l -U deploy | grep -c "/usr/sbin/service cron restart"')).toBe('1');
  });

  test('on a converged host each task costs one command (its probe)', async () => {
    let count = 0;
    const counting: Connection = { host: s.conn.host, exec: (script, o) => (count++, s.conn.exec(script, o)), close: async () => {} };
    const calls: ModuleCall<never, never>[] = [
      group({ name: 'deployers', gid: 3100 }),
      user({ name: 'app', groups: ['deployers'], shell: '/bin/bash', password: HASH }),
      authorized_key({ user: 'app', key: KEY_A }),
      cron({ name: 'rotate', user: 'app', hour: '4', minute: '0', job: '/usr/bin/true' }),
    ] as never;
    for (const call of calls) await runCallOn(s.conn, call, { facts: s.facts });
    for (const call of calls) {
      count = 0;
      const { result } = await runCallOn(counting, call, { facts: s.facts });
      expect(result, call.module.name).toMatchObject({ failed: false, changed: false });
      expect(count, call.module.name).toBe(1);
    }
  });
});
