/** The files `up` writes for the world outside the lab: known_hosts, Ansible inventory, /etc/hosts. */
import type { LabHost, LabState } from './state.js';

export interface HostKeyEntry {
  name: string;
  address: string;
  port: number;
  /** `ssh-ed25519 AAAA...` (a comment, if any, is dropped). */
  publicKey: string;
}

function hostPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** One line per host, matching both its name and its address, as OpenSSH expects them. */
export function knownHostsText(entries: readonly HostKeyEntry[]): string {
  return entries
    .map((e) => {
      const [type, key] = e.publicKey.trim().split(/\s+/);
      if (!type || !key) throw new Error(`bad public key for ${e.name}`);
      return `${hostPattern(e.name, e.port)},${hostPattern(e.address, e.port)} ${type} ${key}\n`;
    })
    .join('');
}

/** INI value quoting for Ansible's inventory parser (shlex): single quotes unless plain. */
function iniValue(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'"'"'`)}'`;
}

export function inventoryText(state: Pick<LabState, 'hosts' | 'keyFile' | 'knownHostsFile'>): string {
  const hostLine = (h: LabHost) =>
    `${h.name} ansible_host=${h.address}${h.port === 22 ? '' : ` ansible_port=${h.port}`}\n`;
  const group = (kind: LabHost['kind']) => state.hosts.filter((h) => h.kind === kind).map(hostLine).join('');
  const sshArgs = `-o UserKnownHostsFile=${state.knownHostsFile} -o StrictHostKeyChecking=yes`;
  return [
    '# Written by `npm run lab -- up`; rewritten on every up.\n',
    `[lab_plain]\n${group('plain')}`,
    `[lab_systemd]\n${group('systemd')}`,
    '[lab:children]\nlab_plain\nlab_systemd\n',
    '[lab:vars]\n' +
      'ansible_user=root\n' +
      `ansible_ssh_private_key_file=${iniValue(state.keyFile)}\n` +
      'ansible_python_interpreter=/usr/bin/python3\n' +
      `ansible_ssh_common_args=${iniValue(sshArgs)}\n`,
  ].join('\n');
}

/** /etc/hosts of one host: itself first, then every lab host so they reach each other by name. */
export function etcHostsText(self: string, hosts: readonly Pick<LabHost, 'name' | 'address'>[]): string {
  const me = hosts.find((h) => h.name === self);
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  if (me) lines.push(`${me.address}\t${me.name}`);
  for (const h of hosts) if (h.name !== self) lines.push(`${h.address}\t${h.name}`);
  return `${lines.join('\n')}\n`;
}
