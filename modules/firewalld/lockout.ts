/**
 * The lockout guard: would a change stop the SSH connection this run is using? firewalld puts a
 * connection in the zone bound to its source address, else the zone of the interface it arrives
 * on, else the default zone; that zone lets the connection in when its target is ACCEPT, or it
 * allows the port (the ssh service, a port, an accepting rich rule for this client) and no
 * rejecting rich rule for this client comes first (firewalld evaluates deny rules before allow
 * rules at one priority). A forward-port of the SSH port sends it elsewhere. The model is the
 * zone settings before and after the change; the guard refuses when the connection is let in
 * before and not after.
 */
import { inNetwork, isIpv4, type SshPath } from '../_lib/ssh-path.js';

export type { SshPath };
import { richRuleMeaning } from './rich-rule.js';
import type { ZoneSettings } from './zone.js';

function portCovers(spec: string, port: number, protocol: string): boolean {
  const [range, proto] = spec.split('/');
  if (proto !== protocol || !range) return false;
  const [lo, hi] = range.split('-').map(Number);
  return lo !== undefined && port >= lo && port <= (hi ?? lo);
}

/** The zone a connection from `path.client` arriving on `path.iface` lands in. */
export function carryingZone(zones: Readonly<Record<string, ZoneSettings>>, defaultZone: string, path: SshPath): string {
  for (const [name, z] of Object.entries(zones)) if (z.sources.some((s) => inNetwork(path.client, s))) return name;
  if (path.iface) for (const [name, z] of Object.entries(zones)) if (z.interfaces.includes(path.iface)) return name;
  return defaultZone;
}

export type Verdict = { allowed: true } | { allowed: false; why: string };

export function sshVerdict(z: ZoneSettings | undefined, path: SshPath, sshServicePorts: readonly string[]): Verdict {
  if (!z) return { allowed: false, why: 'the zone does not exist' };
  const port = path.port;
  const matchesPort = (m: ReturnType<typeof richRuleMeaning>): boolean => {
    if (!m.element) return true; // a rule without an element covers all traffic
    if (m.element.kind === 'service') return m.element.attrs.name === 'ssh' && sshServicePorts.some((s) => portCovers(s, port, 'tcp'));
    if (m.element.kind === 'port') return portCovers(`${m.element.attrs.port}/${m.element.attrs.protocol}`, port, 'tcp');
    return false;
  };
  const matchesClient = (m: ReturnType<typeof richRuleMeaning>): boolean => {
    if (m.family === 'ipv6' && isIpv4(path.client)) return false;
    if (!m.source) return true;
    if (m.source.address === undefined) return false; // mac/ipset: not decidable here; not counted as allowing
    return inNetwork(path.client, m.source.address) !== m.source.invert;
  };
  const rules = z.rich_rules.map((r) => ({ text: r, m: richRuleMeaning(r) }));
  const forwarded = z.forward_ports.find((f) => {
    const [p, proto] = [/port=([^:]*)/.exec(f)?.[1] ?? '', /proto=([^:]*)/.exec(f)?.[1] ?? ''];
    return portCovers(`${p}/${proto}`, port, 'tcp');
  });
  if (forwarded) return { allowed: false, why: `the forward-port ${forwarded} sends port ${port} elsewhere` };
  const denying = rules.find(({ m }) => (m.action === 'reject' || m.action === 'drop') && matchesClient(m) && matchesPort(m));
  if (denying) return { allowed: false, why: `the rich rule '${denying.text}' rejects it` };
  if (z.target === 'ACCEPT') return { allowed: true };
  if (z.services.includes('ssh') && sshServicePorts.some((s) => portCovers(s, port, 'tcp'))) return { allowed: true };
  if (z.ports.some((p) => portCovers(p, port, 'tcp'))) return { allowed: true };
  if (rules.some(({ m }) => m.action === 'accept' && matchesClient(m) && matchesPort(m))) return { allowed: true };
  return { allowed: false, why: `nothing in it allows port ${port}/tcp from ${path.client} (target ${z.target})` };
}

/**
 * Why the change from `before` to `after` would cut the connection, or undefined when it would
 * not (or when the connection was not let in before: then this change is not what cuts it).
 */
export function lockoutReason(
  layer: string,
  before: { zones: Readonly<Record<string, ZoneSettings>>; defaultZone: string },
  after: { zones: Readonly<Record<string, ZoneSettings>>; defaultZone: string },
  path: SshPath,
  sshServicePorts: readonly string[],
): string | undefined {
  const zoneBefore = carryingZone(before.zones, before.defaultZone, path);
  if (!sshVerdict(before.zones[zoneBefore], path, sshServicePorts).allowed) return undefined;
  const zoneAfter = carryingZone(after.zones, after.defaultZone, path);
  const verdict = sshVerdict(after.zones[zoneAfter], path, sshServicePorts);
  if (verdict.allowed) return undefined;
  return `this would cut the SSH connection the run is using (${path.client} → ${path.serverAddress}:${path.port}${path.iface ? ` on ${path.iface}` : ''}): in the ${layer} configuration it would land in zone '${zoneAfter}', where ${verdict.why}. Set allow_ssh_lockout: true if this is intended`;
}
