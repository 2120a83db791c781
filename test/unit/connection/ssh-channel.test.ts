import { EventEmitter } from 'node:events';
import { Duplex, PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SshConnection } from '../../../runner/connection/ssh.js';

/** A channel whose whole life (output, exit status, close) happens inside the exec callback's tick. */
function instantChannel(stdout: string, exit: [number | null, string?]) {
  const channel = new Duplex({ read() {}, write(_c, _e, cb) { cb(); } }) as Duplex & { stderr: PassThrough; signal(): void };
  channel.stderr = new PassThrough();
  channel.signal = () => {};
  return {
    channel,
    finish() {
      channel.push(stdout);
      channel.emit('exit', ...exit);
      channel.push(null);
      channel.stderr.end();
      channel.emit('close');
    },
  };
}

function fakeClient(exit: [number | null, string?], stdout = 'out\n') {
  const client = new EventEmitter() as EventEmitter & { exec: unknown; end(): void };
  const commands: string[] = [];
  client.exec = (command: string, cb: (err: Error | undefined, ch: unknown) => void) => {
    commands.push(command);
    const { channel, finish } = instantChannel(stdout, exit);
    cb(undefined, channel);
    finish(); // the same TCP read that carried the exec reply carried everything else
  };
  client.end = () => {};
  return { client, commands };
}

describe('SshConnection channels', () => {
  it('keeps an exit status that arrives in the same read as the exec reply', async () => {
    const { client } = fakeClient([7]);
    const conn = new SshConnection('h', client as never, () => {});
    expect(await conn.exec('whatever')).toMatchObject({ rc: 7, stdout: 'out\n' });
  });

  it('maps an exit signal to 128+n', async () => {
    const { client } = fakeClient([null, 'SIGKILL']);
    const conn = new SshConnection('h', client as never, () => {});
    expect((await conn.exec('x')).rc).toBe(137);
  });

  it('runs the script through /bin/sh -c, quoted as one word', async () => {
    const { client, commands } = fakeClient([0]);
    const conn = new SshConnection('h', client as never, () => {});
    await conn.exec(`echo "it's"`);
    expect(commands).toEqual([`/bin/sh -c 'echo "it'\\''s"'`]);
  });

  it('rejects pending and later commands once the connection is lost', async () => {
    const client = new EventEmitter() as EventEmitter & { exec: unknown; end(): void };
    client.exec = () => {}; // never answers
    client.end = () => {};
    const conn = new SshConnection('h', client as never, () => {});
    const pending = conn.exec('sleep 1');
    client.emit('close');
    await expect(pending).rejects.toThrow(/ssh connection to h lost/);
    await expect(conn.exec('true')).rejects.toThrow(/lost/);
  });
});
