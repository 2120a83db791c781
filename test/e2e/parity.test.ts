/**
 * Hostwright against ansible-playbook on the same work: parity.yml and parity.ts are one playbook
 * written twice (every module: command with creates, shell, file directory/link/touch, copy,
 * template, lineinfile, blockinfile, stat + register + when, service, a handler).
 *
 * Fairness: each tool starts from hosts the lab has just reset (fresh filesystems from the same
 * base), Ansible on the first half of the hosts and Hostwright on the second half; host names are
 * mapped before comparing. Both run as a user would run them, as subprocesses with plain output.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { labHosts, labState, resetHost, ssh, sshOk } from '../lab/testing.js';
import type { LabHost } from '../lab/state.js';
import { ansibleArgv, hostwrightArgv, parseRun, renameHosts, runTool, type AnsibleArgs, type ParsedRun, type ToolRun } from './playbooks/parity/output.js';

function ansible(playbook: string, a: AnsibleArgs): Promise<ToolRun> {
  return runTool(ansibleArgv(playbook, a));
}

function hostwright(playbook: string, a: AnsibleArgs): Promise<ToolRun> {
  return runTool(hostwrightArgv(playbook, a));
}

/** The run's output parsed, after checking it exited as expected (stderr in the message if not). */
function parsed(run: ToolRun, code = 0): ParsedRun {
  expect(run.code, `exit ${run.code}\n${run.stdout}\n${run.stderr}`).toBe(code);
  return parseRun(run.stdout);
}

function hosts(n: number): LabHost[] {
  const all = labHosts('plain');
  expect(all.length, 'the e2e lab has too few plain hosts for this file').toBeGreaterThanOrEqual(n);
  return all.slice(0, n);
}

async function resetAll(list: readonly LabHost[]): Promise<void> {
  for (const h of list) await resetHost(h.name);
}

/** Per task: its banner and status lines (sorted), with host names mapped and check mode's "(would run)" note dropped. */
function statusView(run: ParsedRun, names: ReadonlyMap<string, string> = new Map()): { banner: string; statuses: string[] }[] {
  return run.tasks.map((t) => ({
    banner: t.banner,
    statuses: t.statuses.map((s) => renameHosts(s, names).replace(/ \(would run\)$/, '')).sort(),
  }));
}

describe('parity with ansible-playbook', () => {
  let ansibleHosts: LabHost[];
  let hwHosts: LabHost[];
  let toAnsibleNames: Map<string, string>;

  beforeAll(async () => {
    const [a1, a2, h1, h2] = hosts(4);
    ansibleHosts = [a1!, a2!];
    hwHosts = [h1!, h2!];
    toAnsibleNames = new Map(hwHosts.map((h, i) => [h.name, ansibleHosts[i]!.name]));
  });

  test('on fresh hosts, the first and the second run print the same tasks, statuses and PLAY RECAP as Ansible', async () => {
    const inventory = labState().inventoryFile;
    await resetAll([...ansibleHosts, ...hwHosts]);
    const limitA = ansibleHosts.map((h) => h.name).join(',');
    const limitH = hwHosts.map((h) => h.name).join(',');

    const ansibleFirst = parsed(await ansible('parity.yml', { inventory, limit: limitA }));
    const hwFirst = parsed(await hostwright('parity.ts', { inventory, limit: limitH }));

    // The recap, line for line (host names mapped; both tools sort hosts and pad the same way).
    expect(hwFirst.recap.map((l) => renameHosts(l, toAnsibleNames))).toEqual(ansibleFirst.recap);
    // Something changed, and the handler ran.
    for (const line of ansibleFirst.recap) expect(line).toMatch(/changed=[1-9]/);
    expect(hwFirst.tasks.map((t) => t.banner)).toContain('RUNNING HANDLER [restart cron]');
    // Task for task, the same banners and the same statuses.
    expect(statusView(hwFirst, toAnsibleNames)).toEqual(statusView(ansibleFirst));

    // Second run: nothing to do for either tool, and still the same recap.
    const ansibleSecond = parsed(await ansible('parity.yml', { inventory, limit: limitA }));
    const hwSecond = parsed(await hostwright('parity.ts', { inventory, limit: limitH }));
    for (const line of [...ansibleSecond.recap, ...hwSecond.recap]) expect(line).toMatch(/ changed=0 /);
    expect(hwSecond.recap.map((l) => renameHosts(l, toAnsibleNames))).toEqual(ansibleSecond.recap);
    expect(statusView(hwSecond, toAnsibleNames)).toEqual(statusView(ansibleSecond));

    // Both tools left the same files behind.
    const probe = 'cat /etc/parity.conf /etc/motd /etc/default/cron /etc/bash.bashrc; stat -c "%n %F %a %U" /srv/parity /srv/parity/*; readlink /srv/parity/parity.conf';
    for (const [i, h] of hwHosts.entries()) {
      const a = ansibleHosts[i]!;
      const mine = (await sshOk(h, probe)).replaceAll(h.name, a.name);
      expect(mine).toEqual(await sshOk(a, probe));
    }
  });

  test('--check --diff on a fresh host predicts the real run: same tasks changed, same diffs, nothing applied', async () => {
    const inventory = labState().inventoryFile;
    const [host] = hwHosts;
    await resetHost(host!.name);
    const motdBefore = await sshOk(host!, 'cat /etc/motd');

    const check = parsed(await hostwright('parity.ts', { inventory, limit: host!.name, check: true, diff: true }));
    // Check mode touched nothing.
    expect((await ssh(host!, 'test -e /srv/parity || test -e /etc/parity.conf')).code).toBe(1);
    expect(await sshOk(host!, 'cat /etc/motd')).toBe(motdBefore);

    const real = parsed(await hostwright('parity.ts', { inventory, limit: host!.name, diff: true }));
    // "(would run)" marks what check mode could not run (a shell, a restart); the status is the same.
    expect(statusView(check)).toEqual(statusView(real));
    // And the same diffs, byte for byte.
    expect(check.tasks.map((t) => t.body)).toEqual(real.tasks.map((t) => t.body));
    expect(check.recap).toEqual(real.recap);
    // The prediction is not empty: content diffs were shown for the files the run wrote.
    const diffed = check.tasks.filter((t) => t.body.some((l) => l.startsWith('+++ after')));
    expect(diffed.map((t) => t.banner)).toEqual(
      expect.arrayContaining(['TASK [app config]', 'TASK [motd]', 'TASK [cron log level]', 'TASK [shell aliases]', 'TASK [app directory]']),
    );
    // And a second run afterwards has nothing left to do.
    const again = parsed(await hostwright('parity.ts', { inventory, limit: host!.name }));
    expect(again.recap.join('\n')).toMatch(/ changed=0 /);
  });

  test('a command failing on one of three hosts: that host failed, the others finish, exit 2, as Ansible', async () => {
    const inventory = labState().inventoryFile;
    const three = hosts(3);
    const limit = three.map((h) => h.name).join(',');
    const failing = three[1]!.name;
    const a = { inventory, limit, extraVars: [`fail_host=${failing}`] };

    const ansibleRun = parsed(await ansible('parity-errors.yml', a), 2);
    const hwRun = parsed(await hostwright('parity-errors.ts', a), 2);

    expect(hwRun.recap).toEqual(ansibleRun.recap);
    const line = (run: ParsedRun, host: string) => run.recap.find((l) => l.startsWith(`${host} `)) ?? '';
    expect(line(hwRun, failing)).toMatch(/ failed=1 /);
    for (const h of three.filter((x) => x.name !== failing)) expect(line(hwRun, h.name)).toMatch(/ok=3 .* failed=0 /);
    // The failed host is dropped from the later task; the others run it.
    const after = hwRun.tasks.find((t) => t.banner === 'TASK [after the probe]');
    expect(after?.statuses).toEqual(three.filter((x) => x.name !== failing).map((h) => `changed: [${h.name}]`));
  });

  test('an unreachable host: exit 4, the reachable host finishes, as Ansible', async () => {
    const state = labState();
    const [host] = hosts(1);
    // An address of the lab's own private network that no host has: nothing answers there.
    const ghostAddress = state.subnet.replace(/\.0\/24$/, '.250');
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hw-parity-'));
    const inventory = path.join(dir, 'inventory.ini');
    await fs.writeFile(
      inventory,
      [
        '[targets]',
        `${host!.name} ansible_host=${host!.address}`,
        `ghost ansible_host=${ghostAddress}`,
        '[targets:vars]',
        'ansible_user=root',
        `ansible_ssh_private_key_file=${state.keyFile}`,
        'ansible_python_interpreter=/usr/bin/python3',
        `ansible_ssh_common_args='-o UserKnownHostsFile=${state.knownHostsFile} -o StrictHostKeyChecking=yes'`,
        'ansible_ssh_timeout=3',
        '',
      ].join('\n'),
    );
    try {
      const a = { inventory, extraVars: ['fail_host=nobody'] };
      const ansibleRun = parsed(await ansible('parity-errors.yml', a), 4);
      const hwRun = parsed(await hostwright('parity-errors.ts', a), 4);
      expect(hwRun.recap).toEqual(ansibleRun.recap);
      expect(hwRun.recap.find((l) => l.startsWith('ghost '))).toMatch(/ unreachable=1 /);
      expect(hwRun.recap.find((l) => l.startsWith(`${host!.name} `))).toMatch(/ok=3 .* unreachable=0 +failed=0 /);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
