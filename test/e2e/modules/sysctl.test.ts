/**
 * sysctl end to end, compared with ansible.posix.sysctl run by ansible-playbook on the same host:
 * registered results, the sysctl file and the running values after every step. Only keys the
 * host's own namespaces hold (net.*, and kernel.shmmni of the IPC namespace on a plain host):
 * anything else would change the machine all lab hosts share (LAB-NOTES). On a systemd (nspawn)
 * host /proc/sys is read-only but for net.*, so setting kernel.shmmni there fails in both tools.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { shell, sysctl } from '../../../modules/index.js';
import type { SysctlParams } from '../../../modules/sysctl.js';
import type { TaskResult } from '../../../runner/module.types.js';
import type { LabHost } from '../../lab/state.js';
import { labHosts, sshOk } from '../../lab/testing.js';
import { converge, session } from './harness.js';
import { ansibleResults, ourResults, pick, type ParityCase } from './play-parity.js';

const FILE = '/etc/sysctl.d/60-hw-e2e.conf';
const sc = (name: string, args: SysctlParams, ignore = false): ParityCase => ({ name, ansible: { module: 'ansible.posix.sysctl', args: { ...args } }, ours: sysctl(args), ignore_errors: ignore });
const sh = (name: string, cmd: string): ParityCase => ({ name, ansible: { module: 'shell', args: { cmd } }, ours: shell({ cmd }) });
const LOOK = `cat ${FILE}; sysctl -n net.ipv4.tcp_fin_timeout net.core.somaxconn net.ipv4.ip_forward`;
/** The values the lab's hosts start with, and no test file. */
const RESET = `rm -f ${FILE}; sysctl -qw net.ipv4.tcp_fin_timeout=60 net.core.somaxconn=4096 net.ipv4.ip_forward=0`;

function compare(cases: ParityCase[], theirs: TaskResult[], ours: TaskResult[]): void {
  cases.forEach((c, i) => {
    // A failure's msg is sysctl's message in both, worded around it differently.
    const keys = c.ansible.module === 'shell' ? ['stdout'] : theirs[i]?.failed ? ['failed'] : ['failed', 'changed'];
    expect(pick(ours[i], keys), c.name).toEqual(pick(theirs[i], keys));
  });
}

let plain: LabHost;
let systemd: LabHost;
beforeAll(() => {
  plain = labHosts('plain')[0]!;
  systemd = labHosts('systemd')[0]!;
});
afterAll(async () => {
  await Promise.all([plain, systemd].map((h) => sshOk(h, RESET)));
});

describe('sysctl compared with ansible.posix.sysctl', () => {
  const cases: ParityCase[] = [
    sh('reset', RESET),
    sc('a key in a new file, reloaded', { name: 'net.ipv4.tcp_fin_timeout', value: 45, sysctl_file: FILE }),
    sc('the same again', { name: 'net.ipv4.tcp_fin_timeout', value: '45', sysctl_file: FILE }),
    sh('the kernel runs another value', 'sysctl -qw net.ipv4.tcp_fin_timeout=50'),
    sc('file right, running value not: reloaded', { name: 'net.ipv4.tcp_fin_timeout', value: 45, sysctl_file: FILE }),
    sc('set with sysctl -w, no reload', { name: 'net.core.somaxconn', value: '1024', sysctl_file: FILE, sysctl_set: true, reload: false }),
    sc('yes is 1', { name: 'net.ipv4.ip_forward', value: 'yes', sysctl_file: FILE }),
    sh('look', LOOK),
    sc('absent', { name: 'net.core.somaxconn', state: 'absent', sysctl_file: FILE }),
    sc('absent again', { name: 'net.core.somaxconn', state: 'absent', sysctl_file: FILE }),
    sc('an unknown key, ignoreerrors', { name: 'net.ipv4.no_such_key', value: 1, sysctl_file: FILE, ignoreerrors: true }),
    sc('an unknown key: the reload fails', { name: 'net.ipv4.no_such_key2', value: 1, sysctl_file: FILE }, true),
    sc('a value the kernel refuses', { name: 'net.ipv4.tcp_fin_timeout', value: 'abc', sysctl_file: `${FILE}.x`, sysctl_set: true, reload: false }, true),
    sc('an IPC namespace key', { name: 'kernel.shmmni', value: 4000, sysctl_file: `${FILE}.x`, sysctl_set: true, reload: false }, true),
    sh('look', `${LOOK}; sysctl -n kernel.shmmni; cat ${FILE}.x; rm -f ${FILE}.x`),
  ];
  const steps = cases.filter((c) => c.ansible.module !== 'shell').length;

  test(`plain host: ${steps} steps, results, the file and the running values after each`, async () => {
    const theirs = await ansibleResults(plain.name, cases);
    const ours = await ourResults(plain.name, cases);
    // A failed step: Ansible's fail_json says changed false; Hostwright keeps the plan's (the file was written).
    const changed = (rs: TaskResult[]) => rs.map((r, i) => `${cases[i]!.name}: ${r.failed ? 'failed' : r.changed}`);
    expect(changed(ours)).toEqual(changed(theirs));
    expect(ours[7]!.stdout).toBe('net.ipv4.tcp_fin_timeout=45\nnet.core.somaxconn=1024\nnet.ipv4.ip_forward=1\n45\n1024\n1');
    expect(ours[11]).toMatchObject({ failed: true });
    expect(ours[11]!.msg).toContain('cannot stat /proc/sys/net/ipv4/no_such_key2');
    expect(ours[13]).toMatchObject({ failed: false, changed: true });
    compare(cases, theirs, ours);
  });

  test('systemd host (nspawn: only net.* writable): a net key reloaded and set, an IPC key refused', async () => {
    const some = [cases[0]!, cases[1]!, cases[5]!, cases[13]!, cases[14]!];
    const theirs = await ansibleResults(systemd.name, some);
    const ours = await ourResults(systemd.name, some);
    expect(ours[3]).toMatchObject({ failed: true });
    expect(ours[3]!.msg).toContain('permission denied on key "kernel.shmmni"');
    compare(some, theirs, ours);
  });

  test('the module contract, and check mode carrying a running value to a later task', async () => {
    await sshOk(plain, RESET);
    const s = await session(plain);
    const r = await converge(s, sysctl({ name: 'net.core.somaxconn', value: 2048, sysctl_file: FILE }));
    expect(r.first.plan?.diffs?.[0]).toMatchObject({ before: '', after: 'net.core.somaxconn=2048\n' });
    expect(await sshOk(plain, 'sysctl -n net.core.somaxconn')).toBe('2048\n');
    await sshOk(plain, RESET);
    const predicted = await ourResults(plain.name, [
      sc('set it', { name: 'net.core.somaxconn', value: 2048, sysctl_file: FILE, sysctl_set: true }),
      sc('again', { name: 'net.core.somaxconn', value: 2048, sysctl_file: FILE, sysctl_set: true }),
    ], true);
    expect(predicted.map((x) => x.changed)).toEqual([true, false]);
    expect(await sshOk(plain, `sysctl -n net.core.somaxconn; test -e ${FILE} || echo none`)).toBe('4096\nnone\n');
  });
});
