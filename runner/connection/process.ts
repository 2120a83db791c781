/**
 * Drives one running command, the same way for an ssh channel and a local child process: collects
 * stdout/stderr, performs the sudo handshake (become.ts), writes stdin, enforces the timeout.
 */
import { constants as osConstants } from 'node:os';
import { finished, type Readable, type Writable } from 'node:stream';
import { BecomeError, CommandTimeoutError } from './errors.js';
import { remoteTimeoutSeconds, type BecomeHandshake } from './become.js';
import type { ExecOptions, ExecResult } from './types.js';

export interface RunningCommand {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** Calls back once with the exit status when the command is over and its output drained. */
  onDone(cb: (rc: number) => void): void;
  /** Calls back if the transport fails under the command. */
  onError(cb: (err: Error) => void): void;
  kill(): void;
}

/** The shell's exit status for a command killed by signal `name` (`KILL` from ssh, `SIGKILL` from node): 128+n. */
export function signalStatus(name: string): number {
  const key = (name.startsWith('SIG') ? name : `SIG${name}`) as keyof typeof osConstants.signals;
  return 128 + (osConstants.signals[key] ?? 0);
}

/** Bytes of stdin handed to the transport at once. */
const STDIN_SLICE = 256 * 1024;
/** How long sudo may take to let us through when the command itself has no timeout. */
export const BECOME_TIMEOUT_MS = 20_000;
/** How long after the host should have killed a timed-out command we stop waiting for it. */
export const TIMEOUT_GRACE_MS = 2_000;

/**
 * `startedAt` is when the command was asked for, taken before spawning it or opening its channel:
 * the host's `timeout` starts its clock after that, and starting a process can itself take tens of
 * ms on a loaded machine, so an elapsed time taken later could call a kill at the deadline early.
 */
export function drive(
  host: string,
  proc: RunningCommand,
  options: ExecOptions,
  handshake: BecomeHandshake | undefined,
  startedAt = Date.now(),
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      fn();
    };
    const fail = (e: Error) => {
      finish(() => reject(e));
      proc.kill();
    };

    // Before sudo's go-ahead, stderr belongs to sudo: scanned here, kept out of the result.
    let authPending = handshake !== undefined;
    let authText = '';
    let passwordSent = false;

    const writeStdin = () => {
      proc.stdin.on('error', () => {}); // the command may exit without reading its stdin
      // pipe() pauses the source while the channel's window is full, and ends stdin at its end.
      if (options.stdinFrom) return void options.stdinFrom.pipe(proc.stdin);
      const data = options.stdin;
      if (data === undefined || data.length === 0) return void proc.stdin.end();
      // A large upload goes a slice at a time as the stream drains: one write of it all would be
      // encrypted (ssh2) in one go, holding the event loop long enough for tsx's launcher to give
      // up on a signal's acknowledgement (runner/signals.ts).
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      let at = 0;
      const next = (): void => {
        while (at < bytes.length && !settled) {
          const slice = bytes.subarray(at, at + STDIN_SLICE);
          at += slice.length;
          if (!proc.stdin.write(slice)) return void proc.stdin.once('drain', next);
        }
        proc.stdin.end();
      };
      next();
    };

    const onAuthStderr = (hs: BecomeHandshake, chunk: Buffer) => {
      authText += chunk.toString('utf8');
      const markerAt = authText.indexOf(`${hs.marker}\n`);
      if (markerAt >= 0) {
        authPending = false;
        const before = authText.slice(0, markerAt).split(hs.prompt).join('');
        const after = authText.slice(markerAt + hs.marker.length + 1);
        const rest = before + after;
        if (rest) err.push(Buffer.from(rest, 'utf8'));
        if (hs.withPassword) writeStdin();
        return;
      }
      const prompts = authText.split(hs.prompt).length - 1;
      if (prompts >= 2 || (passwordSent && /incorrect password attempt/.test(authText))) {
        fail(new BecomeError(host, `incorrect sudo password for become user ${hs.user}`));
      } else if (prompts === 1 && !passwordSent) {
        const password = options.become?.password;
        if (!password) return fail(new BecomeError(host, 'sudo asked for a password but none was given (use -K or ansible_become_password)'));
        passwordSent = true;
        proc.stdin.write(`${password.reveal()}\n`);
      }
    };

    const sink = options.stdoutTo;
    // A sink that fails (controller disk full) would never drain: the command fails with its error.
    sink?.once('error', (e: Error) => fail(e));
    proc.stdout.on('data', (c: Buffer) => {
      if (!sink) return out.push(c);
      // Backpressure: on an ssh channel, pausing stops the window, so the host waits for the disk.
      if (!sink.write(c)) {
        proc.stdout.pause();
        sink.once('drain', () => proc.stdout.resume());
      }
    });
    proc.stderr.on('data', (c: Buffer) => {
      if (authPending && handshake) onAuthStderr(handshake, c);
      else err.push(c);
    });
    proc.onError((e) => fail(e));
    // Done when the exit status is known and both outputs have been read to their end.
    let streamsOpen = 2;
    let exitStatus: number | undefined;
    const streamEnded = () => {
      streamsOpen--;
      if (exitStatus !== undefined && streamsOpen === 0) complete(exitStatus);
    };
    finished(proc.stdout, { writable: false }, streamEnded);
    finished(proc.stderr, { writable: false }, streamEnded);
    proc.onDone((rc) => {
      exitStatus = rc;
      if (streamsOpen === 0) complete(rc);
    });
    const complete = (rc: number) => {
      if (authPending && handshake) {
        // sudo ended before starting our shell: it refused. Its own words, minus our prompt.
        const said = authText.split(handshake.prompt).join('').trim();
        let why: string;
        if (/password is required/.test(said)) {
          why = `sudo requires a password to become ${handshake.user} (use -K or ansible_become_password)`;
        } else if (/incorrect password attempt/.test(said)) {
          why = `incorrect sudo password for become user ${handshake.user}`;
        } else if (rc === 127 || /not found/.test(said)) {
          why = `sudo is not available on the host: ${said.split('\n')[0] ?? ''}`.trim();
        } else {
          // Every line: sudo's reason ("sudo: unknown user app") may come before a generic one
          // ("sudo: error initializing audit plugin sudoers_audit").
          const lines = said.split('\n').map((l) => l.trim()).filter(Boolean);
          why = `sudo failed (rc=${rc}): ${lines.length > 0 ? lines.join('; ') : 'no message'}`;
        }
        return finish(() => reject(new BecomeError(host, why)));
      }
      // The host's `timeout` may kill the command (rc 128+9) before our own timer fires on a busy
      // controller: killed by KILL once the time is up is the timeout, not the command failing.
      const killedAtDeadline = options.timeoutMs !== undefined && rc === signalStatus('KILL') && Date.now() - startedAt >= options.timeoutMs;
      if (timedOut || killedAtDeadline) return finish(() => reject(new CommandTimeoutError(host, options.timeoutMs!)));
      const stdoutBytes = Buffer.concat(out);
      finish(() =>
        resolve({ rc, stdout: stdoutBytes.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBytes }),
      );
    };

    let timedOut = false;
    if (options.timeoutMs !== undefined) {
      const ms = options.timeoutMs;
      // The host's `timeout` (become.ts) kills the whole command at the next whole second; waiting
      // for that means nothing is left running. If it doesn't come (no `timeout` there), give up.
      timers.push(setTimeout(() => (timedOut = true), ms));
      timers.push(setTimeout(() => fail(new CommandTimeoutError(host, ms)), remoteTimeoutSeconds(ms) * 1000 + TIMEOUT_GRACE_MS));
    }
    if (handshake) {
      timers.push(
        setTimeout(() => {
          if (authPending) fail(new BecomeError(host, `sudo did not answer within ${BECOME_TIMEOUT_MS / 1000}s`));
        }, BECOME_TIMEOUT_MS),
      );
    }
    // With a password, stdin waits for sudo's go-ahead; otherwise nothing stands between.
    if (!handshake?.withPassword) writeStdin();
  });
}
