/**
 * The lab network: a bridge per instance holding the machine's address of a private /24, and per
 * host a network namespace joined to it by a veth pair (`eth0` inside). Packets from hosts are never
 * forwarded off the bridge, so nothing leaves the machine.
 */
import fs from 'node:fs/promises';
import { run, tryRun } from './exec.js';
import { chooseSubnet, parseRoutes, type Subnet } from './net-plan.js';

export async function machineNetworks(): Promise<string[]> {
  return parseRoutes(await run(['ip', '-4', '-o', 'route', 'show', 'table', 'all']));
}

export async function pickSubnet(instance: string, previous?: string): Promise<Subnet> {
  return chooseSubnet(instance, await machineNetworks(), previous);
}

export async function createBridge(bridge: string, subnet: Subnet): Promise<void> {
  await run(['ip', 'link', 'add', bridge, 'type', 'bridge']);
  // Belt and braces: even if the machine forwards IPv4, nothing arriving on this bridge is routed on.
  await fs.writeFile(`/proc/sys/net/ipv4/conf/${bridge}/forwarding`, '0');
  await fs.writeFile(`/proc/sys/net/ipv6/conf/${bridge}/disable_ipv6`, '1');
  await run(['ip', 'addr', 'add', `${subnet.bridgeAddress}/${subnet.prefixLength}`, 'dev', bridge]);
  await run(['ip', 'link', 'set', bridge, 'up']);
}

export interface HostNetwork {
  netns: string;
  veth: string;
  address: string;
}

/**
 * Create the namespaces and veth pairs of many hosts with two `ip -batch` runs per host at most,
 * since spawning `ip` once per step is what makes starting 30 hosts slow.
 */
export async function createHostNetworks(bridge: string, subnet: Subnet, hosts: readonly HostNetwork[]): Promise<void> {
  if (hosts.length === 0) return;
  const outside = hosts.flatMap((h) => [
    `netns add ${h.netns}`,
    `link add ${h.veth} type veth peer name eth0 netns ${h.netns}`,
    `link set ${h.veth} master ${bridge} up`,
  ]);
  await run(['ip', '-batch', '-'], { input: `${outside.join('\n')}\n` });
  await Promise.all(
    hosts.map((h) =>
      run(['ip', '-n', h.netns, '-batch', '-'], {
        input: [
          'link set lo up',
          `addr add ${h.address}/${subnet.prefixLength} dev eth0`,
          'link set eth0 up',
          // A default route (facts such as the default IPv4 address want one); the bridge drops it.
          `route add default via ${subnet.bridgeAddress}`,
          '',
        ].join('\n'),
      }),
    ),
  );
}

/** Delete a netns; its veth end goes with it, and the peer on the bridge with that. */
export async function deleteNetns(name: string): Promise<void> {
  const r = await tryRun(['ip', 'netns', 'delete', name]);
  if (r.code !== 0 && !/No such file/.test(r.stderr)) throw new Error(`ip netns delete ${name}: ${r.stderr.trim()}`);
}

export async function deleteLink(name: string): Promise<void> {
  const r = await tryRun(['ip', 'link', 'delete', name]);
  if (r.code !== 0 && !/Cannot find device/.test(r.stderr)) throw new Error(`ip link delete ${name}: ${r.stderr.trim()}`);
}

/** PIDs of every process whose network namespace is `name` (whatever started it). */
export async function netnsPids(name: string): Promise<number[]> {
  const r = await tryRun(['ip', 'netns', 'pids', name]);
  return r.code === 0 ? r.stdout.split(/\s+/).filter(Boolean).map(Number) : [];
}
