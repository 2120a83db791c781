import { describe, expect, test } from 'vitest';
import type { LabHost } from '../../lab/state.js';
import { etcHostsText, inventoryText, knownHostsText } from '../../lab/writers.js';

const hosts: LabHost[] = [
  { name: 'lab01', address: '10.213.5.2', port: 22, kind: 'plain', pid: 100 },
  { name: 'lab02', address: '10.213.5.3', port: 22, kind: 'plain', pid: 101 },
  { name: 'lab03', address: '10.213.5.4', port: 2222, kind: 'systemd', pid: 102 },
];

describe('knownHostsText', () => {
  test('one line per host, by name and by address, comment dropped; [host]:port off port 22', () => {
    const text = knownHostsText([
      { name: 'lab01', address: '10.213.5.2', port: 22, publicKey: 'ssh-ed25519 AAAAone lab01' },
      { name: 'lab03', address: '10.213.5.4', port: 2222, publicKey: 'ssh-ed25519 AAAAthree' },
    ]);
    expect(text).toBe('lab01,10.213.5.2 ssh-ed25519 AAAAone\n[lab03]:2222,[10.213.5.4]:2222 ssh-ed25519 AAAAthree\n');
  });

  test('a key without its base64 part is an error', () => {
    expect(() => knownHostsText([{ name: 'x', address: '1.2.3.4', port: 22, publicKey: 'ssh-ed25519' }])).toThrow(/bad public key for x/);
  });
});

describe('inventoryText', () => {
  const text = inventoryText({ hosts, keyFile: '/var/cache/hostwright-lab/id_ed25519', knownHostsFile: '/run/hostwright-lab/lab/known_hosts' });

  test('hosts go to lab_plain / lab_systemd by kind, both children of lab', () => {
    expect(text).toContain('[lab_plain]\nlab01 ansible_host=10.213.5.2\nlab02 ansible_host=10.213.5.3\n');
    expect(text).toContain('[lab_systemd]\nlab03 ansible_host=10.213.5.4 ansible_port=2222\n');
    expect(text).toContain('[lab:children]\nlab_plain\nlab_systemd\n');
  });

  test('connection vars: root, the lab key, python3, and known_hosts enforced by ssh', () => {
    expect(text).toContain('ansible_user=root\n');
    expect(text).toContain('ansible_ssh_private_key_file=/var/cache/hostwright-lab/id_ed25519\n');
    expect(text).toContain('ansible_python_interpreter=/usr/bin/python3\n');
    expect(text).toContain(
      "ansible_ssh_common_args='-o UserKnownHostsFile=/run/hostwright-lab/lab/known_hosts -o StrictHostKeyChecking=yes'\n",
    );
  });

  test('an empty kind still gets its (empty) group', () => {
    const plainOnly = inventoryText({ hosts: hosts.slice(0, 1), keyFile: '/k', knownHostsFile: '/kh' });
    expect(plainOnly).toMatch(/\[lab_systemd\]\n\n\[lab:children\]/);
  });
});

describe('etcHostsText', () => {
  test('localhost, the host itself, then the other lab hosts', () => {
    expect(etcHostsText('lab02', hosts).split('\n')).toEqual([
      '127.0.0.1\tlocalhost',
      '::1\tlocalhost ip6-localhost ip6-loopback',
      '10.213.5.3\tlab02',
      '10.213.5.2\tlab01',
      '10.213.5.4\tlab03',
      '',
    ]);
  });
});
