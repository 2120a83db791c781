/**
 * Host names with ranges and ports, as ansible.parsing.utils.addresses.parse_address and
 * ansible.plugins.inventory.expand_hostname_range read them: `web[01:20]`, `db-[a:c]`,
 * `node[1:10:2]`, `host:2222`, `[::1]:22`.
 */

export class HostRangeError extends Error {}

const numericRange = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const hexadecimalRange = String.raw`\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`;
const alphanumericRange = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const ipv6Component = String.raw`(?:[0-9a-f]{1,4}|${hexadecimalRange})`;
const ipv4Component = String.raw`(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${numericRange})`;
const word = String.raw`[\p{L}\p{N}_\p{Mn}\p{Pc}]`;
const label = String.raw`(?:${word}|${alphanumericRange})(?:${word}|[_-]|${alphanumericRange})*(?<![_-])`;

const c6 = ipv6Component;
const ADDRESS_PATTERNS = {
  bracketedHostport: /^\[(.+)\]:([0-9]+)$/,
  hostport: /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/,
  ipv4: new RegExp(String.raw`^(?:${ipv4Component}\.){3}${ipv4Component}$`, 'i'),
  ipv6: new RegExp(
    '^(?:' +
      [
        `(?:${c6}:){7}${c6}`,
        `(?:${c6}:){1,6}:`,
        `(?:${c6}:)(?::${c6}){1,6}`,
        `(?:${c6}:){2}(?::${c6}){1,5}`,
        `(?:${c6}:){3}(?::${c6}){1,4}`,
        `(?:${c6}:){4}(?::${c6}){1,3}`,
        `(?:${c6}:){5}(?::${c6}){1,2}`,
        `(?:${c6}:){6}(?::${c6})`,
        `:(?::${c6}){1,6}`,
        `${c6}?::`,
        `(?:0:){6}(?:${c6}\\.){3}${c6}`,
        `::(?:ffff:)?(?:${c6}\\.){3}${c6}`,
        `(?:0:){5}ffff:(?:${c6}\\.){3}${c6}`,
      ].join('|') +
      ')$',
    'i',
  ),
  hostname: new RegExp(String.raw`^${label}(?:\.${label})*$`, 'iu'),
};

/**
 * Names that ADDRESS_PATTERNS.hostname accepts too, in ASCII only and without ranges (dotted
 * IPv4 addresses included): labels of letters, digits, `_` and `-` not ending in `_` or `-`.
 */
const PLAIN_LABEL = '(?:[a-z0-9]|[a-z0-9_][a-z0-9_-]*[a-z0-9])';
const PLAIN_HOSTNAME = new RegExp(`^${PLAIN_LABEL}(?:\\.${PLAIN_LABEL})*$`, 'i');

/** parse_address(address, allow_ranges): [host, port]; throws when it is not a host identifier. */
export function parseAddress(address: string, allowRanges = false): [string, number | undefined] {
  let port: number | undefined;
  // Both forms are tried in turn on purpose, as Ansible does (`[h]:1` then `h:1`).
  for (const re of [ADDRESS_PATTERNS.bracketedHostport, ADDRESS_PATTERNS.hostport]) {
    const m = re.exec(address);
    if (m) {
      address = m[1]!;
      port = Number(m[2]);
    }
  }
  // Any one pattern matching makes it a host. The plain ASCII name or IPv4 address comes first
  // and stops the search: compiling the IPv6 and Unicode hostname patterns took 5-20 ms of a
  // 1-host run's start-up (issue 18), for inventories that seldom need them.
  const isHost = (re: RegExp) => re.test(address);
  if (!(isHost(PLAIN_HOSTNAME) || isHost(ADDRESS_PATTERNS.ipv4) || isHost(ADDRESS_PATTERNS.hostname) || isHost(ADDRESS_PATTERNS.ipv6))) {
    throw new HostRangeError(`Not a valid network hostname: ${address}`);
  }
  if (!allowRanges && address.includes('[')) throw new HostRangeError('Detected range in host but was asked to ignore ranges');
  return [address, port];
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** expand_hostname_range: `db[01:03]-[a:b]` → db01-a, db01-b, db02-a, ... */
export function expandHostnameRange(line: string): string[] {
  // Python: head, nrange, tail = line.replace('[','|',1).replace(']','|',1).split('|')
  const parts = line.replace('[', '|').replace(']', '|').split('|');
  if (parts.length !== 3) {
    throw new HostRangeError(`${parts.length > 3 ? 'too many' : 'not enough'} values to unpack (expected 3, got ${parts.length})`);
  }
  const [head, nrange, tail] = parts as [string, string, string];
  const bounds = nrange.split(':');
  if (bounds.length !== 2 && bounds.length !== 3) throw new HostRangeError('host range must be begin:end or begin:end:step');
  let beg = bounds[0]!;
  const end = bounds[1]!;
  const stepText = bounds[2] ?? '1';
  if (!beg) beg = '0';
  if (!end) throw new HostRangeError('host range must specify end value');
  let fill = (x: number | string) => String(x);
  if (beg[0] === '0' && beg.length > 1) {
    const rlen = beg.length;
    if (rlen !== end.length) throw new HostRangeError('host range must specify equal-length begin and end formats');
    fill = (x) => String(x).padStart(rlen, '0');
  }
  const step = pyInt(stepText);
  if (step === 0) throw new HostRangeError('range() arg 3 must not be zero');
  const inRange = (i: number, stop: number) => (step > 0 ? i < stop : i > stop);
  let seq: (string | number)[];
  const iBeg = LETTERS.indexOf(beg);
  const iEnd = LETTERS.indexOf(end);
  if (beg.length === 1 && end.length === 1 && iBeg >= 0 && iEnd >= 0) {
    if (iBeg > iEnd) throw new HostRangeError('host range must have begin <= end');
    seq = [];
    // A negative step slices nothing in Python here (begin <= end).
    for (let i = iBeg; step > 0 && i <= iEnd; i += step) seq.push(LETTERS[i]!);
  } else {
    const b = pyInt(beg);
    const e = pyInt(end);
    seq = [];
    for (let i = b; inRange(i, e + 1); i += step) seq.push(i);
  }
  const hosts: string[] = [];
  for (const item of seq) {
    const name = head + fill(item) + tail;
    if (name.includes('[')) hosts.push(...expandHostnameRange(name));
    else hosts.push(name);
  }
  return hosts;
}

function pyInt(text: string): number {
  if (!/^\s*[+-]?\d+(?:_\d+)*\s*$/.test(text)) throw new HostRangeError(`invalid literal for int() with base 10: '${text}'`);
  return Number(text.replace(/_/g, ''));
}

/** BaseInventoryPlugin._expand_hostpattern: a pattern (with ranges) and an optional port. */
export function expandHostPattern(pattern: string): { hostnames: string[]; port: number | undefined } {
  let host = pattern;
  let port: number | undefined;
  try {
    [host, port] = parseAddress(pattern, true);
  } catch {
    host = pattern;
    port = undefined;
  }
  const hostnames = host.includes('[') ? expandHostnameRange(host) : [host];
  return { hostnames, port };
}
