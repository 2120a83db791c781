/**
 * SshConnection: one ssh2 Client per host, reused for every command; each command is a channel
 * running `/bin/sh -c <script>` (so the login shell's rc files and syntax don't matter), at most
 * CHANNELS_PER_CONNECTION at once (OpenSSH's default MaxSessions is 10), the rest queued.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { constants as osConstants } from 'node:os';
import type { Readable } from 'node:stream';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthHandlerMiddleware, ClientChannel, ConnectConfig, ParsedKey } from 'ssh2';
import { HostKeyError, UnreachableError } from '../errors.js';
import { commandLine } from './become.js';
import { parseJumpHops } from './ssh-config.js';
import { checkHostKey, knownKeyTypes, parseKnownHosts, type KnownHostEntry } from './known-hosts.js';
import { Limit } from './limit.js';
import { drive } from './process.js';
import { quote } from '../shell.js';
import type { ConnectSpec, Connection, ExecOptions, ExecResult } from './types.js';

const { Client, utils } = ssh2;
type SshClient = InstanceType<typeof Client>;

export const CHANNELS_PER_CONNECTION = 8;

/** ssh2's host key algorithms, in its default order; the ones known for the host move first. */
const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
] as const;
type HostKeyAlgorithm = (typeof HOST_KEY_ALGORITHMS)[number];

function preferredHostKeyAlgorithms(knownTypes: string[]): HostKeyAlgorithm[] {
  const wanted = new Set(knownTypes.flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t])));
  return [...HOST_KEY_ALGORITHMS.filter((a) => wanted.has(a)), ...HOST_KEY_ALGORITHMS.filter((a) => !wanted.has(a))];
}

/** `user@addr:port`, the way messages name an endpoint. */
function endpoint(spec: ConnectSpec): string {
  return `${spec.user}@${spec.address}:${spec.port}`;
}

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

interface LoadedKey {
  key?: ParsedKey;
  note?: string;
}

/**
 * Parsed keys for the whole run: decrypting a passphrase-protected key (bcrypt KDF) costs about a
 * second of CPU, which must not be paid once per host. Keyed by file and a hash of the passphrase.
 */
const keyCache = new Map<string, Promise<LoadedKey>>();

function loadKeyCached(file: string, passphrase: string | undefined): Promise<LoadedKey> {
  const id = `${file}\0${passphrase === undefined ? '-' : createHash('sha256').update(passphrase).digest('hex')}`;
  let loaded = keyCache.get(id);
  if (!loaded) {
    loaded = loadKey(file, passphrase);
    keyCache.set(id, loaded);
  }
  return loaded;
}

/** One key file, parsed; a problem with it is a note for the auth failure message, not an error. */
async function loadKey(file: string, passphrase: string | undefined): Promise<LoadedKey> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch {
    return {}; // a missing default key is not worth mentioning
  }
  const parsed = utils.parseKey(data, passphrase);
  if (parsed instanceof Error) {
    const encrypted = /encrypted|passphrase/i.test(parsed.message);
    return {
      note: encrypted
        ? `${file} is passphrase-protected and ${passphrase === undefined ? 'no passphrase was given' : 'the passphrase is wrong'}`
        : `${file} could not be read as a private key`,
    };
  }
  return { key: Array.isArray(parsed) ? parsed[0] : parsed };
}

async function loadKnownHosts(files: string[]): Promise<KnownHostEntry[]> {
  const texts = await Promise.all(files.map((f) => readFile(f, 'utf8').catch(() => '')));
  return texts.flatMap((t, i) => parseKnownHosts(t, files[i]!));
}

/** Methods in OpenSSH's order: agent keys, key files, then password (and keyboard-interactive with it). */
const agentProbes = new Map<string, Promise<boolean>>();

/**
 * Whether SSH_AUTH_SOCK leads to a live agent (checked once per run). ssh2 aborts the whole
 * connection when the agent can't be reached, and a stale SSH_AUTH_SOCK is common (a closed
 * session's forwarded agent); OpenSSH just skips it, and so do we.
 */
function agentAnswers(path: string): Promise<boolean> {
  let probe = agentProbes.get(path);
  if (!probe) {
    probe = new Promise<boolean>((resolve) => {
      const sock = createConnection(path);
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    agentProbes.set(path, probe);
  }
  return probe;
}

interface LabelledMethod {
  method: AnyAuthMethod;
  /** For the failure message: `agent`, `publickey <file>`, `password`. */
  label: string;
}

async function authMethods(spec: ConnectSpec): Promise<{ methods: LabelledMethod[]; notes: string[] }> {
  const username = spec.user;
  const methods: LabelledMethod[] = [];
  const notes: string[] = [];
  const agent = process.env.SSH_AUTH_SOCK;
  if (agent && (await agentAnswers(agent))) methods.push({ method: { type: 'agent', username, agent }, label: 'agent' });
  const passphrase = spec.passphrase?.reveal();
  for (const file of spec.privateKeyFiles) {
    const { key, note } = await loadKeyCached(file, passphrase);
    if (key) methods.push({ method: { type: 'publickey', username, key }, label: `publickey ${file}` });
    if (note) notes.push(note);
  }
  const password = spec.password?.reveal();
  if (password !== undefined) {
    methods.push({ method: { type: 'password', username, password }, label: 'password' });
    methods.push({
      method: {
        type: 'keyboard-interactive',
        username,
        prompt: (_n, _i, _l, prompts, finish) => finish(prompts.map(() => password)),
      },
      label: 'keyboard-interactive',
    });
  }
  return { methods, notes };
}

/** Why a connect failed, in one line without secrets. */
function explain(err: Error & { level?: string; code?: string }, spec: ConnectSpec, tried: string[], notes: string[]): string {
  const where = endpoint(spec);
  if (err.level === 'client-authentication') {
    const extra = notes.length ? `; ${notes.join('; ')}` : '';
    return `ssh: permission denied for ${where} (tried: ${tried.join(', ') || 'no method: no key, agent or password'})${extra}`;
  }
  if (err.level === 'client-timeout') return `ssh: timed out after ${spec.connectTimeoutMs / 1000}s connecting to ${where}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return `ssh: connection refused by ${spec.address}:${spec.port}`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `ssh: no route to ${spec.address}:${spec.port}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `ssh: could not resolve host name ${spec.address}`;
    case 'ECONNRESET':
      return `ssh: connection reset by ${spec.address}:${spec.port}`;
  }
  return `ssh: ${where}: ${err.message}`;
}

/** Open one authenticated client to `spec`, over `sock` when going through a jump host. */
async function openClient(spec: ConnectSpec, sock?: Readable): Promise<SshClient> {
  const knownHostsEntries = spec.hostKeyChecking ? await loadKnownHosts(spec.knownHostsFiles) : [];
  const query = { name: spec.name, address: spec.address, port: spec.port, files: spec.knownHostsFiles };
  const { methods, notes } = await authMethods(spec);
  const tried: string[] = [];
  let hostKeyProblem: string | undefined;

  const queue = [...methods];
  const authHandler: AuthHandlerMiddleware = (_left, _partial, next) => {
    const m = queue.shift();
    if (!m) return next(false as never);
    tried.push(m.label);
    next(m.method);
  };

  const config: ConnectConfig = {
    host: spec.address,
    port: spec.port,
    username: spec.user,
    readyTimeout: spec.connectTimeoutMs,
    keepaliveInterval: 15_000,
    keepaliveCountMax: 4,
    authHandler,
    algorithms: { serverHostKey: preferredHostKeyAlgorithms(knownKeyTypes(knownHostsEntries, query)) },
    hostVerifier: (key: Buffer): boolean => {
      if (!spec.hostKeyChecking) return true;
      const verdict = checkHostKey(knownHostsEntries, query, key);
      if (verdict.ok) return true;
      hostKeyProblem = verdict.message;
      return false;
    },
    ...(sock ? { sock } : {}),
  };

  const client = new Client();
  return new Promise<SshClient>((resolve, reject) => {
    let done = false;
    // readyTimeout covers the handshake; this covers a TCP connect that never completes as well.
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      client.destroy();
      reject(new UnreachableError(spec.name, `ssh: timed out after ${spec.connectTimeoutMs / 1000}s connecting to ${endpoint(spec)}`));
    }, spec.connectTimeoutMs + 1000);
    client.once('ready', () => {
      done = true;
      clearTimeout(timer);
      resolve(client);
    });
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      client.destroy();
      if (hostKeyProblem) reject(new HostKeyError(spec.name, hostKeyProblem));
      else reject(new UnreachableError(spec.name, explain(err, spec, tried, notes)));
    });
    client.on('close', () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(
        hostKeyProblem
          ? new HostKeyError(spec.name, hostKeyProblem)
          : new UnreachableError(spec.name, `ssh: ${endpoint(spec)} closed the connection during the handshake`),
      );
    });
    client.connect(config);
  });
}

/** A channel through `via` to host:port, to carry the next hop's ssh session. */
function tunnel(via: SshClient, host: string, port: number, name: string): Promise<Readable> {
  return new Promise((resolve, reject) => {
    via.forwardOut('127.0.0.1', 0, host, port, (err, stream) =>
      err ? reject(new UnreachableError(name, `ssh: jump host could not open a tunnel to ${host}:${port}: ${err.message}`)) : resolve(stream),
    );
  });
}

/** `[user@]host[:port]` hops of a ProxyJump, each inheriting the target's keys and host key policy. */
export function jumpSpecs(spec: ConnectSpec): ConnectSpec[] {
  if (spec.jump) return spec.jump;
  if (!spec.proxyJump) return [];
  const hops = parseJumpHops(spec.proxyJump);
  if (!hops) throw new UnreachableError(spec.name, `ssh: cannot read ProxyJump '${spec.proxyJump}' (expected [user@]host[:port],...)`);
  return hops.map((hop) => ({
    name: hop.host,
    connection: 'ssh',
    address: hop.host,
    port: hop.port ?? 22,
    user: hop.user ?? spec.user,
    privateKeyFiles: spec.privateKeyFiles,
    ...(spec.passphrase ? { passphrase: spec.passphrase } : {}),
    knownHostsFiles: spec.knownHostsFiles,
    hostKeyChecking: spec.hostKeyChecking,
    connectTimeoutMs: spec.connectTimeoutMs,
  }));
}

/**
 * Jump host chains, shared by every target behind them: 30 hosts behind one bastion make one
 * connection to it (each target a forwarding channel), not 30 handshakes that its MaxStartups
 * (10 by default) would start refusing. Closed when the last target using it closes.
 */
interface Chain {
  clients: Promise<SshClient[]>;
  users: number;
}
const chains = new Map<string, Chain>();

async function openChain(hops: ConnectSpec[]): Promise<SshClient[]> {
  const clients: SshClient[] = [];
  try {
    let sock: Readable | undefined;
    for (const [i, hop] of hops.entries()) {
      const client = await openClient(hop, sock);
      clients.push(client);
      const next = hops[i + 1];
      if (next) sock = await tunnel(client, next.address, next.port, hop.name);
    }
    return clients;
  } catch (e) {
    for (const c of clients) c.end();
    throw e;
  }
}

/** The last client of the chain for `hops`, and how to let go of it. */
async function acquireChain(hops: ConnectSpec[]): Promise<{ last: SshClient; release: () => void }> {
  const key = hops.map((h) => `${h.user}@${h.address}:${h.port}`).join(',');
  let chain = chains.get(key);
  if (!chain) {
    const fresh: Chain = { clients: openChain(hops), users: 0 };
    chains.set(key, fresh);
    const forget = () => {
      if (chains.get(key) === fresh) chains.delete(key);
    };
    fresh.clients.then((cs) => cs.forEach((c) => c.on('close', forget)), forget);
    chain = fresh;
  }
  const current = chain;
  current.users++;
  let clients: SshClient[];
  try {
    clients = await current.clients;
  } catch (e) {
    current.users--;
    throw e;
  }
  let released = false;
  return {
    last: clients[clients.length - 1]!,
    release: () => {
      if (released) return;
      released = true;
      if (--current.users > 0) return;
      if (chains.get(key) === current) chains.delete(key);
      for (const c of clients.slice().reverse()) {
        c.on('error', () => {});
        c.end();
      }
    },
  };
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
