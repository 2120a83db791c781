/**
 * ufw end to end on plain lab hosts (ufw drives iptables inside the host's network namespace):
 * seed 001's rules checked from the machine and from another lab host, the lockout guard, and parity
 * with community.general.ufw (Debian's `ansible`): the rule files' tuples, ufw.conf and the
 * policies afterwards, and each task's changed status, first and second run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ufw } from '../../../modules/index.js';
import { aptInstall, eventually, tcpOpen } from '../../lab/probes.js';
import type { LabHost } from '../../lab/state.js';
import { labHosts, labState, resetHost, ssh, sshOk } from '../../lab/testing.js';
import { playCases, writeAnsibleCases, type ParityCase } from '../playbooks/firewall/parity.js';
import { parseRun, REPO_ROOT, runTool, TSX, type ParsedRun, type TaskSection } from '../playbooks/parity/output.js';
import { run, session } from './harness.js';

const SEED001 = path.join(REPO_ROOT, 'test/e2e/playbooks/firewall/seed001-ufw.ts');
let fw: LabHost; // ufw host
let outside: LabHost; // prober outside the trusted network
let ansibleHost: LabHost;
let oursHost: LabHost;

/** What ufw keeps: its rule tuples, ufw.conf and the default policies. */
const ufwFiles = (h: LabHost) =>
  sshOk(h, "grep -h '^### tuple' /etc/ufw/user.rules /etc/ufw/user6.rules; grep -h -E '^(ENABLED|LOGLEVEL|DEFAULT_[A-Z]+_POLICY)=' /etc/ufw/ufw.conf /etc/default/ufw");

beforeAll(async () => {
  const plain = labHosts('plain');
  expect(plain.length, 'ufw e2e needs four plain lab hosts').toBeGreaterThanOrEqual(4);
  // One at a time: a reset holds the lab's lock.
  [fw, outside, ansibleHost, oursHost] = [await resetHost(plain[0]!.name), await resetHost(plain[1]!.name), await resetHost(plain[2]!.name), await resetHost(plain[3]!.name)];
  await Promise.all([fw, ansibleHost, oursHost].map((h) => sshOk(h, aptInstall('ufw'), { timeoutMs: 300_000 })));
}, 600_000);

afterAll(async () => {
  // Rules left enabled would surprise the next test files.
  for (const h of [fw, ansibleHost, oursHost]) if (h) await resetHost(h.name);
});

const statuses = (t: TaskSection) => t.statuses.map((s) => s.replace(/ \(would run\)$/, ''));
const edits = (t: TaskSection) => t.body.filter((l) => /^[-+](?![-+]{2} )/.test(l));

async function seed001(...flags: string[]): Promise<ParsedRun> {
  const trusted = JSON.stringify({ trusted_ssh: [`${labState().bridgeAddress}/32`] });
  const r = await runTool([TSX, SEED001, '-i', labState().inventoryFile, '-l', fw.name, '-e', trusted, ...flags]);
  expect(r.code, `exit ${r.code}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return parseRun(r.stdout);
}

describe('ufw', () => {
  test("seed 001's rules: check predicts the run, the second run changes nothing, SSH only from the trusted network", async () => {
    await sshOk(fw, [80, 3000].map((p) => `setsid python3 -m http.server ${p} --directory /tmp >/dev/null 2>&1 </dev/null &`).join('\n'));
    await eventually('listeners', () => Promise.all([80, 3000].map((p) => tcpOpen(fw.address, p))), (o) => o.every(Boolean));
    const before = await ufwFiles(fw);
    const check = await seed001('--check', '--diff');
    expect(await ufwFiles(fw), 'check mode changed ufw').toBe(before);
    const real = await seed001('--diff');
    expect(check.tasks.map(statuses)).toEqual(real.tasks.map(statuses));
    expect(check.tasks.map(edits)).toEqual(real.tasks.map(edits));
    expect(check.recap).toEqual(real.recap);
    expect(real.recap[0]).toMatch(/ changed=[1-9]\d* .* failed=0 /);
    expect((await seed001()).recap[0]).toMatch(/ changed=0 +unreachable=0 +failed=0 /);

    expect(await tcpOpen(fw.address, 80)).toBe(true);
    expect(await tcpOpen(fw.address, 22)).toBe(true);
    expect(await tcpOpen(fw.address, 3000)).toBe(false);
    const from = (port: number) => ssh(outside, `python3 -c 'import socket; socket.create_connection(("${fw.address}", ${port}), timeout=3)'`);
    expect((await from(80)).code).toBe(0);
    expect((await from(22)).code).not.toBe(0);
  });

  test("a change that would refuse the controller's next SSH connection is refused and changes nothing", async () => {
    const s = await session(fw);
    const before = await ufwFiles(fw);
    const refused = await run(s, ufw({ rule: 'allow', from_ip: `${labState().bridgeAddress}/32`, to_port: '22', proto: 'tcp', comment: 'ssh from trusted', delete: true }));
    expect(refused.failed).toBe(true);
    expect(refused.msg).toMatch(/^refused: this would refuse new SSH connections from the controller \(.* → .*:22\): no ufw rule would allow them/);
    expect(await ufwFiles(fw)).toBe(before);
    // A stricter default is fine while the controller's allow rule comes first.
    expect((await run(s, ufw({ default: 'reject', direction: 'incoming' }))).changed).toBe(true);
    expect((await run(s, ufw({ default: 'deny', direction: 'incoming' }))).changed).toBe(true);
    expect(await ufwFiles(fw)).toBe(before);
    expect((await ssh(fw, 'true')).code).toBe(0);
  });
});

describe('parity with community.general.ufw', () => {
  const cases: ParityCase[] = [
    { name: 'ssh', params: { rule: 'allow', to_port: '22', proto: 'tcp' } },
    { name: 'enable', params: { state: 'enabled' } },
    { name: 'db from the lan with a comment', params: { rule: 'allow', from_ip: '10.0.0.5/8', to_port: '5432', proto: 'tcp', comment: 'db from lan' } },
    { name: 'deny 3000 on eth0', params: { rule: 'deny', direction: 'in', interface: 'eth0', to_port: '3000' } },
    { name: 'dns out', params: { rule: 'allow', direction: 'out', to_port: '53', proto: 'udp' } },
    { name: 'reject smtp', params: { rule: 'reject', to_port: '25' } },
    { name: 'limit 2222', params: { rule: 'limit', to_port: '2222', proto: 'tcp' } },
    { name: 'a port range', params: { rule: 'allow', to_port: '6000:6010', proto: 'udp' } },
    { name: 'https from a v6 network', params: { rule: 'allow', from_ip: '2001:db8::/32', to_port: '443', proto: 'tcp' } },
    { name: 'routed web', params: { rule: 'allow', route: true, interface_in: 'eth0', interface_out: 'eth1', to_ip: '10.1.0.0/16', to_port: '80', proto: 'tcp' } },
    { name: 'logged 8080', params: { rule: 'allow', log: true, to_port: '8080', proto: 'tcp' } },
    { name: 'deny incoming by default', params: { default: 'deny', direction: 'incoming' } },
    { name: 'reject routed by default', params: { default: 'reject', direction: 'routed' } },
    { name: 'logging medium', params: { logging: 'medium' } },
    { name: 'remove 9999', params: { rule: 'allow', to_port: '9999', proto: 'tcp', delete: true } },
  ];
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hw-ufw-parity-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test(`${cases.length} cases: same rule files and settings, same changed status on the first and second run`, async () => {
    const yml = await writeAnsibleCases(dir, 'community.general.ufw', cases);
    // A rule for the delete case to find, on both hosts.
    await Promise.all([ansibleHost, oursHost].map((h) => sshOk(h, 'ufw allow 9999/tcp >/dev/null')));
    const [ansible, ours] = await Promise.all([
      (async () => [await playCases({ ansible: yml }, ansibleHost, cases), await playCases({ ansible: yml }, ansibleHost, cases)])(),
      (async () => [await playCases({ hostwright: 'ufw' }, oursHost, cases), await playCases({ hostwright: 'ufw' }, oursHost, cases)])(),
    ]);
    // community.general.ufw judges a change by `ufw status verbose`, which shows routing as
    // "disabled" whatever DEFAULT_FORWARD_POLICY says while forwarding is off: it changes the policy
    // and reports ok. Hostwright reports the change it made.
    const routed = 'TASK [reject routed by default]';
    expect(ansible[0]).toContain(`${routed} ok`);
    expect(ours[0]).toEqual(ansible[0]!.map((t) => (t === `${routed} ok` ? `${routed} changed` : t)));
    expect(ours[1]).toEqual(ansible[1]);
    const files = await ufwFiles(oursHost);
    expect(files).toBe(await ufwFiles(ansibleHost));
    expect(files).toContain('DEFAULT_FORWARD_POLICY="REJECT"');
    expect(ansible[0]!.filter((t) => t.endsWith(' changed')).length).toBeGreaterThanOrEqual(12);
    expect(ours[1]!.every((t) => t.endsWith(' ok'))).toBe(true);
  });
});
