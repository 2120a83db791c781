/**
 * The transport on real sshd hosts: one ssh2 connection per host, channels, stdin, exit codes,
 * timeouts, host key verification, the ways to authenticate, ProxyJump, and sudo become.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connect, connectSpecFor, type Connection, type ConnectSpec } from '../../runner/connection/index.js';
import { BecomeError, CommandTimeoutError } from '../../runner/connection/errors.js';
import { HostKeyError, UnreachableError } from '../../runner/errors.js';
import { secret } from '../../runner/secret.js';
import type { LabHost } from '../lab/state.js';
import { labConnectSpec, labHosts, labState, sshOk } from '../lab/testing.js';

const run = promisify(execFile);

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'hw-conn-e2e-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** The spec the lab's inventory gives a host, as connectSpecFor resolves it (no ssh config file). */
function specFor(host: LabHost, vars: Record<string, unknown> = {}): ConnectSpec {
  return labConnectSpec(host, vars);
}

async function withConnection<T>(spec: ConnectSpec, fn: (c: Connection) => Promise<T>): Promise<T> {
  const c = await connect(spec);
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

function hostA(): LabHost {
  return labHosts('plain')[0]!;
}

describe('commands over one connection', () => {
  test('stdout, stderr and exit codes come back per command; signals map to 128+n', async () => {
    await withConnection(specFor(hostA()), async (c) => {
      expect(await c.exec('echo out; echo err >&2; exit 3')).toMatchObject({ rc: 3, stdout: 'out\n', stderr: 'err\n' });
      expect((await c.exec('exit 255')).rc).toBe(255);
      expect((await c.exec('true')).rc).toBe(0);
      expect((await c.exec('kill -TERM $$')).rc).toBe(128 + 15);
      // the script runs under /bin/sh whatever the login shell, and sees no leftover quoting
      expect((await c.exec(`printf '%s|' "it's" '$HOME' "a  b"`)).stdout).toBe(`it's|$HOME|a  b|`);
    });
  });

  test('50 concurrent commands share one TCP connection and each gets its own output', async () => {
    await withConnection(specFor(hostA()), async (c) => {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => c.exec(`sleep 0.1; echo ${i} "$SSH_CONNECTION"`)),
      );
      results.forEach((r, i) => expect(r.stdout.split(' ')[0]).toBe(String(i)));
      // SSH_CONNECTION names the client's port: one value means one connection carried all 50
      const clientEnds = new Set(results.map((r) => r.stdout.split(' ').slice(1, 3).join(' ')));
      expect(clientEnds.size).toBe(1);
    });
  });

  test('stdin reaches the command intact, binary and large', async () => {
    await withConnection(specFor(hostA()), async (c) => {
      const bytes = randomBytes(256 * 1024);
      const r = await c.exec('cat', { stdin: bytes });
      expect(r.rc).toBe(0);
      expect(r.stdoutBytes.equals(bytes)).toBe(true);
      expect((await c.exec('wc -l', { stdin: 'a\nb\nc\n' })).stdout.trim()).toBe('3');
      // without stdin, a command reading it sees end of file instead of hanging
      expect((await c.exec('cat; echo done')).stdout).toBe('done\n');
    });
  });

  test('a command past its timeout is killed, children and all, and the connection stays usable', async () => {
    const state = labState();
    await withConnection(specFor(hostA(), { ansible_user: state.user }), async (c) => {
      const started = Date.now();
      const e = await rejection(c.exec('sleep 3141; echo never', { timeoutMs: 500 }));
      expect(e).toBeInstanceOf(CommandTimeoutError);
      expect(e.message).toBe('command timed out after 0.5s and was killed');
      expect(Date.now() - started).toBeLessThan(5000);
      const asRoot = await rejection(c.exec('sleep 3142 & wait', { timeoutMs: 500, become: { user: 'root' } }));
      expect(asRoot).toBeInstanceOf(CommandTimeoutError);
      expect((await c.exec('echo still here')).stdout).toBe('still here\n');
      // nothing of either command is left running on the host
      expect(await sshOk(hostA(), `pgrep -af 'sleep 314[12]' || true`)).toBe('');
    });
  });
});

describe('the shell session', () => {
  // Commands without stdin run in one long-lived /bin/sh per connection: there, every command's
  // parent ($PPID) is that shell; on a channel of its own, it is sshd.
  const parent = async (c: Connection) => {
    const [pid, name] = (await c.exec('echo $PPID $(cat /proc/$PPID/comm)')).stdout.trim().split(' ');
    expect(name).toBe('sh');
    return `${pid}\n`;
  };

  test('200 sequential commands in one session, outputs and exit codes exact', async () => {
    await withConnection(specFor(hostA()), async (c) => {
      const session = await parent(c);
      for (let i = 0; i < 200; i++) {
        // with and without trailing newlines, empty output, stderr, the status
        const out = i % 3 === 0 ? '' : i % 3 === 1 ? `out ${i}` : `out ${i}\n\n`;
        const r = await c.exec(`printf '%s' '${out}'; printf 'err %s\n' ${i} >&2; echo $PPID >&2; exit ${i % 256}`);
        expect(r).toMatchObject({ rc: i % 256, stdout: out, stderr: `err ${i}\n${session}` });
      }
    });
  });

  test('exit, a syntax error, cd and set -e in scripts leave the session as it was', async () => {
    await withConnection(specFor(hostA()), async (c) => {
      const session = await parent(c);
      const home = (await c.exec('pwd')).stdout;
      expect((await c.exec('exit 3')).rc).toBe(3);
      const syntax = await c.exec('if then fi (');
      expect(syntax.rc).toBe(2);
      expect(syntax.stderr).toMatch(/syntax error/i);
      expect((await c.exec('cd /')).rc).toBe(0);
      expect((await c.exec('set -e; false; echo not reached')).rc).toBe(1);
      expect((await c.exec('exec 1>&- 2>&-')).rc).toBe(0);
      expect(await c.exec('pwd; echo $PPID')).toMatchObject({ rc: 0, stdout: `${home}${session}`, stderr: '' });
    });
  });

  test('binary stdout comes back byte for byte', async () => {
    await withConnection(specFor(hostA()), async (c) => {
      const bytes = Buffer.concat([randomBytes(300 * 1024), Buffer.from('\n\n\0\n')]);
      const file = `/tmp/hw-e2e-binary-${process.pid}`;
      await c.exec(`cat > ${file}`, { stdin: bytes });
      const session = await parent(c);
      const r = await c.exec(`cat ${file}; rm ${file}; echo $PPID >&2`);
      expect(r.rc).toBe(0);
      expect(r.stderr).toBe(session);
      expect(r.stdoutBytes.equals(bytes)).toBe(true);
    });
  });

  test('commands arriving while the session is busy run on channels of their own', async () => {
    await withConnection(specFor(hostA()), async (c) => {
      const session = await parent(c);
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => c.exec(`sleep 0.2; echo ${i} $PPID`)));
      results.forEach((r, i) => expect(r.stdout.split(' ')[0]).toBe(String(i)));
      const parents = results.map((r) => r.stdout.split(' ')[1]);
      // one ran in the session; the others' parent is sshd, shared by every channel
      expect(parents.filter((p) => p === session)).toHaveLength(1);
      expect(new Set(parents).size).toBe(2);
      // and the session is free again afterwards
      expect(await parent(c)).toBe(session);
    });
  });

  test('become without a password runs through the session', async () => {
    const state = labState();
    await withConnection(specFor(hostA(), { ansible_user: state.user }), async (c) => {
      const session = (await parent(c)).trim();
      const ancestors = 'p=$$; while [ "$p" -gt 1 ]; do echo "$p"; p=$(ps -o ppid= -p "$p" | tr -d " "); done';
      const r = await c.exec(`id -un; ${ancestors}; echo oops >&2; exit 4`, { become: { user: 'root' } });
      expect(r.rc).toBe(4);
      expect(r.stderr).toBe('oops\n');
      const [user, ...chain] = r.stdout.trim().split('\n');
      expect(user).toBe('root');
      expect(chain).toContain(session);
      expect((await c.exec('id -un')).stdout).toBe(`${state.user}\n`);
    });
  });

  test('30 connections each run their commands in their own session', async () => {
    const hosts = labHosts('plain');
    const conns = await Promise.all(Array.from({ length: 30 }, (_, i) => connect(specFor(hosts[i % hosts.length]!))));
    try {
      const seen = await Promise.all(
        conns.map(async (c, i) => {
          const outputs: string[] = [];
          for (let k = 0; k < 13; k++) outputs.push((await c.exec(`echo ${i}.${k} $PPID "$(hostname)" $(cat /proc/$PPID/comm)`)).stdout);
          return outputs;
        }),
      );
      const sessions = seen.map((outputs, i) => {
        outputs.forEach((o, k) => expect(o.split(' ')[0]).toBe(`${i}.${k}`));
        expect(outputs.map((o) => o.split(' ').slice(2).join(' '))).toEqual(Array(13).fill(`${hosts[i % hosts.length]!.name} sh\n`));
        const parents = new Set(outputs.map((o) => `${o.split(' ')[2]} ${o.split(' ')[1]}`));
        expect(parents.size).toBe(1);
        return [...parents][0];
      });
      expect(new Set(sessions).size).toBe(30);
    } finally {
      await Promise.all(conns.map((c) => c.close()));
    }
  });
});

describe('host keys', () => {
  test('an unknown host key is refused with the fingerprint and how to accept it', async () => {
    const host = hostA();
    const empty = path.join(tmp, 'empty_known_hosts');
    await fs.writeFile(empty, '');
    const e = await rejection(connect(specFor(host, { ansible_ssh_common_args: `-o UserKnownHostsFile=${empty}` })));
    expect(e).toBeInstanceOf(HostKeyError);
    const { stdout } = await run('ssh-keygen', ['-l', '-F', host.name, '-f', labState().knownHostsFile]);
    const fingerprint = /SHA256:\S+/.exec(stdout)![0];
    expect(e.message).toContain(`host key for ${host.name} (${host.address}) (ssh-ed25519 ${fingerprint}) is not in known_hosts (${empty}`);
    expect(e.message).toContain(`ssh-keyscan ${host.address} >> ~/.ssh/known_hosts`);
    expect(e.message).toContain('ansible_host_key_checking=false');
  });

  test('a changed host key is refused, naming the old entry', async () => {
    const host = hostA();
    const file = path.join(tmp, 'changed_known_hosts');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(tmp, 'other_host_key')]);
    const otherKey = (await fs.readFile(path.join(tmp, 'other_host_key.pub'), 'utf8')).split(' ').slice(0, 2).join(' ');
    await fs.writeFile(file, `# a comment\n${host.address} ${otherKey}\n`);
    const e = await rejection(connect(specFor(host, { ansible_ssh_common_args: `-o UserKnownHostsFile=${file}` })));
    expect(e).toBeInstanceOf(HostKeyError);
    expect(e.message).toContain('REMOTE HOST KEY CHANGED');
    expect(e.message).toContain(`${file}:2`);
  });

  test('ansible_host_key_checking=false accepts an unknown host', async () => {
    const empty = path.join(tmp, 'empty_known_hosts2');
    await fs.writeFile(empty, '');
    const spec = specFor(hostA(), { ansible_ssh_common_args: `-o UserKnownHostsFile=${empty}`, ansible_host_key_checking: false });
    await withConnection(spec, async (c) => expect((await c.exec('hostname')).stdout.trim()).toBe(hostA().name));
  });

  test('hashed known_hosts entries (ssh-keygen -H) are accepted', async () => {
    const file = path.join(tmp, 'hashed_known_hosts');
    await fs.copyFile(labState().knownHostsFile, file);
    await run('ssh-keygen', ['-H', '-f', file]);
    expect(await fs.readFile(file, 'utf8')).toMatch(/^\|1\|/);
    const spec = specFor(hostA(), { ansible_ssh_common_args: `-o UserKnownHostsFile=${file}` });
    await withConnection(spec, async (c) => expect((await c.exec('true')).rc).toBe(0));
  });
});

describe('authentication', () => {
  test('a passphrase-protected key works with its passphrase and is explained without it', async () => {
    const host = hostA();
    const key = path.join(tmp, 'enc_key');
    const passphrase = 'correct horse battery';
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'hw-e2e-enc', '-f', key]);
    const pub = (await fs.readFile(`${key}.pub`, 'utf8')).trim();
    await sshOk(host, `cat >> /root/.ssh/authorized_keys`, { input: `${pub}\n` });
    try {
      const spec = connectSpecFor(
        host.name,
        { ansible_host: host.address, ansible_user: 'root', ansible_ssh_private_key_file: key,
          ansible_ssh_common_args: `-o UserKnownHostsFile=${labState().knownHostsFile}` },
        { sshConfigFile: '/dev/null', passphrase: secret(passphrase) },
      );
      await withConnection(spec, async (c) => expect((await c.exec('id -un')).stdout).toBe('root\n'));
      const { passphrase: _dropped, ...withoutPassphrase } = spec;
      const e = await rejection(connect(withoutPassphrase));
      expect(e).toBeInstanceOf(UnreachableError);
      expect(e.message).toContain(`${key} is passphrase-protected and no passphrase was given`);
    } finally {
      await sshOk(host, `sed -i '/hw-e2e-enc/d' /root/.ssh/authorized_keys`);
    }
  });

  test('ssh-agent: a key held only by the agent logs in', async () => {
    const out = await run('ssh-agent', ['-s']);
    const sock = /SSH_AUTH_SOCK=([^;]+);/.exec(out.stdout)![1]!;
    const pid = Number(/SSH_AGENT_PID=(\d+);/.exec(out.stdout)![1]);
    const saved = process.env.SSH_AUTH_SOCK;
    try {
      await run('ssh-add', [labState().keyFile], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
      process.env.SSH_AUTH_SOCK = sock;
      const spec = { ...specFor(hostA()), privateKeyFiles: [] };
      await withConnection(spec, async (c) => expect((await c.exec('id -un')).stdout).toBe('root\n'));
    } finally {
      if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = saved;
      process.kill(pid);
    }
  });

  test('ansible_password logs in where sshd allows passwords, and never shows up in a failure', async () => {
    const state = labState();
    const host = labHosts('plain')[2]!;
    // a second sshd on the host that accepts passwords (the lab's own is key-only). sshd detaches
    // before it binds the port and writes its pid file after: wait for that file, or a fast
    // client finds the port closed.
    await sshOk(
      host,
      'rm -f /run/hw-e2e-pw-sshd.pid; /usr/sbin/sshd -p 2200 -o PasswordAuthentication=yes -o PidFile=/run/hw-e2e-pw-sshd.pid; ' +
        'i=0; while [ ! -s /run/hw-e2e-pw-sshd.pid ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done',
    );
    try {
      const vars = {
        ansible_host: host.address,
        ansible_port: 2200,
        ansible_user: state.passwordUser,
        ansible_ssh_private_key_file: path.join(tmp, 'no-such-key'),
        ansible_host_key_checking: false,
      };
      const spec = connectSpecFor(host.name, { ...vars, ansible_password: state.passwordUserPassword }, { sshConfigFile: '/dev/null' });
      await withConnection(spec, async (c) => expect((await c.exec('id -un')).stdout).toBe(`${state.passwordUser}\n`));
      const wrongPassword = 'not-the-password-42';
      const e = await rejection(connect(connectSpecFor(host.name, { ...vars, ansible_password: wrongPassword }, { sshConfigFile: '/dev/null' })));
      expect(e).toBeInstanceOf(UnreachableError);
      expect(e.message).toContain('permission denied');
      expect(e.message).not.toContain(wrongPassword);
    } finally {
      await sshOk(host, 'kill $(cat /run/hw-e2e-pw-sshd.pid)');
    }
  });

  test('a stale SSH_AUTH_SOCK is skipped, and the key file still logs in', async () => {
    const saved = process.env.SSH_AUTH_SOCK;
    process.env.SSH_AUTH_SOCK = path.join(tmp, 'no-agent-here.sock');
    try {
      await withConnection(specFor(hostA()), async (c) => expect((await c.exec('id -un')).stdout).toBe('root\n'));
    } finally {
      if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = saved;
    }
  });

  test('a login nobody accepts is unreachable with a one-line reason', async () => {
    const spec = { ...specFor(hostA()), user: 'nobody' };
    const e = await rejection(connect(spec));
    expect(e).toBeInstanceOf(UnreachableError);
    // `agent, ` too when the environment running the tests has a live ssh-agent
    const tried = new RegExp(`^ssh: permission denied for nobody@${hostA().address}:22 \\(tried: (agent, )?publickey (.+)\\)$`);
    expect(e.message).toMatch(tried);
    expect(tried.exec(e.message)![2]).toBe(labState().keyFile);
  });
});

describe('reaching hosts', () => {
  test('ProxyJump: the target sees the jump host as its client', async () => {
    const [jump, target] = labHosts('plain');
    const spec = specFor(target!, {
      ansible_ssh_common_args: `-o UserKnownHostsFile=${labState().knownHostsFile} -o ProxyJump=root@${jump!.address}`,
    });
    await withConnection(spec, async (c) => {
      const [clientAddress] = (await c.exec('echo $SSH_CONNECTION')).stdout.split(' ');
      expect(clientAddress).toBe(jump!.address);
      expect((await c.exec('hostname')).stdout.trim()).toBe(target!.name);
    });
  });

  test('ProxyJump through two hops: the target sees the last hop as its client', async () => {
    const [target, first, second] = labHosts('plain');
    const spec = specFor(target!, {
      ansible_ssh_common_args: `-o UserKnownHostsFile=${labState().knownHostsFile} -J root@${first!.address},root@${second!.address}`,
    });
    expect(spec.jump?.map((j) => j.address)).toEqual([first!.address, second!.address]);
    await withConnection(spec, async (c) => {
      const [clientAddress] = (await c.exec('echo $SSH_CONNECTION')).stdout.split(' ');
      expect(clientAddress).toBe(second!.address);
      expect((await c.exec('hostname')).stdout.trim()).toBe(target!.name);
    });
  });

  test('targets behind the same jump host share one connection to it', async () => {
    const hosts = labHosts('plain');
    const jump = hosts[hosts.length - 1]!;
    const targets = hosts.slice(0, 3);
    const state = labState();
    const args = `-o UserKnownHostsFile=${state.knownHostsFile} -J root@${jump.address}`;
    const conns = await Promise.all(targets.map((t) => connect(specFor(t, { ansible_ssh_common_args: args }))));
    try {
      const seen = await Promise.all(conns.map((c) => c.exec('hostname; echo $SSH_CONNECTION')));
      expect(seen.map((r) => r.stdout.split('\n')[0])).toEqual(targets.map((t) => t.name));
      expect(seen.every((r) => r.stdout.split('\n')[1]!.startsWith(`${jump.address} `))).toBe(true);
      // on the jump host: our shared chain plus the checking ssh session itself, nothing more
      const ss = await sshOk(jump, `ss -Htn state established '( sport = :22 )'`);
      const fromController = ss.split('\n').filter((l) => l.includes(`${state.bridgeAddress}:`));
      expect(fromController).toHaveLength(2);
    } finally {
      await Promise.all(conns.map((c) => c.close()));
    }
  });

  test('a closed port is refused at once', async () => {
    const spec = { ...specFor(hostA()), port: 2 };
    const e = await rejection(connect(spec));
    expect(e).toBeInstanceOf(UnreachableError);
    expect(e.message).toBe(`ssh: connection refused by ${hostA().address}:2`);
  });

  test('an address that never answers times out after connectTimeoutMs', async () => {
    // TEST-NET-1 (RFC 5737): routed nowhere, so the SYN is never answered (or the route is missing).
    const spec = { ...specFor(hostA()), address: '192.0.2.123', connectTimeoutMs: 1500 };
    const started = Date.now();
    const e = await rejection(connect(spec));
    expect(e).toBeInstanceOf(UnreachableError);
    expect(e.message).toMatch(/^ssh: (timed out after 1.5s connecting to root@192\.0\.2\.123:22|no route to 192\.0\.2\.123:22)$/);
    expect(Date.now() - started).toBeLessThan(4000);
  });
});

describe('become', () => {
  test('deploy (NOPASSWD) becomes root; stdin still reaches the command', async () => {
    const state = labState();
    await withConnection(specFor(hostA(), { ansible_user: state.user }), async (c) => {
      expect((await c.exec('id -un')).stdout).toBe(`${state.user}\n`);
      const r = await c.exec('id -un; cat', { become: { user: 'root' }, stdin: 'payload\n' });
      expect(r).toMatchObject({ rc: 0, stdout: 'root\npayload\n' });
      // a password given anyway is not needed, and must not leak into the command's stdin
      const withPw = await c.exec('cat', { become: { user: 'root', password: secret('not-needed-pw') }, stdin: 'x' });
      expect(withPw.stdout).toBe('x');
    });
  });

  test('ops becomes root with its password, which appears nowhere', async () => {
    const state = labState();
    const password = state.passwordUserPassword;
    await withConnection(specFor(hostA(), { ansible_user: state.passwordUser }), async (c) => {
      const become = { user: 'root', password: secret(password) };
      const r = await c.exec('id -un; cat; echo "$@" >&2; env', { become, stdin: 'line1\nline2\n' });
      expect(r.rc).toBe(0);
      expect(r.stdout.startsWith('root\nline1\nline2\n')).toBe(true);
      expect(r.stdout).not.toContain(password);
      expect(r.stderr).not.toContain(password);
      expect(r.stderr).not.toContain('hostwright sudo'); // our prompt is not the command's output
      // and not on any command line: look at every process's argv while a become command runs
      const ps = await c.exec('sleep 1 & ps -eo args; wait', { become });
      expect(ps.stdout).toContain('sleep 1');
      expect(ps.stdout).not.toContain(password);
    });
  });

  test('become_user other than root', async () => {
    const state = labState();
    await withConnection(specFor(hostA(), { ansible_user: state.user }), async (c) => {
      expect((await c.exec('id -un; echo $HOME', { become: { user: state.passwordUser } })).stdout).toBe(
        `${state.passwordUser}\n/home/${state.passwordUser}\n`,
      );
    });
  });

  test('a wrong password fails fast with a clear message; a missing one too', async () => {
    const state = labState();
    await withConnection(specFor(hostA(), { ansible_user: state.passwordUser }), async (c) => {
      const wrong = 'wrong-password-123';
      const started = Date.now();
      const e = await rejection(c.exec('id', { become: { user: 'root', password: secret(wrong) }, stdin: 'secret stdin' }));
      expect(e).toBeInstanceOf(BecomeError);
      expect(e.message).toBe('incorrect sudo password for become user root');
      expect(Date.now() - started).toBeLessThan(10_000);
      const missing = await rejection(c.exec('id', { become: { user: 'root' } }));
      expect(missing).toBeInstanceOf(BecomeError);
      expect(missing.message).toMatch(/requires a password.*-K/);
      // the connection survives a failed become
      expect((await c.exec('echo ok')).stdout).toBe('ok\n');
    });
  });
});

describe('local connection', () => {
  test('runs /bin/sh -c on the controller with the same contract', async () => {
    await withConnection(connectSpecFor('localhost', { ansible_connection: 'local' }, { sshConfigFile: '/dev/null' }), async (c) => {
      expect(await c.exec('echo out; echo err >&2; exit 4')).toMatchObject({ rc: 4, stdout: 'out\n', stderr: 'err\n' });
      expect((await c.exec('cat', { stdin: 'in' })).stdout).toBe('in');
      const e = await rejection(c.exec('sleep 30', { timeoutMs: 300 }));
      expect(e).toBeInstanceOf(CommandTimeoutError);
    });
  });
});
