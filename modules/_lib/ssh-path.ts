/**
 * The SSH connection a run came in on, as the host sees it: SSH_CONNECTION (client address and
 * port, server address and port) and the interface that holds the server address. Firewall modules
 * read it in their probe to refuse a change that would lock the run out. Under sudo, SSH_CONNECTION
 * is in an ancestor's environment (sudo resets its child's), so the probe walks up to eight parents.
 */

/** A connection as the host sees it. */
export interface SshPath {
  client: string;
  serverAddress: string;
  port: number;
  /** The interface holding serverAddress, when `ip` could tell. */
  iface?: string;
}

export const SSH_MARK = '@@ssh';
export const ADDR_MARK = '@@addr';

/** Probe lines printing `@@ssh <SSH_CONNECTION>` then `@@addr` and `ip -o addr show`. */
export const SSH_PATH_PROBE = [
  'c=${SSH_CONNECTION:-}; p=$PPID; n=0',
  'while [ -z "$c" ] && [ "${p:-0}" -gt 1 ] && [ $n -lt 8 ]; do',
  `  c=$(tr '\\0' '\\n' < /proc/$p/environ 2>/dev/null | sed -n 's/^SSH_CONNECTION=//p'); p=$(sed 's/.*) [A-Za-z] \\([0-9]*\\) .*/\\1/' /proc/$p/stat 2>/dev/null); n=$((n + 1))`,
  'done',
  `echo "${SSH_MARK} $c"`,
  `echo ${ADDR_MARK}; ip -o addr show 2>/dev/null || true`,
].join('\n');

/** From the SSH_CONNECTION words and `ip -o addr show` output; undefined for a local run. */
export function parseSshPath(sshWords: string, addrText: string): SshPath | undefined {
  const [client, , server, port] = sshWords.trim().split(/\s+/);
  if (!client || !server || !port) return undefined;
  // `ip -o addr show`: "2: eth0    inet 10.0.0.2/24 brd ... scope global eth0"
  const iface = addrText
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((w) => (w[2] === 'inet' || w[2] === 'inet6') && w[3]?.split('/')[0] === server)?.[1];
  return { client, serverAddress: server, port: Number(port), ...(iface ? { iface: iface.replace(/@.*$/, '') } : {}) };
}

function ipv4(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export const isIpv4 = (address: string): boolean => ipv4(address.split('/')[0] ?? '') !== undefined;

/** Whether `address` is inside `network` (a CIDR or a single address; IPv6 only when equal). */
export function inNetwork(address: string, network: string): boolean {
  const [net, lenText] = network.split('/');
  const a = ipv4(address);
  const n = ipv4(net ?? '');
  if (a === undefined || n === undefined) return address.toLowerCase() === network.toLowerCase();
  const len = lenText === undefined ? 32 : Number(lenText);
  const size = 2 ** (32 - len);
  return Math.floor(a / size) === Math.floor(n / size);
}

/** An IPv4 network with its host bits cleared (`10.0.0.5/8` → `10.0.0.0/8`); other text unchanged. */
export function ipv4Network(cidr: string): string {
  const [addr, lenText] = cidr.split('/');
  const a = ipv4(addr ?? '');
  if (a === undefined || lenText === undefined) return cidr;
  const len = Number(lenText);
  if (len === 32) return addr!;
  const size = 2 ** (32 - len);
  const base = Math.floor(a / size) * size;
  return `${[24, 16, 8, 0].map((s) => Math.floor(base / 2 ** s) % 256).join('.')}/${len}`;
}

/** Whether a port spec (`22`, `20:30` or `20-30`, `80,443`, `any`) covers `port`. */
export function portSpecCovers(spec: string, port: number): boolean {
  if (spec === 'any') return true;
  return spec.split(',').some((part) => {
    const [lo, hi] = part.split(/[:-]/).map(Number);
    return lo !== undefined && port >= lo && port <= (hi ?? lo);
  });
}
