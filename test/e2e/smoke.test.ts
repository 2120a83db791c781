/**
 * The lab's promise, checked over real SSH with host key verification: separate hosts (hostname,
 * filesystem), the users tests rely on, and a refused connection when the host key doesn't match.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { labHosts, labState, resetHost, ssh, sshOk } from '../lab/testing.js';

function threeHosts() {
  const hosts = labHosts('plain');
  expect(hosts.length).toBeGreaterThanOrEqual(3);
  return hosts.slice(0, 3);
}

describe('lab hosts over SSH', () => {
  test('three hosts answer with three different hostnames, each its own name', async () => {
    const hosts = threeHosts();
    const names = await Promise.all(hosts.map((h) => sshOk(h, 'hostname').then((s) => s.trim())));
    expect(names).toEqual(hosts.map((h) => h.name));
    expect(new Set(names).size).toBe(3);
  });

  test('a file written on one host is absent on the others', async () => {
    const [a, b, c] = threeHosts();
    const file = `/root/smoke-${randomUUID()}`;
    await sshOk(a!, `echo here > ${file}`);
    expect((await sshOk(a!, `cat ${file}`)).trim()).toBe('here');
    for (const other of [b!, c!]) {
      const r = await ssh(other, `test -e ${file}`);
      expect(r.code, `${file} exists on ${other.name}`).toBe(1);
    }
    await sshOk(a!, `rm ${file}`);
  });

  test('deploy sudoes without a password; ops needs its password', async () => {
    const [a] = threeHosts();
    const state = labState();
    expect((await sshOk(a!, 'sudo -n id -u', { user: state.user })).trim()).toBe('0');
    const withoutPassword = await ssh(a!, 'sudo -n id -u', { user: state.passwordUser });
    expect(withoutPassword.code).not.toBe(0);
    expect(withoutPassword.stderr).toMatch(/password is required/);
    const withPassword = await sshOk(a!, `sudo -S -p '' id -u`, { user: state.passwordUser, input: `${state.passwordUserPassword}\n` });
    expect(withPassword.trim()).toBe('0');
  });

  test('a host whose key does not match known_hosts is refused', async () => {
    const [a, b] = threeHosts();
    const known = await fs.readFile(labState().knownHostsFile, 'utf8');
    const keyOf = (name: string) => known.split('\n').find((l) => l.split(' ')[0]!.split(',').includes(name))!.split(' ').slice(1).join(' ');
    // a's name and address, but b's key: what a man in the middle (or a re-installed host) looks like.
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hw-smoke-'));
    const wrong = path.join(dir, 'known_hosts');
    await fs.writeFile(wrong, `${a!.name},${a!.address} ${keyOf(b!.name)}\n`);
    try {
      const r = await ssh(a!, 'true', { knownHostsFile: wrong });
      expect(r.code).toBe(255);
      expect(r.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
      // The same host with the right known_hosts is accepted, so the refusal was about the key.
      expect((await ssh(a!, 'true')).code).toBe(0);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('resetHost', () => {
  test('gives a host a fresh filesystem and network namespace, keeping its name, address and host key', async () => {
    const [, , c] = threeHosts();
    await sshOk(c!, 'echo dirty > /root/leftover; ip addr add 192.0.2.99/32 dev lo');
    const after = await resetHost(c!.name);
    expect(after.address).toBe(c!.address);
    expect(after.pid).not.toBe(c!.pid);
    // Strict host key checking against the same known_hosts still passes: the key is the same.
    expect((await ssh(c!, 'test -e /root/leftover')).code).toBe(1);
    // What a test set in the network namespace (an address here; firewall rules alike) is gone too.
    expect(await sshOk(c!, 'ip -o addr show dev lo')).not.toContain('192.0.2.99');
    expect((await sshOk(c!, 'hostname')).trim()).toBe(c!.name);
  });
});
