/**
 * podman's value syntax that validating a container's params needs as well as planning: sizes,
 * Go durations, published ports. Kept apart from common.ts and container-spec.ts so that
 * container.params.ts (loaded with the modules barrel) does not load them (issue 18).
 */

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** podman's size syntax (`512m`, `1g`, `1024`): bytes; undefined when it is not one. */
export function parseSize(value: string | number): number | undefined {
  if (typeof value === 'number') return value;
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)b?$/i.exec(value.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!);
}

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's duration syntax (`30s`, `1m30s`, `500ms`) in nanoseconds; undefined when it is not one. */
export function parseDuration(value: string): number | undefined {
  const text = value.trim();
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    at = re.lastIndex;
  }
  return at === text.length && at > 0 ? Math.round(total) : undefined;
}

/** `[ip:][hostPort:]containerPort[/proto]` as `ip:hostPort:containerPort/proto` (empty ip = all addresses; empty hostPort = any). */
export function normalisePublish(spec: string): string {
  const [ports, proto = 'tcp'] = spec.split('/');
  const parts = ports!.replace(/\[([^\]]*)\]/, (_, ip: string) => ip.replace(/:/g, '%')).split(':');
  const container = parts.pop()!;
  const host = parts.pop() ?? '';
  let ip = parts.join(':').replace(/%/g, ':');
  if (ip === '0.0.0.0') ip = '';
  return `${ip}:${host}:${container}/${proto}`;
}
