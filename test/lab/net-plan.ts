/**
 * Address plan of an instance: a private /24 inside 10.213.0.0/16 that exists only on the
 * instance's bridge. The preferred /24 follows from the instance name (so a lab gets the same
 * addresses every time it comes up); if that one overlaps a network already on the machine, the
 * next free one is taken.
 */

export const LAB_RANGE_PREFIX = '10.213';

export interface Subnet {
  /** e.g. `10.213.37.0/24` */
  cidr: string;
  /** Machine side, on the bridge: `.1`. */
  bridgeAddress: string;
  prefixLength: 24;
}

export function hostAddress(subnet: Subnet, index: number): string {
  if (index < 1 || index > 250) throw new Error(`host index ${index} out of range 1-250`);
  return subnet.bridgeAddress.replace(/\.1$/, `.${index + 1}`);
}

/** FNV-1a, so the preferred /24 is stable across runs and machines. */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (const ch of name) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function subnetAt(third: number): Subnet {
  return { cidr: `${LAB_RANGE_PREFIX}.${third}.0/24`, bridgeAddress: `${LAB_RANGE_PREFIX}.${third}.1`, prefixLength: 24 };
}

/** `a.b.c.d/n` → [first, last] as 32-bit numbers. */
export function cidrRange(cidr: string): [number, number] {
  const [addr, lenText] = cidr.split('/');
  const len = lenText === undefined ? 32 : Number(lenText);
  const parts = (addr ?? '').split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255) || !(len >= 0 && len <= 32)) {
    throw new Error(`not an IPv4 network: ${cidr}`);
  }
  const ip = parts.reduce((acc, p) => acc * 256 + p, 0);
  const size = 2 ** (32 - len);
  const first = Math.floor(ip / size) * size;
  return [first, first + size - 1];
}

function overlaps(a: string, b: string): boolean {
  const [a0, a1] = cidrRange(a);
  const [b0, b1] = cidrRange(b);
  return a0 <= b1 && b0 <= a1;
}

/**
 * Choose the instance's /24. `inUse` lists networks already present on the machine (routes and
 * addresses, as CIDRs; `default` routes are ignored); `own` is this instance's previous choice,
 * kept if still free.
 */
export function chooseSubnet(instance: string, inUse: readonly string[], own?: string): Subnet {
  const taken = inUse.filter((c) => c !== 'default' && !c.startsWith('0.0.0.0/0'));
  const free = (s: Subnet) => !taken.some((c) => overlaps(c, s.cidr));
  if (own) {
    const third = Number(own.split('.')[2]);
    const s = subnetAt(third);
    if (s.cidr === own && free(s)) return s;
  }
  const start = nameHash(instance) % 254 + 1; // 1..254, avoiding .0 and .255 as third octet
  for (let i = 0; i < 254; i++) {
    const s = subnetAt(((start - 1 + i) % 254) + 1);
    if (free(s)) return s;
  }
  throw new Error(`no free /24 left in ${LAB_RANGE_PREFIX}.0.0/16`);
}

/** Networks on the machine from `ip -4 -o route show table all` output (first word of each line). */
export function parseRoutes(output: string): string[] {
  return output
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .map((words) => (['local', 'broadcast', 'unicast', 'multicast'].includes(words[0] ?? '') ? words[1] : words[0]))
    .filter((w): w is string => !!w && w !== 'default' && /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(w));
}
