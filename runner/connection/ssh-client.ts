/**
 * One authenticated ssh2 Client: TCP (or a tunnel through a jump host), host key verified against
 * known_hosts in ssh2's hostVerifier, authentication, connect timeout, and one-line failures.
 */
import { readFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { AuthHandlerMiddleware, ConnectConfig } from 'ssh2';
import { requireCommonJs } from '../lazy.js';
import { HostKeyError, UnreachableError } from '../errors.js';
import { checkHostKey, fingerprint, keyTypeOf, knownKeyTypes, parseKnownHosts, type KnownHostEntry } from './known-hosts.js';
import { authMethods } from './ssh-auth.js';
import type { ConnectSpec } from './types.js';

// Node's own loader (runner/lazy.ts): ssh2 is CommonJS throughout; tsx scanning its files cost ~80 ms.
const { Client } = requireCommonJs<typeof import('ssh2')>('ssh2');
export type SshClient = InstanceType<typeof Client>;

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

async function loadKnownHosts(files: string[]): Promise<KnownHostEntry[]> {
  const texts = await Promise.all(files.map((f) => readFile(f, 'utf8').catch(() => '')));
  return texts.flatMap((t, i) => parseKnownHosts(t, files[i]!));
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

const KEEPALIVE_COUNT_MAX = 2;
export function keepaliveIntervalMs(connectTimeoutMs: number): number {
  return Math.max(1000, Math.round(connectTimeoutMs / (KEEPALIVE_COUNT_MAX + 1)));
}

/**
 * Open one authenticated client to `spec`, over `sock`: a jump host's tunnel, or the TCP connection
 * to the host opened early (connection/index.ts). An early one that failed meanwhile is dropped:
 * ssh2 then dials again itself and reports the failure in its own words.
 */
export async function openClient(spec: ConnectSpec, given?: Readable): Promise<SshClient> {
  const early = given instanceof Socket;
  const knownHostsEntries = spec.hostKeyChecking ? await loadKnownHosts(spec.knownHostsFiles) : [];
  const query = { name: spec.name, address: spec.address, port: spec.port, files: spec.knownHostsFiles };
  const { methods, notes } = await authMethods(spec);
  const tried: string[] = [];
  let hostKeyProblem: string | undefined;
  const debug = spec.debug;
  debug?.(`SSH: connecting to ${endpoint(spec)}${given && !early ? ' through the jump host' : ''} (timeout ${spec.connectTimeoutMs / 1000}s)`);
  for (const note of notes) debug?.(`SSH: ${note}`);

  const queue = [...methods];
  const authHandler: AuthHandlerMiddleware = (left, _partial, next) => {
    // `left`: what the server said can continue, after a method failed (null before the first).
    if (left && tried.length) debug?.(`SSH: authentication with ${tried.at(-1)} refused; can continue: ${left.join(',')}`);
    const m = queue.shift();
    if (!m) return next(false as never);
    tried.push(m.label);
    debug?.(`SSH: trying authentication: ${m.label}`);
    next(m.method);
  };

  const sock = early && given.destroyed ? undefined : given;
  const config: ConnectConfig = {
    host: spec.address,
    port: spec.port,
    username: spec.user,
    readyTimeout: spec.connectTimeoutMs,
    // A host that stops answering (a silent network partition: no RST, no FIN) is lost after the
    // connection timeout, not minutes later: ssh2 gives up after (countMax + 1) unanswered pings.
    // A quiet command (sleep 600) is no problem: sshd answers the pings meanwhile.
    keepaliveInterval: keepaliveIntervalMs(spec.connectTimeoutMs),
    keepaliveCountMax: KEEPALIVE_COUNT_MAX,
    authHandler,
    algorithms: { serverHostKey: preferredHostKeyAlgorithms(knownKeyTypes(knownHostsEntries, query)) },
    hostVerifier: (key: Buffer): boolean => {
      const shown = debug ? `${keyTypeOf(key)} ${fingerprint(key)}` : '';
      if (!spec.hostKeyChecking) {
        debug?.(`SSH: server host key ${shown} not checked (host key checking is off for this host)`);
        return true;
      }
      const verdict = checkHostKey(knownHostsEntries, query, key);
      if (verdict.ok) {
        debug?.(`SSH: server host key ${shown} matches ${verdict.found}`);
        return true;
      }
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
      debug?.(`SSH: authenticated as ${spec.user} with ${tried.at(-1) ?? 'none'}`);
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
    // Without TCP_NODELAY each command waits ~40 ms: a small ssh packet (a window adjust) is still
    // unacknowledged when the next command is written, Nagle holds the command back, and the host
    // delays its ACK. (A jump host's tunnel is no socket; ssh2 then does nothing.)
    client.setNoDelay(true);
  });
}

/** A channel through `via` to host:port, to carry the next hop's ssh session. */
export function tunnel(via: SshClient, host: string, port: number, name: string): Promise<Readable> {
  return new Promise((resolve, reject) => {
    via.forwardOut('127.0.0.1', 0, host, port, (err, stream) =>
      err ? reject(new UnreachableError(name, `ssh: jump host could not open a tunnel to ${host}:${port}: ${err.message}`)) : resolve(stream),
    );
  });
}
