/**
 * ProxyJump: the hops to a target, and chains of connections through them shared by every target
 * behind the same hops.
 */
import type { Readable } from 'node:stream';
import { UnreachableError } from '../errors.js';
import { openClient, tunnel, type SshClient } from './ssh-client.js';
import { hasJumpHosts, parseJumpHops } from './ssh-config.js';
import type { ConnectSpec } from './types.js';

/** `[user@]host[:port]` hops of a ProxyJump, each inheriting the target's keys and host key policy. */
export function jumpSpecs(spec: ConnectSpec): ConnectSpec[] {
  if (!hasJumpHosts(spec)) return [];
  if (spec.jump) return spec.jump;
  const hops = parseJumpHops(spec.proxyJump!);
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
export async function acquireChain(hops: ConnectSpec[]): Promise<{ last: SshClient; release: () => void }> {
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
