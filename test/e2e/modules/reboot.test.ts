/**
 * reboot end to end. The lab's systemd host really reboots: `shutdown -r 0` makes its systemd go
 * down and systemd-nspawn exit; nothing in the lab restarts a host on its own, so the test powers
 * it on again once it is down (bootLabHostAgain: same filesystem, a new boot id), as a machine's
 * firmware would. Meanwhile the task reconnects with the host's inventory settings until the boot
 * id changed and test_command passes; the next task runs on the new connection. Compared with
 * ansible.builtin.reboot under ansible-playbook on the same host, and on a plain host (no init that
 * could reboot) for the failures: no shutdown, a boot id that never changes (timeout), a boot time
 * command that fails. Check mode on the systemd host: would reboot, nothing happens.
 */
import { describe, expect, test } from 'vitest';
import { reboot, shell } from '../../../modules/index.js';
import type { RebootParams } from '../../../modules/reboot.js';
import type { TaskResult } from '../../../runner/module.types.js';
import { bootLabHostAgain } from '../../lab/lab.js';
import { labHosts, labState, sshOk } from '../../lab/testing.js';
import { ansibleResults, ourResults, pick, type ParityCase } from './play-parity.js';

const rb = (name: string, args: RebootParams, ignore = false): ParityCase => ({ name, ansible: { module: 'reboot', args: { ...args } }, ours: reboot(args), ignore_errors: ignore });
const BOOT = 'cat /proc/sys/kernel/random/boot_id';
const after: ParityCase = { name: 'after the reboot', ansible: { module: 'shell', args: { cmd: BOOT } }, ours: shell({ cmd: BOOT }) };

/** Runs `play` while powering the host on again once its reboot has taken it down. */
async function whileRebooting(host: string, play: () => Promise<TaskResult[]>): Promise<TaskResult[]> {
  const [results] = await Promise.all([play(), bootLabHostAgain(labState().instance, host, 120_000)]);
  return results;
}

describe('reboot compared with ansible.builtin.reboot', () => {
  test('a systemd host reboots, the task waits for the new boot and test_command, the next task runs on the new connection', async () => {
    const host = labHosts('systemd')[0]!.name;
    const [h] = labHosts('systemd');
    const before = (await sshOk(h!, BOOT)).trim();
    // Check mode: would reboot, and nothing happens.
    const check = [rb('check', {})];
    const [theirCheck, ourCheck] = [await ansibleResults(host, check, true), await ourResults(host, check, true)];
    expect(ourCheck[0]!.changed).toBe(theirCheck[0]!.changed);
    expect(ourCheck[0]).toMatchObject({ changed: true, would_run: true });
    expect((await sshOk(h!, BOOT)).trim()).toBe(before);
    const cases = [rb('reboot', { reboot_timeout: 120, connect_timeout: 5, post_reboot_delay: 1, test_command: 'systemctl is-system-running' }), after];
    const ours = await whileRebooting(host, () => ourResults(host, cases));
    expect(ours[0]).toMatchObject({ failed: false, changed: true, rebooted: true });
    expect(ours[0]!.elapsed).toBeGreaterThanOrEqual(1);
    // The task after it ran on the rebooted host.
    const booted = ours[1]!.stdout!;
    expect(booted).toMatch(/^[0-9a-f-]{36}$/);
    expect(booted).not.toBe(before);
    expect((await sshOk(h!, BOOT)).trim()).toBe(booted);

    const theirs = await whileRebooting(host, () => ansibleResults(host, cases));
    expect(pick(ours[0], ['failed', 'changed', 'rebooted'])).toEqual(pick(theirs[0], ['failed', 'changed', 'rebooted']));
    expect(typeof theirs[0]!.elapsed).toBe('number');
    expect(theirs[1]!.stdout).not.toBe(booted);
  });

  test('on a plain host: no shutdown, a boot id that never changes, a failing boot time command', async () => {
    const host = labHosts('plain')[0]!.name;
    const cases = [
      rb('no shutdown on the host', {}, true),
      // /bin/true "reboots" and the boot id stays: a timeout after reboot_timeout.
      rb('nothing reboots', { reboot_command: 'true', reboot_timeout: 3 }, true),
      rb('boot time command fails', { boot_time_command: 'cat /nonexistent' }, true),
    ];
    const [theirs, ours] = [await ansibleResults(host, cases), await ourResults(host, cases)];
    cases.forEach((c, i) => expect(pick(ours[i], ['failed', 'rebooted']), c.name).toEqual(pick(theirs[i], ['failed', 'rebooted'])));
    expect(ours[0]!.msg).toBe(theirs[0]!.msg);
    expect(ours[1]).toMatchObject({ failed: true, rebooted: true, msg: 'Timed out waiting for last boot time check (timeout=3)' });
    expect(ours[1]!.msg).toBe(theirs[1]!.msg);
    // Ansible's raw ssh command gets the error on its stdout (a tty) and ssh's own notice on stderr.
    expect(ours[2]!.msg).toBe('reboot: failed to get host boot time info, rc: 1, stdout: , stderr: cat: /nonexistent: No such file or directory');
    expect(theirs[2]!.msg).toMatch(/^reboot: failed to get host boot time info, rc: 1, stdout: cat: \/nonexistent: No such file or directory/);
  });
});
