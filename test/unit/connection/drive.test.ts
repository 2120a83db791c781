/**
 * runner/connection/process.ts's drive(): a command the host's `timeout` killed (rc 128+9) is the
 * timeout when the deadline has passed since the command was asked for. That moment is taken
 * before spawning (startedAt): on a loaded machine spawn() alone took up to 42 ms, and an elapsed
 * time counted from after it called kills at the deadline failures (rc=137) in 13 of 80 runs.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CommandTimeoutError } from '../../../runner/connection/errors.js';
import { drive, signalStatus, type RunningCommand } from '../../../runner/connection/process.js';

/** A command that has already ended with `rc` and no output. */
function ended(rc: number): RunningCommand {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.end();
  stderr.end();
  return { stdin: new PassThrough(), stdout, stderr, onDone: (cb) => setImmediate(() => cb(rc)), onError: () => {}, kill: () => {} };
}

const KILLED = signalStatus('SIGKILL');

describe('drive: a KILL at the deadline is the timeout', () => {
  it('counts the deadline from when the command was asked for, not from when drive() started', async () => {
    const askedFor = Date.now() - 1_000;
    await expect(drive('h', ended(KILLED), { timeoutMs: 1_000 }, undefined, askedFor)).rejects.toBeInstanceOf(CommandTimeoutError);
  });
  it('a KILL well before the deadline is the command failing, with its rc', async () => {
    await expect(drive('h', ended(KILLED), { timeoutMs: 60_000 }, undefined, Date.now())).resolves.toMatchObject({ rc: KILLED });
  });
});
