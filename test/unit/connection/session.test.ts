import { EventEmitter } from 'node:events';
import { Duplex, PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SessionLostError } from '../../../runner/connection/errors.js';
import { SshConnection } from '../../../runner/connection/ssh.js';
import { UnreachableError } from '../../../runner/errors.js';
import { secret } from '../../../runner/secret.js';

type FakeChannel = Duplex & { stderr: PassThrough; signal(): void; close(): void };

function channel(onWrite: (text: string) => void): FakeChannel {
  const ch = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      onWrite(chunk.toString());
      cb();
    },
  }) as FakeChannel;
  ch.stderr = new PassThrough();
  ch.signal = () => {};
  ch.close = () => ch.emit('close');
  return ch;
}

/**
 * A client whose `exec /bin/sh` channel answers each line with `reply(line)` (split into small
 * chunks, as a network would), unless `reply` returns undefined (the command keeps running).
 * Any other exec is a one-shot channel answering `channel-out`. With `refuseSession`, the host
 * refuses the `exec /bin/sh` channel.
 */
function fakeClient(reply: (line: string) => { out: string; err: string; rc: number } | undefined, refuseSession = false) {
  const client = new EventEmitter() as EventEmitter & { exec: unknown; end(): void };
  const execs: string[] = [];
  const lines: string[] = [];
  let session: FakeChannel | undefined;
  client.exec = (command: string, cb: (err: Error | undefined, ch: unknown) => void) => {
    execs.push(command);
    if (command === 'exec /bin/sh' && refuseSession) return cb(new Error('administratively prohibited'), undefined);
    if (command === 'exec /bin/sh') {
      session = channel((line) => {
        lines.push(line);
        const marker = /printf '\\n%s %d\\n' ([0-9a-f]{32})/.exec(line)![1]!;
        const r = reply(line);
        if (!r) return;
        const out = `${r.out}\n${marker} ${r.rc}\n`;
        setImmediate(() => {
          for (let i = 0; i < out.length; i += 5) session!.push(out.slice(i, i + 5));
          session!.stderr.write(`${r.err}\n${marker}\n`);
        });
      });
      return setImmediate(() => cb(undefined, session));
    }
    const ch = channel(() => {});
    cb(undefined, ch);
    ch.push('channel-out');
    ch.emit('exit', 0);
    ch.push(null);
    ch.stderr.end();
    ch.emit('close');
  };
  client.end = () => {};
  const conn = new SshConnection('h', client as never, () => {});
  conn.openSession();
  return { client, conn, execs, lines, session: () => session! };
}

describe('SshConnection shell session', () => {
  it('runs commands without stdin in the session, each as /bin/sh -c with stdin from /dev/null', async () => {
    const { conn, execs, lines } = fakeClient(() => ({ out: 'hello', err: 'warn\n', rc: 3 }));
    const r = await conn.exec(`echo "it's"`);
    expect(r).toMatchObject({ rc: 3, stdout: 'hello', stderr: 'warn\n' });
    expect(await conn.exec('true')).toMatchObject({ rc: 3, stdout: 'hello' });
    expect(execs).toEqual(['exec /bin/sh']);
    expect(lines[0]).toMatch(/^\/bin\/sh -c 'echo "it'\\''s"' <\/dev\/null; printf /);
    expect(lines[0]!.endsWith('>&2\n')).toBe(true);
  });

  it('wraps become without a password and timeouts the way a channel does', async () => {
    const { conn, lines } = fakeClient(() => ({ out: '', err: '', rc: 0 }));
    // no become marker comes back from this fake sudo: the handshake reports sudo refusing
    await expect(conn.exec('id', { become: { user: 'root' } })).rejects.toThrow(/sudo/);
    expect(lines[0]).toMatch(/^sudo -H -S -n -u root -- \/bin\/sh -c /);
    await conn.exec('id', { timeoutMs: 1500 });
    expect(lines[1]).toMatch(/timeout -s KILL.* hostwright id 2 <\/dev\/null;/);
  });

  it('uses a channel of its own for stdin, a sudo password, and while the session is busy', async () => {
    const { conn, execs } = fakeClient(() => undefined);
    expect((await conn.exec('cat', { stdin: 'x' })).stdout).toBe('channel-out');
    // this fake channel's sudo never lets us through: what matters is where the command went
    await expect(conn.exec('id', { become: { user: 'root', password: secret('pw') } })).rejects.toThrow(/sudo failed/);
    const first = conn.exec('sleep 1'); // takes the session and keeps it
    await new Promise((r) => setTimeout(r, 10));
    expect((await conn.exec('true')).stdout).toBe('channel-out');
    expect(execs.filter((c) => c === 'exec /bin/sh')).toHaveLength(1);
    expect(execs.filter((c) => c !== 'exec /bin/sh')).toHaveLength(3);
    expect(execs.some((c) => c.includes('sleep 1'))).toBe(false);
    void first;
  });

  it('a session that closes under a command rejects it as lost, and later commands use channels', async () => {
    const { conn, session, execs } = fakeClient(() => undefined);
    const pending = conn.exec('sleep 5');
    await new Promise((r) => setTimeout(r, 10));
    session().emit('close');
    const e = await pending.catch((err: Error) => err);
    expect(e).toBeInstanceOf(SessionLostError);
    expect((await conn.exec('true')).stdout).toBe('channel-out');
    expect(execs.at(-1)).toBe(`/bin/sh -c true`);
  });

  it('a session closing with the connection reports the host unreachable', async () => {
    const { conn, client, session } = fakeClient(() => undefined);
    const pending = conn.exec('sleep 5');
    await new Promise((r) => setTimeout(r, 10));
    session().emit('close');
    client.emit('close');
    await expect(pending).rejects.toBeInstanceOf(UnreachableError);
  });

  it('falls back to channels when the host refuses the session', async () => {
    const { conn, execs } = fakeClient(() => undefined, true);
    expect((await conn.exec('true')).stdout).toBe('channel-out');
    expect(execs).toEqual(['exec /bin/sh', '/bin/sh -c true']);
  });
});
