/**
 * SshConnection: one ssh2 Client per host, reused for every command. Commands run as
 * `/bin/sh -c <script>` (so the login shell's rc files and syntax don't matter), through the
 * host's persistent shell session (session.ts) when it is free and the command needs no stdin and
 * no sudo password; otherwise each on a channel of its own, at most CHANNELS_PER_CONNECTION at
 * once (OpenSSH's default MaxSessions is 10, one of which the session holds), the rest queued.
 */
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { HostKeyError, UnreachableError } from '../errors.js';
import { quote } from '../shell.js';
import { commandLine, type BecomeHandshake } from './become.js';
import { acquireChain, jumpSpecs } from './jump.js';
import { CHANNELS_PER_CONNECTION, Limit } from './limit.js';
import { drive, signalStatus } from './process.js';
import { ShellSession } from './session.js';
import { openClient, tunnel, type SshClient } from './ssh-client.js';
import type { ConnectSpec, Connection, ExecOptions, ExecResult } from './types.js';

interface ChannelEnd {
  /** Exit status, 128+n for signal n, -1 until one arrives. */
  rc: number;
  closed: boolean;
  onClose: (() => void)[];
}

export class SshConnection implements Connection {
  readonly #limit = new Limit(CHANNELS_PER_CONNECTION);
  #lost: Error | undefined;
  readonly #pending = new Set<(e: Error) => void>();
  readonly #client: SshClient;
  /** Lets go of the jump host chain this connection goes through, if any. */
  readonly #releaseJump: () => void;

  constructor(
    readonly host: string,
    client: SshClient,
    releaseJump: () => void,
    /** -vvvv: which way each command goes (ConnectSpec.debug). */
    readonly debug?: (message: string) => void,
  ) {
    this.#client = client;
    this.#releaseJump = releaseJump;
    const lose = (why: string) => {
      this.#lost ??= new UnreachableError(host, `ssh connection to ${host} lost: ${why}`);
      for (const reject of this.#pending) reject(this.#lost);
      this.#releaseJump();
    };
    // ssh2's 'Keepalive timeout': the host stopped answering (ssh-client.ts sizes it to the connection timeout).
    this.#client.on('error', (e: Error) => lose(e.message === 'Keepalive timeout' ? 'the host stopped answering (no reply within the connection timeout)' : e.message));
    this.#client.on('close', () => lose('closed'));
  }

  /** The shell session, once asked for (openSession): undefined if the host would not give one. */
  #session: Promise<ShellSession | undefined> | undefined;

  /** Starts the shell session commands will use when they can; until it is up they wait for it. */
  openSession(): void {
    this.#session = ShellSession.open(this.#client, this.host).then(
      (session) => {
        this.debug?.('SSH: shell session open on its own channel: commands without stdin run through it');
        return session;
      },
      (e: unknown) => {
        this.debug?.(`SSH: no shell session (${e instanceof Error ? e.message : String(e)}): a channel per command`);
        return undefined;
      },
    );
  }

  exec(script: string, options: ExecOptions = {}): Promise<ExecResult> {
    // Built once, whichever way the command goes: the session and a channel run the same line.
    const { argv, handshake } = commandLine(script, options.become, undefined, options.timeoutMs);
    const command = argv.map(quote).join(' ');
    // stdin and a sudo password both need a channel's own stdin; the session's is its command stream.
    // Streamed stdout needs a channel too: only a channel's window pushes back on the host.
    const sessionFits =
      (options.stdin === undefined || options.stdin.length === 0) && !options.stdinFrom && options.become?.password === undefined && !options.stdoutTo;
    if (!this.#session || !sessionFits) {
      const why = options.become?.password !== undefined ? 'a sudo password' : options.stdoutTo ? 'streamed output' : options.stdinFrom ? 'streamed input' : 'stdin';
      return this.#viaChannel(command, handshake, options, this.#session ? why : 'no shell session');
    }
    return this.#session.then((session) => {
      if (this.#lost) return Promise.reject(this.#lost);
      // Taken synchronously: a second command arriving meanwhile finds the session busy.
      const running = session?.tryRun(command);
      if (!running) return this.#viaChannel(command, handshake, options, session ? 'the shell session is busy' : 'no shell session');
      this.debug?.('SSH: command through the shell session');
      return this.#whileConnected(drive(this.host, running, options, handshake));
    });
  }

  #viaChannel(command: string, handshake: BecomeHandshake | undefined, options: ExecOptions, why: string): Promise<ExecResult> {
    if (this.debug && this.#limit.active >= CHANNELS_PER_CONNECTION) {
      this.debug(`SSH: ${CHANNELS_PER_CONNECTION} channels in use: the command waits for one`);
    }
    return this.#limit.run(() => {
      this.debug?.(`SSH: command on a channel of its own (${why}); ${this.#limit.active} of ${CHANNELS_PER_CONNECTION} channels in use`);
      return this.#lost ? Promise.reject(this.#lost) : this.#whileConnected(this.#run(command, handshake, options));
    });
  }

  /** A lost connection rejects the command whatever stage it is at (opening a channel or running). */
  #whileConnected(command: Promise<ExecResult>): Promise<ExecResult> {
    let onLost!: (e: Error) => void;
    const lost = new Promise<never>((_, reject) => (onLost = reject));
    this.#pending.add(onLost);
    return Promise.race([lost, command]).finally(() => this.#pending.delete(onLost));
  }

  #run(command: string, handshake: BecomeHandshake | undefined, options: ExecOptions): Promise<ExecResult> {
    // ssh2 may parse the exec reply, the output, the exit status and the close from one TCP read,
    // so exit and close are watched from inside the callback, before anything else can run.
    const startedAt = Date.now();
    return new Promise<{ channel: ClientChannel; state: ChannelEnd }>((resolve, reject) => {
      const opened = (err: Error | undefined, channel: ClientChannel): void => {
        if (err) return reject(new UnreachableError(this.host, `ssh channel to ${this.host} refused: ${err.message}`));
        const state: ChannelEnd = { rc: -1, closed: false, onClose: [] };
        channel.on('exit', (code: number | null, signal?: string) => {
          if (code !== null && code !== undefined) state.rc = code;
          else if (signal) state.rc = signalStatus(signal);
        });
        channel.on('close', () => {
          state.closed = true;
          for (const cb of state.onClose) cb();
        });
        resolve({ channel, state });
      };
      try {
        this.#client.exec(command, opened);
      } catch (e) {
        // ssh2 throws 'Not connected' at once when the transport died before its 'close' reached
        // us (a dropped connection): that is the host being lost, not the task failing.
        reject(this.#lost ?? new UnreachableError(this.host, `ssh connection to ${this.host} lost: ${(e as Error).message}`));
      }
    }).then(({ channel, state }) =>
      drive(
        this.host,
        {
          stdin: channel,
          stdout: channel as unknown as Readable,
          stderr: channel.stderr,
          onDone: (cb) => (state.closed ? cb(state.rc) : state.onClose.push(() => cb(state.rc))),
          // transport loss is handled for the whole command in #exec
          onError: () => {},
          kill: () => {
            try {
              channel.signal('KILL');
            } catch {
              // the channel may already be gone
            }
            channel.close();
          },
        },
        options,
        handshake,
        startedAt,
      ),
    );
  }

  async close(): Promise<void> {
    this.#client.removeAllListeners('error');
    this.#client.on('error', () => {});
    this.#client.end();
    this.#releaseJump();
  }
}

function withSession(connection: SshConnection): SshConnection {
  connection.openSession();
  return connection;
}

/** `sock`: a TCP connection to the host already being opened (connection/index.ts), for a direct one. */
export async function connectSsh(spec: ConnectSpec, sock?: Socket): Promise<SshConnection> {
  const hops = jumpSpecs(spec);
  if (hops.length === 0) return withSession(new SshConnection(spec.name, await openClient(spec, sock), () => {}, spec.debug));
  let chain: Awaited<ReturnType<typeof acquireChain>>;
  try {
    chain = await acquireChain(hops);
  } catch (e) {
    const Kind = e instanceof HostKeyError ? HostKeyError : UnreachableError;
    throw new Kind(spec.name, `via jump host: ${(e as Error).message}`);
  }
  try {
    const sock = await tunnel(chain.last, spec.address, spec.port, spec.name);
    return withSession(new SshConnection(spec.name, await openClient(spec, sock), chain.release, spec.debug));
  } catch (e) {
    chain.release();
    throw e;
  }
}
