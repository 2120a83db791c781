/**
 * mount end to end on a lab host, against ansible.posix.mount on the same host. What a plain lab
 * host can mount (its own mount namespace, root): tmpfs and bind mounts, mounted, remounted with
 * new options, unmounted; loop devices cannot (no /dev/loop*: `mount -o loop` is refused), so no
 * block-device filesystem is exercised. Each tool gets its own directories and its own fstab
 * (`fstab:`, passed to mount as -T); one test uses /etc/fstab itself and restores it. Compared: a
 * check run and two real runs of 12 tasks (changed, failed, msg, the registered keys), the fstab
 * left and what is mounted.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mount, type MountParams } from '../../../modules/index.js';
import type { TaskResult } from '../../../runner/module.types.js';
import type { LabHost } from '../../lab/state.js';
import { labHosts, ssh, sshOk } from '../../lab/testing.js';
import { converge, remote, run, session, type HostSession } from './harness.js';
import { ansibleResults, ourResults, pick, type ParityCase } from './play-parity.js';

let host: LabHost;
let s: HostSession;
const H = '/tmp/hw-mount';

beforeAll(async () => {
  host = labHosts('plain')[0]!;
  await sshOk(host, `cp /etc/fstab /tmp/hw-mount-fstab.orig; rm -rf ${H}; mkdir -p ${H}`);
  s = await session(host);
});
afterAll(async () => {
  await ssh(host, `findmnt -rn -o TARGET | grep '^${H}/' | sort -r | xargs -r -n1 umount; cp /tmp/hw-mount-fstab.orig /etc/fstab; rm -rf ${H} /tmp/hw-mount-fstab.orig`);
});

function cases(tool: string): ParityCase[] {
  const d = `${H}/${tool}`;
  const f = `${d}/fstab`;
  const c = (name: string, args: MountParams, ignore = false): ParityCase => ({ name, ansible: { module: 'ansible.posix.mount', args: { ...args } }, ours: mount(args), ignore_errors: ignore });
  return [
    c('tmpfs mounted', { path: `${d}/a`, src: 'tmpfs', fstype: 'tmpfs', opts: 'size=1m', state: 'mounted', fstab: f }),
    c('same again', { path: `${d}/a`, src: 'tmpfs', fstype: 'tmpfs', opts: 'size=1m', state: 'mounted', fstab: f }),
    c('new options remount', { path: `${d}/a`, src: 'tmpfs', fstype: 'tmpfs', opts: 'size=2m,mode=0750', state: 'mounted', fstab: f }),
    c('present only', { path: `${d}/b`, src: 'tmpfs', fstype: 'tmpfs', state: 'present', fstab: f, boot: false, dump: '1', passno: '2' }),
    c('bind mounted', { path: `${d}/bind`, src: `${d}/a`, fstype: 'none', opts: 'bind', state: 'mounted', fstab: f }),
    c('unmounted', { path: `${d}/bind`, state: 'unmounted', fstab: f }),
    c('unmounted again', { path: `${d}/bind`, state: 'unmounted', fstab: f }),
    c('remounted', { path: `${d}/a`, state: 'remounted', fstab: f }),
    c('absent_from_fstab', { path: `${d}/b`, state: 'absent_from_fstab', fstab: f }),
    c('ephemeral', { path: `${d}/eph`, src: 'tmpfs', fstype: 'tmpfs', opts: 'size=1m', state: 'ephemeral', fstab: f }),
    c('mount fails, fstab restored', { path: `${d}/bad`, src: 'tmpfs', fstype: 'nosuchfs', state: 'mounted', fstab: f }, true),
    c('absent', { path: `${d}/bind`, state: 'absent', fstab: f }),
  ];
}

const KEYS = ['changed', 'failed', 'name', 'src', 'fstype', 'opts', 'dump', 'passno', 'fstab', 'boot', 'backup_file'];
const shown = (r: TaskResult | undefined, tool: string) => {
  // A failed mount: Ansible registers only its message; Hostwright the task's keys too (and the
  // runner's wording around mount(8)'s message), so a failure compares by `failed` alone.
  if (r?.failed) return { failed: true };
  const o = pick(r, KEYS);
  for (const [k, v] of Object.entries(o)) if (typeof v === 'string') o[k] = v.replaceAll(`${H}/${tool}`, 'DIR');
  return o;
};

describe('mount compared with ansible.posix.mount', () => {
  test('12 tasks run twice, then in check mode (and the first on a fresh host): results, fstab left, mounts', async () => {
    await sshOk(host, `mkdir -p ${H}/ansible ${H}/ours`);
    // Check mode from a fresh state: only the first task compares, since Hostwright's check mode
    // sees what the earlier tasks would have done (Ansible's plans each task on the unchanged host).
    const fresh = [await ansibleResults(host.name, cases('ansible').slice(0, 1), true), await ourResults(host.name, cases('ours').slice(0, 1), true)];
    expect(shown(fresh[1]![0], 'ours')).toEqual(shown(fresh[0]![0], 'ansible'));
    expect(fresh[1]![0]).toMatchObject({ changed: true });
    let last: TaskResult[] = [];
    for (const round of [1, 2]) {
      const theirs = await ansibleResults(host.name, cases('ansible'));
      const ours = (last = await ourResults(host.name, cases('ours')));
      expect(theirs[0]?.failed ?? false).toBe(false);
      if (round === 1) expect(theirs[0]?.changed).toBe(true);
      cases('ours').forEach((c, i) => expect(shown(ours[i], 'ours'), `${c.name} (run ${round})`).toEqual(shown(theirs[i], 'ansible')));
      expect(ours[10]?.msg).toMatch(/unknown filesystem type 'nosuchfs'/);
    }
    // Converged, in check mode: each task predicts what the second run did (a mount that failed
    // is predicted as a change: check mode cannot know mount(8) will refuse the type). Ansible's
    // check mode plans each task on the unchanged host, so its chain is not compared.
    const check = await ourResults(host.name, cases('ours'), true);
    cases('ours').forEach((c, i) => expect(check[i]?.changed, `${c.name} (check)`).toBe(i === 10 ? true : last[i]?.changed));
    const state = async (tool: string) =>
      (await remote(s, `cat ${H}/${tool}/fstab; findmnt -rn -o TARGET,FSTYPE,OPTIONS | grep ' ${H}/${tool}/\\| ' | grep '${H}/${tool}/' | sort; ls ${H}/${tool}`)).replaceAll(`${H}/${tool}`, 'DIR');
    const ours = await state('ours');
    expect(ours).toContain('DIR/a tmpfs rw,relatime,size=2048k\n');
    expect(ours).not.toContain('nosuchfs');
    expect(ours).toBe(await state('ansible'));
  });
});

describe('mount', () => {
  test('the contract on /etc/fstab: check predicts, the run mounts, the next run changes nothing; a bad call fails at load', async () => {
    const path = `${H}/etc`;
    const c = await converge(s, mount({ path, src: 'tmpfs', fstype: 'tmpfs', opts: 'size=1m', state: 'mounted' }));
    expect(c.first.plan?.diffs?.[0]?.after).toContain(`tmpfs ${path} tmpfs size=1m 0 0\n`);
    expect(await remote(s, `findmnt -rn -o FSTYPE ${path}; grep -c ' ${path} ' /etc/fstab`)).toBe('tmpfs\n1');
    const gone = await run(s, mount({ path, state: 'absent' }));
    expect(gone.changed).toBe(true);
    expect(await remote(s, `findmnt ${path} || echo unmounted; grep -c ' ${path} ' /etc/fstab || true; ls -d ${path} 2>&1 || true`)).toMatch(/^unmounted\n0\nls: cannot access/);
    expect(mount({ path: 'rel', state: 'absent' }).issues.map((i) => i.field)).toEqual(['path']);
    expect(mount({ path: '/x', state: 'mounted', src: 'tmpfs' }).issues).toEqual([{ field: 'fstype', message: 'state is mounted but all of the following are missing: fstype' }]);
  });
});
