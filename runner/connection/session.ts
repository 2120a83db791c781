/**
 * ShellSession: one long-lived `/bin/sh` per host on a single ssh channel, fed one command line at
 * a time on its stdin. A new channel per command costs the host a forked sshd session, PAM and a
 * login shell, and the controller several round trips; here a command costs one write and one
 * reply. Each command still runs as its own `/bin/sh -c` (so `exit`, `cd`, `set -e` or a syntax
 * error in a script stay in that child), with stdin from /dev/null (so it cannot eat the session's
 * input), followed by markers that end its stdout (with the exit status) and stderr (marker.ts).
 *
 * One command at a time: the caller takes the session with `tryRun` and gets undefined when it is
 * busy or dead, then uses a channel of its own instead. A session that closes is never reopened.
 */
import { randomBytes } from 'node:crypto';
import { PassThrough, Writable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { SessionLostError } from './errors.js';
import { MarkedStream } from './marker.js';
import type { RunningCommand } from './process.js';
import type { SshClient } from './ssh-client.js';

interface InFlight {
  out: MarkedStream;
  err: MarkedStream;
  stdout: PassThrough;
  stderr: PassThrough;
  onDone?: (rc: number) => void;
  onError?: (e: Error) => void;
  lost?: Error;
}

/** The line that runs `command` in the session and then marks the end of its output. */
export function sessionLine(command: string, marker: string): string {
  return `${command} </dev/null; printf '\\n%s %d\\n' ${marker} "$?"; printf '\\n%s\\n' ${marker} >&2\n`;
}

export class ShellSession {
  /** Random per session: hex, so it needs no quoting and no command prints it by chance. */
  readonly #marker = randomBytes(16).toString('hex');
  #current: InFlight | undefined;
  #dead = false;

  private constructor(
    readonly host: string,
    private readonly channel: ClientChannel,
  ) {
    channel.on('data', (c: Buffer) => this.#onOutput(c, 'out'));
    channel.stderr.on('data', (c: Buffer) => this.#onOutput(c, 'err'));
    channel.on('close', () => this.#die());
    channel.on('error', () => this.#die());
    channel.stderr.on('error', () => this.#die());
  }

  /** Starts `/bin/sh` on a channel of its own; rejects if the host refuses the channel. */
  static open(client: SshClient, host: string): Promise<ShellSession> {
    return new Promise((resolve, reject) => {
      client.exec('exec /bin/sh', (err, channel) => {
        // Listeners go on inside the callback: the channel may close in the same read.
        if (err) reject(err);
        else resolve(new ShellSession(host, channel));
      });
    });
  }

  get alive(): boolean {
    return !this.#dead;
  }

  /**
   * Runs `command` (a complete sh command line) in the session, or returns undefined without
   * touching it when it is busy or dead.
   */
  tryRun(command: string): RunningCommand | undefined {
    if (this.#dead || this.#current) return undefined;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const flight: InFlight = {
      out: new MarkedStream(this.#marker, true, (b) => stdout.write(b)),
      err: new MarkedStream(this.#marker, false, (b) => stderr.write(b)),
      stdout,
      stderr,
    };
    this.#current = flight;
    this.channel.write(sessionLine(command, this.#marker));
    return {
      // The command's stdin is /dev/null; drive() only ends this.
      stdin: new Writable({ write: (_chunk, _enc, cb) => cb() }),
      stdout,
      stderr,
      onDone: (cb) => (flight.onDone = cb),
      onError: (cb) => {
        flight.onError = cb;
        if (flight.lost) cb(flight.lost);
      },
      // Nothing can stop one command in the session short of ending the session.
      kill: () => this.close(),
    };
  }

  #onOutput(chunk: Buffer, which: 'out' | 'err'): void {
    const flight = this.#current;
    // Output between commands (a background process a script left behind) belongs to no command.
    if (!flight || flight[which].done) return;
    flight[which].feed(chunk);
    if (!flight[which].done) return;
    (which === 'out' ? flight.stdout : flight.stderr).end();
    if (flight.out.done && flight.err.done) {
      this.#current = undefined;
      flight.onDone?.(flight.out.status ?? -1);
    }
  }

  #die(): void {
    if (this.#dead) return;
    this.#dead = true;
    const flight = this.#current;
    this.#current = undefined;
    if (!flight) return;
    // Later than the connection's own close, so a lost connection is reported as that instead.
    setImmediate(() => {
      flight.lost = new SessionLostError(this.host);
      flight.onError?.(flight.lost);
    });
  }

  close(): void {
    this.#die();
    try {
      this.channel.close();
    } catch {
      // already gone
    }
  }
}
