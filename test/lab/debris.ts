/**
 * Recognising what an earlier run of an instance left in the kernel: network namespaces, links
 * (bridge and veths) and mounts that carry the instance's own names or live under its own
 * directories. Pure parsing of `ip` and mountinfo output; nothing else on the machine matches.
 */
import { LIB_ROOT, RUN_ROOT } from './paths.js';

export interface Debris {
  netns: string[];
  links: string[];
  mounts: string[];
}

/** `ip netns list` prints `name` or `name (id: 3)` per line. */
export function parseNetnsList(output: string): string[] {
  return output
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

/** `ip -o link show` prints `7: hw-lab-1@if2: <BROADCAST,...> ...` per line. */
export function parseLinkNames(output: string): string[] {
  return output
    .split('\n')
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
    .filter((n): n is string => !!n);
}

/** Mount points (field 5) from /proc/PID/mountinfo, with its octal escapes (`\040` = space) undone. */
export function parseMountPoints(mountinfo: string): string[] {
  return mountinfo
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
}

export function isInstanceNetns(instance: string, name: string): boolean {
  return name.startsWith(`hw-${instance}-`);
}

/** The bridge `hw-<instance>` and veths `hw-<instance>-<index>`; `hw-lab` never matches `hw-lab2-1`. */
export function isInstanceLink(instance: string, name: string): boolean {
  return name === `hw-${instance}` || new RegExp(`^hw-${instance}-\\d+$`).test(name);
}

/** Mounts under the instance's own directories (a netns's /run/netns mount goes with the netns). */
export function isInstanceMount(instance: string, mountPoint: string): boolean {
  return [`${RUN_ROOT}/${instance}`, `${LIB_ROOT}/${instance}`].some((dir) => mountPoint === dir || mountPoint.startsWith(`${dir}/`));
}

export function findDebris(instance: string, input: { netnsList: string; linkList: string; mountinfo: string }): Debris {
  return {
    netns: parseNetnsList(input.netnsList).filter((n) => isInstanceNetns(instance, n)),
    links: parseLinkNames(input.linkList).filter((n) => isInstanceLink(instance, n)),
    // Deepest first, so nested mounts come off before their parents.
    mounts: parseMountPoints(input.mountinfo)
      .filter((m) => isInstanceMount(instance, m))
      .sort((a, b) => b.length - a.length),
  };
}

export function isEmpty(d: Debris): boolean {
  return d.netns.length === 0 && d.links.length === 0 && d.mounts.length === 0;
}

export function describeDebris(d: Debris, extra: readonly string[] = []): string {
  const parts = [
    d.netns.length ? `${d.netns.length} netns` : '',
    d.links.length ? `${d.links.length} links (${d.links.slice(0, 3).join(', ')}${d.links.length > 3 ? ', ...' : ''})` : '',
    d.mounts.length ? `${d.mounts.length} mounts` : '',
    ...extra,
  ].filter(Boolean);
  return parts.join(', ');
}
