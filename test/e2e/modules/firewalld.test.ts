/**
 * firewalld end to end: firewalld.service on the lab's systemd host and firewall-offline-cmd on a
 * plain host (where the daemon does not run). Seed 000's rule set (playbooks/roles/firewall.ts)
 * checked from the machine and from two other lab hosts, one inside the trusted SSH network and one
 * outside; the lockout guard; rich rules against the real firewalld's normal form; and parity with
 * ansible.posix.firewalld (Debian's `ansible`) on the same cases, state and changed status.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { firewalld } from '../../../modules/index.js';
import type { FirewalldParams } from '../../../modules/firewalld/params.js';
import { normalizeRichRule } from '../../../modules/firewalld/rich-rule.js';
import { aptInstall, eventually, tcpOpen } from '../../lab/probes.js';
import type { LabHost } from '../../lab/state.js';
import { labHosts, labState, resetHost, ssh, sshOk } from '../../lab/testing.js';
import { parseRun, REPO_ROOT, runTool, TSX, type ParsedRun, type TaskSection } from '../playbooks/parity/output.js';
import { playCases, writeAnsibleCases, type Tool } from '../playbooks/firewall/parity.js';
import { converge, run, session, type HostSession } from './harness.js';

const SEED000 = path.join(REPO_ROOT, 'test/e2e/playbooks/firewall/seed000.ts');

let fw: LabHost; // systemd host: firewalld.service
let inside: LabHost; // plain host in the trusted SSH network; firewalld installed, not running
let outside: LabHost; // plain host outside it

/** The firewall as firewall-cmd lists it: every zone, runtime and permanent. */
const firewallState = (h: LabHost) => sshOk(h, 'firewall-cmd --get-default-zone; firewall-cmd --list-all-zones; firewall-cmd --permanent --list-all-zones');

/** Back to the firewall the package installs: no zone files of our own, default settings, reloaded. */
const resetFirewall = (h: LabHost) =>
  sshOk(h, 'rm -f /etc/firewalld/zones/*; sed -i "s/^LogDenied=.*/LogDenied=off/; s/^DefaultZone=.*/DefaultZone=public/" /etc/firewalld/firewalld.conf; firewall-cmd --reload >/dev/null');

/** Whether `from` can open a TCP connection to `to`:port (3 s). */
async function reaches(from: LabHost, to: LabHost, port: number): Promise<boolean> {
  const r = await ssh(from, `python3 -c 'import socket; socket.create_connection(("${to.address}", ${port}), timeout=3)'`);
  return r.code === 0;
}

beforeAll(async () => {
  const [sd] = labHosts('systemd');
  const plain = labHosts('plain');
  expect(sd, 'firewalld e2e needs a systemd lab host').toBeDefined();
  expect(plain.length, 'firewalld e2e needs two plain lab hosts').toBeGreaterThanOrEqual(2);
  // One at a time: a reset holds the lab's lock.
  fw = await resetHost(sd!.name);
  inside = await resetHost(plain[0]!.name);
  outside = await resetHost(plain[1]!.name);
  await Promise.all([sshOk(fw, aptInstall('firewalld'), { timeoutMs: 300_000 }), sshOk(inside, aptInstall('firewalld'), { timeoutMs: 300_000 })]);
  expect((await sshOk(fw, 'firewall-cmd --state')).trim()).toBe('running');
  expect((await ssh(inside, 'firewall-cmd --state')).code, 'firewalld must not run on the plain host').not.toBe(0);
}, 600_000);

afterAll(async () => {
  // A firewall left running would surprise the next test files.
  if (fw) await resetHost(fw.name);
  if (inside) await resetHost(inside.name);
});

const statuses = (t: TaskSection) => t.statuses.map((s) => s.replace(/ \(would run\)$/, ''));
const edits = (t: TaskSection) => t.body.filter((l) => /^[-+](?![-+]{2} )/.test(l));

async function seed000(...flags: string[]): Promise<ParsedRun> {
  const trusted = JSON.stringify({ trusted_ssh: [`${labState().bridgeAddress}/32`, `${inside.address}/32`] });
  const r = await runTool([TSX, SEED000, '-i', labState().inventoryFile, '-l', fw.name, '-e', trusted, ...flags]);
  expect(r.code, `exit ${r.code}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return parseRun(r.stdout);
}

describe('firewalld with the daemon (systemd host)', () => {
  test("seed 000's rule set: check predicts the run exactly, the second run changes nothing, and only the trusted network reaches SSH", async () => {
    const ports = [80, 443, 3000, 3100, 3200, 5432];
    await sshOk(fw, ports.map((p) => `setsid python3 -m http.server ${p} --directory /tmp >/dev/null 2>&1 </dev/null &`).join('\n'));
    await eventually('listeners on the firewalld host', () => Promise.all(ports.map((p) => ssh(fw, `python3 -c 'import socket; socket.create_connection(("127.0.0.1", ${p}), timeout=1)'`))), (rs) => rs.every((r) => r.code === 0));
    const before = await firewallState(fw);

    const check = await seed000('--check', '--diff');
    expect(await firewallState(fw), 'check mode changed the firewall').toBe(before);
    const real = await seed000('--diff');
    expect(check.tasks.map((t) => t.banner)).toEqual(real.tasks.map((t) => t.banner));
    expect(check.tasks.map(statuses)).toEqual(real.tasks.map(statuses));
    expect(check.tasks.map(edits)).toEqual(real.tasks.map(edits));
    expect(check.recap).toEqual(real.recap);
    expect(real.recap[0]).toMatch(/ changed=5 .* failed=0 /);

    const second = await seed000();
    expect(second.recap[0]).toMatch(/ changed=0 +unreachable=0 +failed=0 /);

    // From the machine (a trusted address): the web ports answer, the application ports do not.
    for (const p of [80, 443, 22]) expect(await tcpOpen(fw.address, p), `port ${p} from the machine`).toBe(true);
    for (const p of [3000, 3100, 3200, 5432]) expect(await tcpOpen(fw.address, p), `port ${p} from the machine`).toBe(false);
    // SSH from a host inside the trusted network, not from one outside; the web port from both.
    expect(await reaches(inside, fw, 22)).toBe(true);
    expect(await reaches(outside, fw, 22)).toBe(false);
    expect(await reaches(outside, fw, 80)).toBe(true);
    expect(await reaches(outside, fw, 3000)).toBe(false);
    // Dropped packets are logged; the permanent configuration holds the same (it survives a reload).
    expect((await sshOk(fw, 'firewall-cmd --get-log-denied')).trim()).toBe('all');
    await sshOk(fw, 'firewall-cmd --reload');
    expect(await reaches(outside, fw, 22)).toBe(false);
    expect(await tcpOpen(fw.address, 22)).toBe(true);
  });

  test('a change that would cut the run\'s own SSH connection is refused, names the rule, and changes nothing', async () => {
    const s = await session(fw);
    const before = await firewallState(fw);
    const bridge = labState().bridgeAddress;
    const cases: [FirewalldParams, RegExp][] = [
      [{ rich_rule: `rule family=ipv4 source address=${bridge}/32 service name=ssh accept`, permanent: true, immediate: true, state: 'disabled' }, /nothing in it allows port 22\/tcp/],
      [{ port_forward: [{ port: 22, proto: 'tcp', toport: 2222 }], permanent: true, immediate: true, state: 'enabled' }, /sends port 22 elsewhere/],
      [{ zone: 'drop', source: `${bridge}/32`, permanent: true, immediate: true, state: 'enabled' }, /land in zone 'drop'/],
    ];
    for (const [params, why] of cases) {
      const r = await run(s, firewalld(params));
      expect(r.failed, JSON.stringify(params)).toBe(true);
      expect(r.msg).toMatch(/^refused: this would cut the SSH connection the run is using/);
      expect(r.msg).toMatch(why);
    }
    // A DROP target still lets the controller in through its rich rule: allowed, then undone.
    const drop = await run(s, firewalld({ zone: 'public', target: 'DROP', permanent: true, immediate: true, state: 'enabled' }));
    expect(drop.failed, drop.msg).toBe(false);
    expect(await tcpOpen(fw.address, 22)).toBe(true);
    await run(s, firewalld({ zone: 'public', target: 'DROP', permanent: true, immediate: true, state: 'absent' }));
    expect(await firewallState(fw)).toBe(before);
    expect((await ssh(fw, 'true')).code).toBe(0);
  });

  test("rich rules are compared by meaning: firewalld's own normal form is ours, and a rule written another way is not a change", async () => {
    const s = await session(fw);
    const spellings: [string, string][] = [
      ['rule family=ipv4 source address=192.0.2.0/24 port port=8443 protocol=tcp log prefix="https " level=info limit value=2/minute accept', 'rule port protocol="tcp" port="8443" source address="192.0.2.0/24" family="ipv4" log level="info" prefix="https " limit value="2/m" accept'],
      ['rule family=ipv4 source not address=198.51.100.7 service name=http drop', "rule family='ipv4' source NOT address='198.51.100.7' service name='http' drop"],
      ['rule priority=-5 family=ipv6 source address=2001:db8::/32 service name=https reject', 'rule family="ipv6" priority="-5" source address="2001:db8::/32" service name="https" reject'],
    ];
    for (const [asAdded, asWritten] of spellings) {
      await sshOk(fw, `firewall-cmd --zone=work --add-rich-rule='${asAdded.replace(/'/g, `'\\''`)}'`);
      const listed = (await sshOk(fw, 'firewall-cmd --zone=work --list-rich-rules')).trim().split('\n');
      expect(listed).toContain(normalizeRichRule(asAdded));
      const r = await run(s, firewalld({ zone: 'work', rich_rule: asWritten, state: 'enabled' }));
      expect(r.failed, r.msg).toBe(false);
      expect(r.changed, asWritten).toBe(false);
    }
    await resetFirewall(fw);
  });
});

describe('firewalld without the daemon (plain host, firewall-offline-cmd)', () => {
  let s: HostSession;
  beforeAll(async () => {
    s = await session(inside);
  });

  test('permanent settings converge through firewall-offline-cmd: check predicts, the second run changes nothing', async () => {
    for (const params of [
      { service: 'smtp', permanent: true, state: 'enabled' },
      { port: '8000-8010/udp', zone: 'work', permanent: true, state: 'enabled' },
      { rich_rule: 'rule family=ipv4 source address=10.1.0.0/16 service name=ssh accept', permanent: true, state: 'enabled' },
      { zone: 'edge', permanent: true, state: 'present' },
    ] satisfies FirewalldParams[]) {
      const { first } = await converge(s, firewalld(params));
      expect(first.plan?.result).toMatchObject({ backend: 'firewall-offline-cmd' });
    }
    const listed = await sshOk(inside, 'firewall-offline-cmd --zone=public --list-all; firewall-offline-cmd --get-zones');
    expect(listed).toMatch(/services: .*smtp/);
    expect(listed).toContain('rule family="ipv4" source address="10.1.0.0/16" service name="ssh" accept');
    expect(listed).toMatch(/\bedge\b/);
  });

  test('runtime work without the daemon is a clear error and changes nothing', async () => {
    const before = await sshOk(inside, 'cat /etc/firewalld/zones/*.xml 2>/dev/null; cat /etc/firewalld/firewalld.conf');
    const r = await run(s, firewalld({ service: 'ftp', state: 'enabled' }));
    expect(r.failed).toBe(true);
    expect(r.msg).toBe('firewall is not currently running, unable to perform immediate actions without a running firewall daemon');
    expect(await sshOk(inside, 'cat /etc/firewalld/zones/*.xml 2>/dev/null; cat /etc/firewalld/firewalld.conf')).toBe(before);
  });
});

/**
 * ansible.posix.firewalld and Hostwright on the same cases, from the same starting firewall on the
 * same host: the zones afterwards (runtime and permanent, as firewall-cmd lists them) and each
 * task's changed status, on the first and on the second run.
 */
describe('parity with ansible.posix.firewalld', () => {
  const cases: { name: string; params: FirewalldParams & Record<string, unknown> }[] = [
    { name: 'http in public', params: { service: 'http', permanent: true, immediate: true, state: 'enabled' } },
    { name: 'a port in dmz', params: { zone: 'dmz', port: '8080/tcp', permanent: true, immediate: true, state: 'enabled' } },
    { name: 'a udp range in work, permanent only', params: { zone: 'work', port: '9000-9010/udp', permanent: true, state: 'enabled' } },
    { name: 'an icmp block, runtime only', params: { icmp_block: 'echo-request', state: 'enabled' } },
    { name: 'masquerade in dmz', params: { zone: 'dmz', masquerade: true, permanent: true, immediate: true, state: 'enabled' } },
    { name: 'a source in internal', params: { zone: 'internal', source: '192.0.2.0/24', permanent: true, immediate: true, state: 'enabled' } },
    { name: 'an interface in home', params: { zone: 'home', interface: 'hw0', permanent: true, immediate: true, state: 'enabled' } },
    { name: 'a new zone', params: { zone: 'custom', permanent: true, state: 'present' } },
    { name: 'a target', params: { zone: 'work', target: 'DROP', permanent: true, state: 'enabled' } },
    { name: 'a port forward', params: { zone: 'dmz', port_forward: [{ port: '8443', proto: 'tcp', toport: '443' }], permanent: true, immediate: true, state: 'enabled' } },
    { name: 'ssh out of work', params: { zone: 'work', service: 'ssh', permanent: true, immediate: true, state: 'disabled' } },
    { name: 'icmp block inversion in dmz', params: { zone: 'dmz', icmp_block_inversion: true, permanent: true, state: 'enabled' } },
    { name: 'a rich rule', params: { rich_rule: 'rule family="ipv4" source address="198.51.100.0/24" service name="https" accept', permanent: true, immediate: true, state: 'enabled' } },
    { name: 'a protocol in dmz', params: { zone: 'dmz', protocol: 'gre', permanent: true, immediate: true, state: 'enabled' } },
  ];
  let dir: string;
  let yml: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hw-firewalld-parity-'));
    yml = await writeAnsibleCases(dir, 'ansible.posix.firewalld', cases);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const play = (tool: Tool) => playCases(tool, fw, cases);

  test(`${cases.length} cases: same zones afterwards, same changed status on the first and second run`, async () => {
    await resetFirewall(fw);
    const ansibleFirst = await play({ ansible: yml });
    const ansibleSecond = await play({ ansible: yml });
    const ansibleState = await firewallState(fw);
    await resetFirewall(fw);
    const oursFirst = await play({ hostwright: 'firewalld' });
    const oursSecond = await play({ hostwright: 'firewalld' });
    const ourState = await firewallState(fw);
    await resetFirewall(fw);
    expect(oursFirst).toEqual(ansibleFirst);
    expect(oursSecond).toEqual(ansibleSecond);
    expect(ourState).toBe(ansibleState);
    expect(ansibleFirst.filter((t) => t.endsWith(' changed')).length).toBe(cases.length);
    expect(oursSecond.every((t) => t.endsWith(' ok'))).toBe(true);
  });
});
