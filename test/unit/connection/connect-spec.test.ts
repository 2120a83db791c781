import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { becomeForHost, becomeSpecFor, connectSpecFor, parseSshArgs } from '../../../runner/connection/index.js';
import { OptionsError } from '../../../runner/errors.js';
import { secret } from '../../../runner/secret.js';

const dir = mkdtempSync(join(tmpdir(), 'hw-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sshConfigFile = join(dir, 'config');
writeFileSync(
  sshConfigFile,
  `Host web1 10.1.1.1
  HostName web1.internal
  User cfguser
  Port 2200
  IdentityFile ~/.ssh/web_key
Host db
  ProxyJump ops@bastion:2022
  StrictHostKeyChecking no
Host bastion
  User bastionuser
  IdentityFile /keys/bastion
Host *
  UserKnownHostsFile /etc/hw/known_hosts
`,
);
const cli = { sshConfigFile };

describe('connectSpecFor', () => {
  it('uses the ssh config when no variable or flag is set', () => {
    const s = connectSpecFor('web1', {}, cli);
    expect(s).toMatchObject({
      name: 'web1',
      connection: 'ssh',
      address: 'web1.internal',
      port: 2200,
      user: 'cfguser',
      privateKeyFiles: [join(homedir(), '.ssh/web_key')],
      hostKeyChecking: true,
      connectTimeoutMs: 10_000,
    });
    expect(s.knownHostsFiles[0]).toBe('/etc/hw/known_hosts');
  });

  it('lets -u and --private-key beat the ssh config, and host vars beat both', () => {
    const withCli = connectSpecFor('web1', {}, { ...cli, user: 'cliuser', privateKeyFile: '/k/cli' });
    expect(withCli.user).toBe('cliuser');
    expect(withCli.privateKeyFiles).toEqual(['/k/cli', join(homedir(), '.ssh/web_key')]);
    const withVars = connectSpecFor(
      'web1',
      { ansible_user: 'varuser', ansible_port: 2201, ansible_ssh_private_key_file: '~/k/var' },
      { ...cli, user: 'cliuser', privateKeyFile: '/k/cli' },
    );
    expect(withVars).toMatchObject({ user: 'varuser', port: 2201 });
    expect(withVars.privateKeyFiles[0]).toBe(join(homedir(), 'k/var'));
  });

  it('matches the ssh config against ansible_host, as ssh is called with it', () => {
    const s = connectSpecFor('somename', { ansible_host: '10.1.1.1' }, cli);
    expect(s).toMatchObject({ name: 'somename', address: 'web1.internal', user: 'cfguser' });
  });

  it('prefers ansible_ssh_* spellings as Ansible does', () => {
    const s = connectSpecFor('h', { ansible_host: 'a', ansible_ssh_host: 'b', ansible_user: 'u1', ansible_ssh_user: 'u2' }, cli);
    expect(s).toMatchObject({ address: 'b', user: 'u2' });
  });

  it('falls back to the controller user, port 22 and the default identity files', () => {
    const s = connectSpecFor('plain', {}, cli);
    expect(s).toMatchObject({ address: 'plain', port: 22, user: userInfo().username });
    expect(s.privateKeyFiles).toContain(join(homedir(), '.ssh/id_ed25519'));
  });

  it('reads UserKnownHostsFile, StrictHostKeyChecking and ProxyJump from ansible_ssh_common_args', () => {
    const s = connectSpecFor(
      'plain',
      { ansible_ssh_common_args: '-o UserKnownHostsFile=/lab/known_hosts -o StrictHostKeyChecking=no -J jump1:2222' },
      cli,
    );
    expect(s.knownHostsFiles[0]).toBe('/lab/known_hosts');
    expect(s.hostKeyChecking).toBe(false);
    expect(s.proxyJump).toBe('jump1:2222');
    expect(s.jump?.[0]).toMatchObject({ address: 'jump1', port: 2222, knownHostsFiles: expect.arrayContaining(['/lab/known_hosts']) });
  });

  it('turns host key checking off for ansible_host_key_checking=false or ssh config, never on its own', () => {
    expect(connectSpecFor('plain', { ansible_host_key_checking: 'False' }, cli).hostKeyChecking).toBe(false);
    expect(connectSpecFor('plain', { ansible_host_key_checking: false }, cli).hostKeyChecking).toBe(false);
    expect(connectSpecFor('db', {}, cli).hostKeyChecking).toBe(false);
    // true adds nothing on Ansible's ssh command line, so the ssh config's `no` still applies
    expect(connectSpecFor('db', { ansible_host_key_checking: true }, cli).hostKeyChecking).toBe(false);
  });

  it('takes ANSIBLE_HOST_KEY_CHECKING=False like Ansible, below the host variable', () => {
    const saved = process.env.ANSIBLE_HOST_KEY_CHECKING;
    process.env.ANSIBLE_HOST_KEY_CHECKING = 'False';
    try {
      expect(connectSpecFor('plain', {}, cli).hostKeyChecking).toBe(false);
      // beats StrictHostKeyChecking=yes in the args, as Ansible puts its -o first
      expect(connectSpecFor('plain', { ansible_ssh_common_args: '-o StrictHostKeyChecking=yes' }, cli).hostKeyChecking).toBe(false);
      expect(connectSpecFor('plain', { ansible_host_key_checking: true }, cli).hostKeyChecking).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.ANSIBLE_HOST_KEY_CHECKING;
      else process.env.ANSIBLE_HOST_KEY_CHECKING = saved;
    }
  });

  it('resolves ProxyJump hops through the ssh config, without the target password', () => {
    const s = connectSpecFor('db', { ansible_password: 'pw', ansible_ssh_private_key_file: '/k/lab' }, cli);
    expect(s.password?.reveal()).toBe('pw');
    expect(s.jump).toHaveLength(1);
    expect(s.jump?.[0]).toMatchObject({ address: 'bastion', port: 2022, user: 'ops', privateKeyFiles: ['/k/lab', '/keys/bastion'] });
    expect(s.jump?.[0]?.password).toBeUndefined();
  });

  it('keeps passwords as secrets and accepts every Ansible spelling', () => {
    for (const v of ['ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password']) {
      const s = connectSpecFor('h', { [v]: 'hunter2' }, cli);
      expect(String(s.password)).toBe('********');
      expect(s.password?.reveal()).toBe('hunter2');
      expect(JSON.stringify(s)).not.toContain('hunter2');
    }
  });

  it('supports the local connection and refuses others', () => {
    expect(connectSpecFor('localhost', { ansible_connection: 'local' }, cli).connection).toBe('local');
    expect(() => connectSpecFor('w', { ansible_connection: 'winrm' }, cli)).toThrow(OptionsError);
    expect(() => connectSpecFor('w', { ansible_port: 'abc' }, cli)).toThrow(/ansible_port/);
  });

  it('takes timeouts in seconds from ansible_ssh_timeout or the CLI in ms', () => {
    expect(connectSpecFor('h', { ansible_ssh_timeout: 3 }, cli).connectTimeoutMs).toBe(3000);
    expect(connectSpecFor('h', {}, { ...cli, connectTimeoutMs: 1500 }).connectTimeoutMs).toBe(1500);
  });
});

describe('parseSshArgs', () => {
  it('reads -o in all its forms, first value winning, and collects identity files', () => {
    const { options, identityFiles } = parseSshArgs(
      `-o StrictHostKeyChecking=no -oUserKnownHostsFile="/a b" -o Port 2222 -o StrictHostKeyChecking=yes -i /k1 -o IdentityFile=/k2`,
    );
    expect(Object.fromEntries(options)).toEqual({ stricthostkeychecking: 'no', userknownhostsfile: '/a b', port: '2222' });
    expect(identityFiles).toEqual(['/k1', '/k2']);
  });
});

describe('becomeSpecFor', () => {
  it('is undefined unless become is on', () => {
    expect(becomeSpecFor({}, {})).toBeUndefined();
    expect(becomeSpecFor({ ansible_become: 'no' }, { become: true })).toBeUndefined();
  });
  it('lets host vars beat the resolved keyword and -K', () => {
    const s = becomeSpecFor(
      { ansible_become_user: 'postgres', ansible_become_password: 'fromvars' },
      { become: true, becomeUser: 'app', password: secret('fromK') },
    );
    expect(s?.user).toBe('postgres');
    expect(s?.password?.reveal()).toBe('fromvars');
    expect(becomeSpecFor({ ansible_become: true }, { password: secret('k') })).toMatchObject({ user: 'root' });
  });
  it('refuses methods other than sudo', () => {
    expect(() => becomeSpecFor({ ansible_become_method: 'su' }, { become: true })).toThrow(/su/);
  });
  it('drops the password when facts say sudo needs none', () => {
    const b = { user: 'root', password: secret('x') };
    expect(becomeForHost(b, { sudo_nopasswd: true })).toEqual({ user: 'root' });
    expect(becomeForHost(b, { sudo_nopasswd: false })).toBe(b);
  });
});
