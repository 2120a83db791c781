/** Facts from real lab hosts, in one command each. */
import { describe, expect, test } from 'vitest';
import { connect, type Connection } from '../../runner/connection/index.js';
import { gatherFacts } from '../../runner/facts.js';
import type { LabHost } from '../lab/state.js';
import { labConnectSpec, labHosts, labState, sshOk } from '../lab/testing.js';

function open(host: LabHost, user = 'root'): Promise<Connection> {
  return connect(labConnectSpec(host, { ansible_user: user }));
}

/** Counts the commands a connection runs. */
function counting(conn: Connection): { conn: Connection; count: () => number } {
  let n = 0;
  return {
    conn: { host: conn.host, exec: (s, o) => (n++, conn.exec(s, o)), close: () => conn.close() },
    count: () => n,
  };
}

describe('gatherFacts on a lab host', () => {
  test('one command gives hostname, distribution, package and service manager, addresses, user', async () => {
    const host = labHosts('plain')[0]!;
    const conn = await open(host);
    try {
      const c = counting(conn);
      const facts = await gatherFacts(c.conn);
      expect(c.count()).toBe(1);
      const hostEpoch = Number(await sshOk(host, 'date +%s'));
      expect(facts).toMatchObject({
        hostname: host.name,
        os_family: 'Debian',
        distribution: 'Debian',
        distribution_major_version: '12',
        distribution_release: 'bookworm',
        system: 'Linux',
        pkg_mgr: 'apt',
        service_mgr: 'sysvinit',
        user_id: 'root',
        user_uid: 0,
        sudo_nopasswd: true,
      });
      expect(facts.distribution_version).toBe((await sshOk(host, '. /etc/os-release; echo $VERSION_ID')).trim());
      expect(facts.architecture).toBe((await sshOk(host, 'uname -m')).trim());
      expect(facts.all_ipv4_addresses).toContain(host.address);
      expect(Math.abs(facts.date_time_epoch - hostEpoch)).toBeLessThan(30);
    } finally {
      await conn.close();
    }
  });

  test('as deploy: sudo needs no password; with become the facts are root\'s', async () => {
    const state = labState();
    const host = labHosts('plain')[1]!;
    const conn = await open(host, state.user);
    try {
      expect(await gatherFacts(conn)).toMatchObject({ user_id: state.user, sudo_nopasswd: true });
      expect(await gatherFacts(conn, { user: 'root' })).toMatchObject({ user_id: 'root', user_uid: 0 });
    } finally {
      await conn.close();
    }
  });

  test('as ops: sudo would ask for a password', async () => {
    const state = labState();
    const conn = await open(labHosts('plain')[0]!, state.passwordUser);
    try {
      expect(await gatherFacts(conn)).toMatchObject({ user_id: state.passwordUser, sudo_nopasswd: false });
    } finally {
      await conn.close();
    }
  });
});
