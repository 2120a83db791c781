/**
 * SshConnection: one ssh2 Client per host, reused for every command; each command is a channel
 * running `/bin/sh -c <script>` (so the login shell's rc files and syntax don't matter), at most
 * CHANNELS_PER_CONNECTION at once (OpenSSH's default MaxSessions is 10), the rest queued.
 */
import { constants as osConstants } from 'node:os';
import type { Readable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { HostKeyError, UnreachableError } from '../errors.js';
import { quote } from '../shell.js';
import { commandLine } from './become.js';
import { acquireChain, jumpSpecs } from './jump.js';
import { Limit } from './limit.js';
import { drive } from './process.js';
import { openClient, tunnel, type SshClient } from './ssh-client.js';
import type { ConnectSpec, Connection, ExecOptions, ExecResult } from './types.js';

export const CHANNELS_PER_CONNECTION = 8;

interface ChannelEnd {
  /** Exit status, 128+n for signal n, -1 until one arrives. */
  rc: number;
  closed: boolean;
  onClose: (() => void)[];
}

function signalNumber(name: string): number {
  const key = (name.startsWith('SIG') ? name : `SIG${name}`) as keyof typeof osConstants.signals;
  return osConstants.signals[key] ?? 0;
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
  ) {
    this.#client = client;
    this.#releaseJump = releaseJump;
    const lose = (why: string) => {
      this.#lost ??= new UnreachableError(host, `ssh connection to ${host} lost: ${why}`);
      for (const reject of this.#pending) reject(this.#lost);
      this.#releaseJump();
    };
    this.#client.on('error', (e: Error) => lose(e.message));
    this.#client.on('close', () => lose('closed'));
  }

  exec(script: string, options: ExecOptions = {}): Promise<ExecResult> {
    return this.#limit.run(() => this.#exec(script, options));
  }

  #exec(script: string, options: ExecOptions): Promise<ExecResult> {
    if (this.#lost) return Promise.reject(this.#lost);
    // A lost connection rejects this command whatever stage it is at (opening the channel or running).
    let onLost!: (e: Error) => void;
    const lost = new Promise<never>((_, reject) => (onLost = reject));
    this.#pending.add(onLost);
    return Promise.race([lost, this.#run(script, options)]).finally(() => this.#pending.delete(onLost));
  }

  #run(script: string, options: ExecOptions): Promise<ExecResult> {
    const { argv, handshake } = commandLine(script, options.become, undefined, options.timeoutMs);
    const command = argv.map(quote).join(' ');
    // ssh2 may parse the exec reply, the output, the exit status and the close from one TCP read,
    // so exit and close are watched from inside the callback, before anything else can run.
    return new Promise<{ channel: ClientChannel; state: ChannelEnd }>((resolve, reject) => {
      this.#client.exec(command, (err, channel) => {
        if (err) return reject(new UnreachableError(this.host, `ssh channel to ${this.host} refused: ${err.message}`));
        const state: ChannelEnd = { rc: -1, closed: false, onClose: [] };
        channel.on('exit', (code: number | null, signal?: string) => {
          if (code !== null && code !== undefined) state.rc = code;
          else if (signal) state.rc = 128 + signalNumber(signal);
        });
        channel.on('close', () => {
          state.closed = true;
          for (const cb of state.onClose) cb();
        });
        resolve({ channel, state });
      });
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

export async function connectSsh(spec: ConnectSpec): Promise<SshConnection> {
  const hops = jumpSpecs(spec);
  if (hops.length === 0) return new SshConnection(spec.name, await openClient(spec), () => {});
  let chain: Awaited<ReturnType<typeof acquireChain>>;
  try {
    chain = await acquireChain(hops);
  } catch (e) {
    const Kind = e instanceof HostKeyError ? HostKeyError : UnreachableError;
    throw new Kind(spec.name, `via jump host: ${(e as Error).message}`);
  }
  try {
    const sock = await tunnel(chain.last, spec.address, spec.port, spec.name);
    return new SshConnection(spec.name, await openClient(spec, sock), chain.release);
  } catch (e) {
    chain.release();
    throw e;
  }
}
