/**
 * A firewalld zone's settings as one comparable value, read from the daemon (runtime, D-Bus
 * getZoneSettings2) or from a zone file (permanent), and shown the way `firewall-cmd --list-all`
 * shows a zone, which is what the diff prints.
 */
import type { XmlElement } from '../_lib/xml.js';
import type { DbusValue } from './dbus.js';
import { normalizeRichRule, richRuleFromXml } from './rich-rule.js';

/** The lists of a zone; an item is a string in firewall-cmd's own notation. */
export const LIST_KINDS = ['interfaces', 'sources', 'services', 'ports', 'protocols', 'forward_ports', 'source_ports', 'icmp_blocks', 'rich_rules'] as const;
export type ListKind = (typeof LIST_KINDS)[number];
export const FLAG_KINDS = ['masquerade', 'icmp_block_inversion'] as const;
export type FlagKind = (typeof FLAG_KINDS)[number];

export type ZoneSettings = { target: string } & Record<ListKind, string[]> & Record<FlagKind, boolean>;

export function emptyZone(): ZoneSettings {
  return {
    target: 'default',
    masquerade: false,
    icmp_block_inversion: false,
    ...(Object.fromEntries(LIST_KINDS.map((k) => [k, []])) as unknown as Record<ListKind, string[]>),
  };
}

/** `port=22:proto=tcp:toport=2222:toaddr=` as firewall-cmd lists forward ports. */
export function forwardPortText(port: string, proto: string, toport: string, toaddr: string): string {
  return `port=${port}:proto=${proto}:toport=${toport}:toaddr=${toaddr}`;
}

const strings = (v: DbusValue | undefined): string[] => (Array.isArray(v) ? v.map(String) : []);
const tuples = (v: DbusValue | undefined): string[][] => (Array.isArray(v) ? v.map((t) => (Array.isArray(t) ? t.map(String) : [String(t)])) : []);

/** From getZoneSettings2's dictionary (keys for empty settings are left out by firewalld). */
export function zoneFromDbus(d: Record<string, DbusValue>): ZoneSettings {
  return {
    target: typeof d.target === 'string' ? d.target : 'default',
    masquerade: d.masquerade === true,
    icmp_block_inversion: d.icmp_block_inversion === true,
    interfaces: strings(d.interfaces),
    sources: strings(d.sources),
    services: strings(d.services),
    ports: tuples(d.ports).map(([p, proto]) => `${p}/${proto}`),
    protocols: strings(d.protocols),
    forward_ports: tuples(d.forward_ports).map(([p, proto, to, addr]) => forwardPortText(p ?? '', proto ?? '', to ?? '', addr ?? '')),
    source_ports: tuples(d.source_ports).map(([p, proto]) => `${p}/${proto}`),
    icmp_blocks: strings(d.icmp_blocks),
    rich_rules: strings(d.rules_str).map(normalizeRichRule),
  };
}

/** From a zone file's root `<zone>` element. */
export function zoneFromXml(root: XmlElement): ZoneSettings {
  const z = emptyZone();
  z.target = root.attrs.target ?? 'default';
  for (const el of root.children) {
    const a = el.attrs;
    switch (el.name) {
      case 'interface': if (a.name) z.interfaces.push(a.name); break;
      case 'source': {
        const s = a.address ?? a.mac ?? (a.ipset ? `ipset:${a.ipset}` : undefined);
        if (s) z.sources.push(s);
        break;
      }
      case 'service': if (a.name) z.services.push(a.name); break;
      case 'port': z.ports.push(`${a.port}/${a.protocol}`); break;
      case 'protocol': if (a.value) z.protocols.push(a.value); break;
      case 'source-port': z.source_ports.push(`${a.port}/${a.protocol}`); break;
      case 'icmp-block': if (a.name) z.icmp_blocks.push(a.name); break;
      case 'icmp-block-inversion': z.icmp_block_inversion = true; break;
      case 'masquerade': z.masquerade = true; break;
      case 'forward-port': z.forward_ports.push(forwardPortText(a.port ?? '', a.protocol ?? '', a['to-port'] ?? '', a['to-addr'] ?? '')); break;
      case 'rule': z.rich_rules.push(richRuleFromXml(el)); break;
      default: break; // short, description, forward, ...: not managed here
    }
  }
  return z;
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));

export function sameZone(a: ZoneSettings, b: ZoneSettings): boolean {
  return a.target === b.target && FLAG_KINDS.every((k) => a[k] === b[k]) && LIST_KINDS.every((k) => sameSet(a[k], b[k]));
}

/** The zone as `firewall-cmd --list-all` prints it (lists sorted, so the diff shows meaning only). */
export function zoneText(name: string, z: ZoneSettings): string {
  const yesNo = (b: boolean): string => (b ? 'yes' : 'no');
  const line = (label: string, items: readonly string[]): string => `  ${label}: ${[...items].sort().join(' ')}`.trimEnd();
  const block = (label: string, items: readonly string[]): string => [`  ${label}:`, ...[...items].sort().map((i) => `\t${i}`)].join('\n');
  return [
    name,
    `  target: ${z.target}`,
    `  icmp-block-inversion: ${yesNo(z.icmp_block_inversion)}`,
    line('interfaces', z.interfaces),
    line('sources', z.sources),
    line('services', z.services),
    line('ports', z.ports),
    line('protocols', z.protocols),
    `  masquerade: ${yesNo(z.masquerade)}`,
    block('forward-ports', z.forward_ports),
    line('source-ports', z.source_ports),
    line('icmp-blocks', z.icmp_blocks),
    block('rich rules', z.rich_rules),
    '',
  ].join('\n');
}
