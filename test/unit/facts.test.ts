import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FACTS_SCRIPT, parseFacts, parseOsRelease } from '../../runner/facts.js';
import type { Facts } from '../../runner/facts.types.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/facts/${name}`, import.meta.url), 'utf8');

// Expected values are what Ansible 2.14's setup reports for the same systems.
const cases: [file: string, expected: Partial<Facts>][] = [
  // Recorded from lab hosts (Debian 12 bookworm; tini as PID 1 with SysV scripts, and systemd).
  [
    'debian-12-plain.txt',
    {
      hostname: 'hwprobe01',
      fqdn: 'hwprobe01',
      os_family: 'Debian',
      distribution: 'Debian',
      distribution_version: '12',
      distribution_major_version: '12',
      distribution_release: 'bookworm',
      architecture: 'x86_64',
      system: 'Linux',
      pkg_mgr: 'apt',
      service_mgr: 'sysvinit',
      all_ipv4_addresses: ['10.213.11.2'],
      default_ipv4: { address: '10.213.11.2', interface: 'eth0' },
      user_id: 'deploy',
      user_uid: 1000,
      python: '/usr/bin/python3',
      sudo_nopasswd: true,
    },
  ],
  [
    'debian-12-systemd.txt',
    {
      hostname: 'hwprobe02',
      distribution: 'Debian',
      distribution_version: '12',
      pkg_mgr: 'apt',
      service_mgr: 'systemd',
      all_ipv4_addresses: ['10.213.11.3'],
    },
  ],
  [
    'ubuntu-22.04.txt',
    {
      hostname: 'web-01',
      fqdn: 'web-01.prod.example.com',
      os_family: 'Debian',
      distribution: 'Ubuntu',
      distribution_version: '22.04',
      distribution_major_version: '22',
      distribution_release: 'jammy',
      architecture: 'x86_64',
      system: 'Linux',
      kernel: '5.15.0-105-generic',
      pkg_mgr: 'apt',
      service_mgr: 'systemd',
      all_ipv4_addresses: ['10.20.0.11', '172.17.0.1'],
      all_ipv6_addresses: ['fe80::f816:3eff:fe4e:1a2b'],
      default_ipv4: { address: '10.20.0.11', interface: 'ens3' },
      user_id: 'ubuntu',
      user_uid: 1000,
      python: '/usr/bin/python3',
      sudo_nopasswd: true,
      date_time_epoch: 1716215400,
    },
  ],
  [
    'rocky-9.txt',
    {
      hostname: 'db1',
      fqdn: 'db1.example.org',
      os_family: 'RedHat',
      distribution: 'Rocky',
      distribution_version: '9.3',
      distribution_major_version: '9',
      distribution_release: 'Blue Onyx',
      pkg_mgr: 'dnf',
      service_mgr: 'systemd',
      default_ipv4: { address: '192.168.122.50', interface: 'eth0' },
      user_id: 'root',
      user_uid: 0,
    },
  ],
  [
    'fedora-39.txt',
    {
      hostname: 'fedora-arm',
      fqdn: 'fedora-arm',
      os_family: 'RedHat',
      distribution: 'Fedora',
      distribution_version: '39',
      distribution_major_version: '39',
      distribution_release: '',
      architecture: 'aarch64',
      pkg_mgr: 'dnf',
      service_mgr: 'systemd',
      all_ipv6_addresses: ['2001:db8::15', 'fe80::1234:56ff:fe78:9abc'],
      sudo_nopasswd: false,
    },
  ],
  [
    'alpine-3.19.txt',
    {
      os_family: 'Alpine',
      distribution: 'Alpine',
      distribution_version: '3.19.1',
      distribution_major_version: '3',
      distribution_release: 'NA',
      pkg_mgr: 'apk',
      service_mgr: 'openrc',
      all_ipv4_addresses: ['172.18.0.5'],
      default_ipv4: { address: '172.18.0.5', interface: 'eth0' },
      sudo_nopasswd: false,
    },
  ],
];

describe('parseFacts', () => {
  it.each(cases)('%s', (file, expected) => {
    const facts = parseFacts(fixture(file));
    expect(facts).toMatchObject(expected);
  });

  it('leaves python out when python3 is absent', () => {
    expect(parseFacts(fixture('alpine-3.19.txt')).python).toBeUndefined();
  });

  it('calls a host with SysV scripts under another PID 1 sysvinit, and PID 1 otherwise', () => {
    const base = fixture('ubuntu-22.04.txt').replace(/@@hostwright:pid1\n[^@]*@@hostwright:addr/s, '@@hostwright:addr');
    const withInit = (pid1: string, init: string) =>
      parseFacts(base.replace('@@hostwright:addr', `@@hostwright:pid1\n${pid1}\n@@hostwright:init\n${init}\n@@hostwright:addr`)).service_mgr;
    expect(withInit('tini', 'init.d\nservice')).toBe('sysvinit');
    expect(withInit('systemd', 'systemctl')).toBe('systemd');
    expect(withInit('runit', '')).toBe('runit');
    expect(withInit('s6-svscan', '')).toBe('s6-svscan');
    expect(withInit('bash', '')).toBe('service');
  });

  it('has no default_ipv4 without a default route', () => {
    const text = fixture('rocky-9.txt').replace(/default via .*\n/, '');
    expect(parseFacts(text).default_ipv4).toBeUndefined();
  });

  it('uses yum on EL 7 even when dnf is installed', () => {
    const el7 = fixture('rocky-9.txt').replace('release 9.3', 'release 7.9.2009').replace('VERSION_ID="9.3"', 'VERSION_ID="7"');
    expect(parseFacts(el7)).toMatchObject({ distribution_version: '7.9.2009', pkg_mgr: 'yum' });
  });
});

describe('parseOsRelease', () => {
  it('unquotes values and skips comments', () => {
    expect(parseOsRelease(['# c', 'NAME="Debian \\"GNU\\"/Linux"', "ID='x'", 'V=1'])).toEqual({
      NAME: 'Debian "GNU"/Linux',
      ID: 'x',
      V: '1',
    });
  });
});

describe('FACTS_SCRIPT', () => {
  it('is one script that always exits 0 and probes sudo without waiting for a password', () => {
    expect(FACTS_SCRIPT.trim().endsWith('exit 0')).toBe(true);
    expect(FACTS_SCRIPT).toContain('sudo -n true </dev/null');
  });

  it('run by the local /bin/sh, reads what uname, hostname and id print (from /proc and /etc/passwd)', () => {
    const out = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' }).trim();
    const facts = parseFacts(execFileSync('/bin/sh', ['-c', FACTS_SCRIPT], { encoding: 'utf8' }));
    expect(facts).toMatchObject({
      system: out('uname', '-s'),
      kernel: out('uname', '-r'),
      architecture: out('uname', '-m'),
      hostname: out('uname', '-n').split('.')[0],
      user_id: out('id', '-un'),
      user_uid: Number(out('id', '-u')),
    });
    // root is never asked whether sudo needs a password: it doesn't.
    if (facts.user_uid === 0) expect(facts.sudo_nopasswd).toBe(true);
    expect(Math.abs(facts.date_time_epoch - Date.now() / 1000)).toBeLessThan(60);
  });
});
