/**
 * podman_network: a network present with these settings, or absent. Settings that differ remove
 * and create it again (podman cannot change a network in place; removing one that containers use
 * fails with podman's message, and nothing else is touched).
 */
import { defineModule } from '../../runner/module.js';
import type { Plan } from '../../runner/module.types.js';
import { sh } from '../../runner/shell.js';
import { inspected, labelArgs, parseSections, planRecreatable, podmanScript, section, sortedObject, stringMap, type Fields } from './common.js';
import type { NetworkInspect } from './inspect.types.js';
import { podmanNetworkDefinition, type PodmanNetworkParams } from './network.params.js';

export type { PodmanNetworkParams } from './network.params.js';

export interface NetworkState {
  network?: NetworkInspect;
}

export function networkProbeScript(p: PodmanNetworkParams): string {
  return podmanScript(section('network', sh`podman network inspect -- ${p.name} 2>/dev/null`));
}

export function parseNetworkProbe(stdout: string): NetworkState {
  const network = inspected<NetworkInspect>(parseSections(stdout), 'network');
  return network ? { network } : {};
}

function actualFields(n: NetworkInspect, p: PodmanNetworkParams): Fields {
  const f: Fields = {
    driver: n.driver,
    internal: n.internal ?? false,
    ipv6: n.ipv6_enabled ?? false,
    label: sortedObject(stringMap(n.labels)),
  };
  if (p.disable_dns !== undefined) f.disable_dns = !(n.dns_enabled ?? true);
  if (p.subnet !== undefined) f.subnet = (n.subnets ?? []).map((s) => s.subnet).filter((s) => !s.includes(':')).join(',');
  if (p.gateway !== undefined) f.gateway = (n.subnets ?? []).map((s) => s.gateway ?? '').filter((g) => g && !g.includes(':')).join(',');
  return f;
}

function wantedFields(p: PodmanNetworkParams): Fields {
  const f: Fields = {
    driver: p.driver ?? 'bridge',
    internal: p.internal ?? false,
    ipv6: p.ipv6 ?? false,
    label: sortedObject(p.label ?? {}),
  };
  // Whether podman gives a network DNS depends on the host (aardvark-dns installed or not).
  if (p.disable_dns !== undefined) f.disable_dns = p.disable_dns;
  if (p.subnet !== undefined) f.subnet = p.subnet;
  if (p.gateway !== undefined) f.gateway = p.gateway;
  return f;
}

function createCommand(p: PodmanNetworkParams): string {
  const opts: string[] = ['--driver', p.driver ?? 'bridge'];
  if (p.subnet !== undefined) opts.push('--subnet', p.subnet);
  if (p.gateway !== undefined) opts.push('--gateway', p.gateway);
  if (p.internal) opts.push('--internal');
  if (p.disable_dns) opts.push('--disable-dns');
  if (p.ipv6) opts.push('--ipv6');
  opts.push(...labelArgs(p.label));
  return sh`podman network create ${opts} -- ${p.name} >/dev/null`;
}

export function planNetwork(p: PodmanNetworkParams, s: NetworkState): Plan {
  return planRecreatable('network', p, s.network && actualFields(s.network, p), () => wantedFields(p), () => createCommand(p));
}

export const podman_network = defineModule<PodmanNetworkParams, NetworkState>({
  ...podmanNetworkDefinition,
  async gather(p, probe) {
    return parseNetworkProbe((await probe.run(networkProbeScript(p))).stdout);
  },
  plan: (p, s) => planNetwork(p, s),
});
