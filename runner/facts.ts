/**
 * Facts in one round trip: one POSIX sh script prints every probe in `@@hostwright:<section>`
 * sections, and a pure parser turns that into Facts with Ansible's names and values
 * (distribution.py's names and OS_FAMILY_MAP, pkg_mgr.py's choice, service_mgr.py's logic, with the
 * contract's twist that a host with SysV scripts but another PID 1 (tini, dumb-init) is 'sysvinit').
 */
import type { Connection, BecomeSpec } from './connection/types.js';
import type { Facts } from './facts.types.js';

const SECTION = '@@hostwright:';

/** Package managers in pkg_mgr.py's order: the last one present wins, as there. */
const PKG_MGRS: [path: string, name: string][] = [
  ['/usr/bin/yum', 'yum'],
  ['/usr/bin/dnf', 'dnf'],
  ['/usr/bin/apt-get', 'apt'],
  ['/usr/bin/zypper', 'zypper'],
  ['/usr/bin/pacman', 'pacman'],
  ['/sbin/apk', 'apk'],
  ['/usr/bin/emerge', 'portage'],
  ['/usr/bin/xbps-install', 'xbps'],
];

/** Shell for one section: a header line, then whatever the probe prints. */
const section = (name: string, body: string) => `echo '${SECTION}${name}'; ${body}`;

/**
 * Facts run once per host per play, so the script reads files with the `read` builtin (function
 * `r`, a cat for small text files) and the kernel's /proc values instead of running uname,
 * hostname, cat and id: it runs `ip` and `date` only, `sudo -n true` only for a user other than
 * root, and `hostname -f` only when /etc/hosts (consulted first by nsswitch) does not name the host.
 */
export const FACTS_SCRIPT = [
  'LC_ALL=C; export LC_ALL; set -f',
  `r() { while IFS= read -r l || [ -n "$l" ]; do printf '%s\\n' "$l"; done < "$1"; }`,
  section('os-release', 'if [ -r /etc/os-release ]; then r /etc/os-release; elif [ -r /usr/lib/os-release ]; then r /usr/lib/os-release; fi'),
  section('redhat-release', '[ -r /etc/redhat-release ] && r /etc/redhat-release'),
  section('alpine-release', '[ -r /etc/alpine-release ] && r /etc/alpine-release'),
  // uname -s, -r, -m; /proc/sys/kernel/arch is there from Linux 6.1.
  section('uname', 'r /proc/sys/kernel/ostype; r /proc/sys/kernel/osrelease; if [ -r /proc/sys/kernel/arch ]; then r /proc/sys/kernel/arch; else uname -m; fi'),
  section('hostname', 'IFS= read -r h < /proc/sys/kernel/hostname || h=$(uname -n); printf \'%s\\n\' "$h"'),
  // hostname -f's answer when nsswitch asks files first and /etc/hosts has the name: the first name
  // of the first line naming it. Else ask the resolver (bounded: a host without DNS must not stall).
  section(
    'fqdn',
    [
      'f=; s=',
      'if [ -r /etc/nsswitch.conf ]; then while read -r k v _; do if [ "$k" = hosts: ]; then s=$v; break; fi; done < /etc/nsswitch.conf; fi',
      'if [ "$s" = files ] && [ -r /etc/hosts ]; then while read -r a b; do case $a in \'\'|\'#\'*) continue ;; esac',
      '  for w in $b; do case $w in \'#\'*) break ;; esac; if [ "$w" = "$h" ]; then set -- $b; f=$1; break 2; fi; done',
      'done < /etc/hosts; fi',
      'if [ -n "$f" ]; then printf \'%s\\n\' "$f"',
      'elif command -v timeout >/dev/null 2>&1; then timeout 2 hostname -f 2>/dev/null; else hostname -f 2>/dev/null; fi',
    ].join('\n'),
  ),
  section('pkg', PKG_MGRS.map(([p]) => `[ -x ${p} ] && echo ${p}`).join('; ')),
  section('pid1', '[ -r /proc/1/comm ] && r /proc/1/comm'),
  section(
    'init',
    '[ -d /run/systemd/system ] && echo run-systemd; command -v systemctl >/dev/null 2>&1 && echo systemctl; ' +
      '[ -e /sbin/openrc ] && echo openrc; [ -d /etc/init.d ] && echo init.d; command -v service >/dev/null 2>&1 && echo service',
  ),
  section('addr', 'ip -o addr show 2>/dev/null'),
  // The default route's interface from the kernel's table, printed as `ip route` would name it.
  section('route', 'while read -r i d _; do if [ "$d" = 00000000 ]; then echo "default dev $i"; break; fi; done < /proc/net/route'),
  // The effective uid (/proc/self is this shell) and its name from /etc/passwd; `id -un` for a
  // user only NSS knows (LDAP, sssd).
  section(
    'id',
    [
      'u=; while read -r k _ e _; do if [ "$k" = Uid: ]; then u=$e; break; fi; done < /proc/self/status',
      'n=; while IFS=: read -r a _ c _; do if [ "$c" = "$u" ]; then n=$a; break; fi; done < /etc/passwd',
      '[ -n "$n" ] || n=$(id -un); [ -n "$u" ] || u=$(id -u); printf \'%s\\n%s\\n\' "$n" "$u"',
    ].join('\n'),
  ),
  section('python', 'command -v python3 2>/dev/null'),
  // root needs no sudo: yes, without asking it.
  section('sudo', 'if [ "$u" = 0 ] || { command -v sudo >/dev/null 2>&1 && sudo -n true </dev/null >/dev/null 2>&1; }; then echo yes; else echo no; fi'),
  section('date', 'date +%s'),
  'exit 0',
].join('\n');

function sections(output: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of output.split('\n')) {
    if (line.startsWith(SECTION)) {
      current = [];
      map.set(line.slice(SECTION.length).trim(), current);
    } else if (current) {
      current.push(line);
    }
  }
  for (const lines of map.values()) while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return map;
}

export function parseOsRelease(lines: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2]!;
    if (/^".*"$|^'.*'$/.test(v)) v = v.slice(1, -1).replace(/\\(["$`\\])/g, '$1');
    out[m[1]!] = v;
  }
  return out;
}

/** os-release ID → ansible_distribution, for the names distribution.py gives. */
const DISTRIBUTION_BY_ID: Record<string, string> = {
  debian: 'Debian',
  ubuntu: 'Ubuntu',
  raspbian: 'Debian',
  linuxmint: 'Linux Mint',
  kali: 'Kali',
  devuan: 'Devuan',
  pop: 'Pop!_OS',
  rhel: 'RedHat',
  centos: 'CentOS',
  rocky: 'Rocky',
  almalinux: 'AlmaLinux',
  ol: 'OracleLinux',
  fedora: 'Fedora',
  amzn: 'Amazon',
  alpine: 'Alpine',
  arch: 'Archlinux',
  manjaro: 'Manjaro',
  sles: 'SLES',
  sles_sap: 'SLES_SAP',
  'opensuse-leap': 'openSUSE Leap',
  'opensuse-tumbleweed': 'openSUSE Tumbleweed',
  opensuse: 'openSUSE',
  gentoo: 'Gentoo',
  clear_linux: 'Clear Linux OS',
};

/** distribution.py's OS_FAMILY_MAP, inverted. */
const OS_FAMILY_MAP: Record<string, string[]> = {
  RedHat: ['RedHat', 'RHEL', 'Fedora', 'CentOS', 'Scientific', 'SLC', 'Ascendos', 'CloudLinux', 'PSBM', 'OracleLinux',
    'OVS', 'OEL', 'Amazon', 'Virtuozzo', 'XenServer', 'Alibaba', 'EulerOS', 'openEuler', 'AlmaLinux', 'Rocky',
    'TencentOS', 'EuroLinux', 'Kylin Linux Advanced Server'],
  Debian: ['Debian', 'Ubuntu', 'Raspbian', 'Neon', 'KDE neon', 'Linux Mint', 'SteamOS', 'Devuan', 'Kali',
    'Cumulus Linux', 'Pop!_OS', 'Parrot', 'Pardus GNU/Linux', 'Uos', 'Deepin', 'OSMC'],
  Suse: ['SuSE', 'SLES', 'SLED', 'openSUSE', 'openSUSE Tumbleweed', 'SLES_SAP', 'SUSE_LINUX', 'openSUSE Leap'],
  Archlinux: ['Archlinux', 'Antergos', 'Manjaro'],
  Mandrake: ['Mandrake', 'Mandriva'],
  Slackware: ['Slackware'],
  Altlinux: ['Altlinux'],
  Gentoo: ['Gentoo', 'Funtoo'],
  Alpine: ['Alpine'],
  ClearLinux: ['Clear Linux OS', 'Clear Linux Mix'],
};
const OS_FAMILY: Record<string, string> = Object.fromEntries(
  Object.entries(OS_FAMILY_MAP).flatMap(([family, names]) => names.map((n) => [n, family])),
);

interface Distribution {
  distribution: string;
  distribution_version: string;
  distribution_release: string;
}

function distributionOf(s: Map<string, string[]>, system: string): Distribution {
  const osr = parseOsRelease(s.get('os-release') ?? []);
  const id = (osr.ID ?? '').toLowerCase();
  const distribution = DISTRIBUTION_BY_ID[id] ?? (osr.NAME ? osr.NAME.split(' ')[0]! : system);
  let version = osr.VERSION_ID ?? '';
  // sys_info.get_distribution_codename: VERSION_CODENAME (even empty, as Fedora's), UBUNTU_CODENAME,
  // the name in VERSION's parentheses, else 'NA'.
  let release =
    osr.VERSION_CODENAME ?? osr.UBUNTU_CODENAME ?? (/\(([^)]+)\)/.exec(osr.VERSION ?? '')?.[1]?.trim() || 'NA');
  const family = OS_FAMILY[distribution];

  const redhatRelease = (s.get('redhat-release') ?? [])[0]?.trim() ?? '';
  const alpineRelease = (s.get('alpine-release') ?? [])[0]?.trim() ?? '';
  // Debian: VERSION_ID ('12'), which is what Ansible 2.14 reports on bookworm, not /etc/debian_version.
  if (family === 'RedHat' && distribution !== 'Fedora' && redhatRelease) {
    // "Rocky Linux release 9.3 (Blue Onyx)", "CentOS Stream release 9"
    const m = /release\s+([\d.]+)(?:\s+\(([^)]*)\))?/.exec(redhatRelease);
    if (m) {
      version = m[1]!;
      release = m[2] ?? (/Stream/.test(redhatRelease) ? 'Stream' : release);
    }
  } else if (distribution === 'Alpine') {
    version = alpineRelease || version;
  }
  return { distribution, distribution_version: version || 'NA', distribution_release: release };
}

function pkgMgrOf(s: Map<string, string[]>, d: Distribution, major: number): string {
  const present = new Set(s.get('pkg') ?? []);
  let name = 'unknown';
  for (const [path, n] of PKG_MGRS) if (present.has(path)) name = n;
  // pkg_mgr.py's RedHat rule: dnf from Fedora 23 and EL 8 on, when it is there.
  if (OS_FAMILY[d.distribution] === 'RedHat' && (name === 'yum' || name === 'dnf')) {
    const dnfEra = d.distribution === 'Fedora' ? major >= 23 : major >= 8;
    if (dnfEra && present.has('/usr/bin/dnf')) name = 'dnf';
    else if (!dnfEra && present.has('/usr/bin/yum')) name = 'yum';
  }
  return name;
}

const PROC1_MAP: Record<string, string> = {
  procd: 'openwrt_init',
  'runit-init': 'runit',
  runit: 'runit',
  svscan: 'svc',
  'openrc-init': 'openrc',
};

function serviceMgrOf(s: Map<string, string[]>): string {
  const raw = (s.get('pid1') ?? [])[0]?.trim() ?? '';
  const proc1 = raw === '' || raw === 'init' || raw.endsWith('sh') ? undefined : raw;
  const init = new Set(s.get('init') ?? []);
  if (proc1 === 'systemd' || (init.has('run-systemd') && init.has('systemctl'))) return 'systemd';
  if (proc1 && PROC1_MAP[proc1]) return PROC1_MAP[proc1]!;
  if (init.has('openrc')) return 'openrc';
  if (init.has('init.d') || init.has('service')) return 'sysvinit';
  return proc1 ?? 'service';
}

interface Addresses {
  v4: string[];
  v6: string[];
  byInterface: Map<string, string>;
}

/** `ip -o addr show` lines: `2: eth0    inet 10.0.0.2/24 brd ... scope global eth0`. */
function addressesOf(lines: string[]): Addresses {
  const out: Addresses = { v4: [], v6: [], byInterface: new Map() };
  for (const line of lines) {
    const m = /^\d+:\s+(\S+?)(?:@\S+)?\s+(inet6?)\s+([^/\s]+)/.exec(line);
    if (!m) continue;
    const [, iface, family, address] = m as unknown as [string, string, string, string];
    if (iface === 'lo') continue;
    if (family === 'inet') {
      if (address.startsWith('127.')) continue;
      out.v4.push(address);
      if (!out.byInterface.has(iface)) out.byInterface.set(iface, address);
    } else if (address !== '::1') {
      out.v6.push(address);
    }
  }
  return out;
}

export function parseFacts(output: string): Facts {
  const s = sections(output);
  const [system = 'Linux', kernel = '', architecture = ''] = (s.get('uname') ?? []).map((l) => l.trim());
  const d = distributionOf(s, system);
  const major = d.distribution_version.split('.')[0] ?? '';
  const shortName = ((s.get('hostname') ?? [])[0] ?? '').trim();
  const fqdnLine = ((s.get('fqdn') ?? [])[0] ?? '').trim();
  const addresses = addressesOf(s.get('addr') ?? []);
  const route = /\bdev\s+(\S+)/.exec((s.get('route') ?? [])[0] ?? '');
  const defaultIface = route?.[1];
  const defaultAddress = defaultIface ? addresses.byInterface.get(defaultIface) : undefined;
  const [userId = '', uid = ''] = (s.get('id') ?? []).map((l) => l.trim());
  const python = ((s.get('python') ?? [])[0] ?? '').trim();
  const epoch = Number(((s.get('date') ?? [])[0] ?? '').trim());

  return {
    hostname: shortName.split('.')[0] ?? shortName,
    fqdn: fqdnLine || shortName,
    os_family: OS_FAMILY[d.distribution] ?? d.distribution,
    distribution: d.distribution,
    distribution_version: d.distribution_version,
    distribution_major_version: major,
    distribution_release: d.distribution_release,
    architecture,
    system,
    kernel,
    pkg_mgr: pkgMgrOf(s, d, Number(major)),
    service_mgr: serviceMgrOf(s),
    all_ipv4_addresses: addresses.v4,
    all_ipv6_addresses: addresses.v6,
    ...(defaultIface && defaultAddress ? { default_ipv4: { address: defaultAddress, interface: defaultIface } } : {}),
    user_id: userId,
    user_uid: Number(uid),
    ...(python ? { python } : {}),
    sudo_nopasswd: ((s.get('sudo') ?? [])[0] ?? '').trim() === 'yes',
    date_time_epoch: Number.isFinite(epoch) ? epoch : 0,
  };
}

/** Facts for the host behind `conn`, in one command (as `become` if given, like Ansible's setup). */
export async function gatherFacts(conn: Connection, become?: BecomeSpec): Promise<Facts> {
  const result = await conn.exec(FACTS_SCRIPT, become ? { become, timeoutMs: 30_000 } : { timeoutMs: 30_000 });
  if (result.rc !== 0) {
    throw new Error(`gathering facts on ${conn.host} failed (rc=${result.rc}): ${result.stderr.trim().split('\n')[0] ?? ''}`);
  }
  return parseFacts(result.stdout);
}
