import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { labCgroupOf, systemdHierarchies } from '../../lab/systemd-cgroups.js';
import { expectedMarker, LAYER_SENTINELS, layerKey, layerPaths, layerProblem } from '../../lab/systemd-layer.js';
import { newMachineId, nspawnArgs, parseFailedUnits } from '../../lab/systemd.js';

describe('nspawnArgs', () => {
  const args = nspawnArgs({ name: 'lab04', netnsPath: '/run/hostwright-lab/lab/lab04/netns', root: '/r', containersDir: '/c' });

  it('has every flag LAB-NOTES found necessary', () => {
    for (const flag of [
      '--boot',
      '--register=no',
      '--keep-unit',
      '--link-journal=no',
      '--resolv-conf=off',
      '--timezone=off',
      '--console=pipe',
      '--capability=CAP_NET_ADMIN',
      '--system-call-filter=@keyring',
    ]) {
      expect(args).toContain(flag);
    }
  });

  it('joins the lab network namespace and binds container storage', () => {
    expect(args).toContain('--network-namespace-path=/run/hostwright-lab/lab/lab04/netns');
    expect(args).toContain('--bind=/c:/var/lib/containers');
  });

  it('ends with the root directory and the machine name', () => {
    expect(args[0]).toBe('systemd-nspawn');
    expect(args.slice(-4)).toEqual(['-D', '/r', '-M', 'lab04']);
  });
});

describe('systemdHierarchies', () => {
  it('finds the named v1 systemd hierarchy and cgroup2 on a hybrid machine', () => {
    const mounts = [
      'tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0',
      'cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0',
      'cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0',
      'cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0',
      'cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0',
    ].join('\n');
    expect(systemdHierarchies(mounts)).toEqual(['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified']);
  });

  it('finds cgroup2 alone on a unified machine', () => {
    expect(systemdHierarchies('cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid 0 0\nproc /proc proc rw 0 0')).toEqual(['/sys/fs/cgroup']);
  });
});

describe('labCgroupOf', () => {
  const procCgroup = (path: string) => `9:name=systemd:${path}\n4:memory:/process_api/x\n0::${path}\n`;

  it('names the host whose cgroup a process is in, however deep', () => {
    expect(labCgroupOf(procCgroup('/hostwright-lab/lab02/payload/system.slice/cron.service'))).toBe('lab02');
  });

  it('works with a nested parent such as one per lab instance', () => {
    expect(labCgroupOf(procCgroup('/hostwright-lab/ci/ci03/supervisor'), 'hostwright-lab/ci')).toBe('ci03');
  });

  it('says undefined for a process outside the lab (a reused PID)', () => {
    expect(labCgroupOf(procCgroup('/user.slice/session-1.scope'))).toBeUndefined();
    expect(labCgroupOf(procCgroup('/hostwright-labx/lab01'))).toBeUndefined();
  });
});

describe('parseFailedUnits', () => {
  it('takes the unit names from systemctl --failed --plain --no-legend', () => {
    const out = 'e2scrub_reap.service loaded failed failed Remove Stale Online ext4 Metadata\n' +
      '● systemd-remount-fs.service loaded failed failed Remount Root and Kernel File Systems\n';
    expect(parseFailedUnits(out)).toEqual(['e2scrub_reap.service', 'systemd-remount-fs.service']);
  });

  it('gives nothing for no output', () => {
    expect(parseFailedUnits('\n')).toEqual([]);
  });
});

describe('newMachineId', () => {
  it('is 32 lowercase hex digits and differs each time', () => {
    const a = newMachineId();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(newMachineId()).not.toBe(a);
  });
});

describe('layerProblem', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  function fixture(): { base: string; root: string; marker: string } {
    dir = mkdtempSync(join(tmpdir(), 'hw-layer-'));
    const base = join(dir, 'base');
    mkdirSync(join(base, 'var/lib/dpkg'), { recursive: true });
    writeFileSync(join(base, 'var/lib/dpkg/status'), 'Package: bash\n');
    const { root, marker } = layerPaths(base);
    return { base, root, marker };
  }

  function complete(base: string, root: string, marker: string): void {
    for (const f of LAYER_SENTINELS) {
      mkdirSync(join(root, f, '..'), { recursive: true });
      writeFileSync(join(root, f), '');
    }
    writeFileSync(marker, expectedMarker(base));
  }

  it('puts the layer beside the base, one directory per key', () => {
    const { root } = fixture();
    expect(root).toMatch(new RegExp(`^${dir!}/systemd-layer/[0-9a-f]{16}/root$`));
  });

  it('says not built, then unfinished when files exist without a marker', () => {
    const { base, root } = fixture();
    expect(layerProblem(base)).toBe('not built yet');
    mkdirSync(root, { recursive: true });
    expect(layerProblem(base)).toBe('an unfinished build (no completion marker)');
  });

  it('accepts a complete layer whose marker matches', () => {
    const { base, root, marker } = fixture();
    complete(base, root, marker);
    expect(layerProblem(base)).toBeUndefined();
  });

  it('wants a new layer when the base packages change', () => {
    const { base, root, marker } = fixture();
    complete(base, root, marker);
    writeFileSync(join(base, 'var/lib/dpkg/status'), 'Package: bash\nPackage: python3\n');
    expect(layerPaths(base).root).not.toBe(root);
    expect(layerProblem(base)).toBe('not built yet');
  });

  it('calls a layer whose marker was overwritten unusable', () => {
    const { base, root, marker } = fixture();
    complete(base, root, marker);
    writeFileSync(marker, 'something else');
    expect(layerProblem(base)).toBe('a marker that does not match (overwritten?)');
  });

  it('calls a layer with a missing file broken, naming the file', () => {
    const { base, root, marker } = fixture();
    complete(base, root, marker);
    rmSync(join(root, 'usr/lib/systemd/systemd'));
    expect(layerProblem(base)).toBe('broken (missing usr/lib/systemd/systemd)');
  });

  it('wants a new layer over a rebuilt base, even one with the same packages', () => {
    const { base, root, marker } = fixture();
    complete(base, root, marker);
    // What a base rebuild does: a new directory swapped in for the old one.
    renameSync(base, `${base}.old`);
    mkdirSync(join(base, 'var/lib/dpkg'), { recursive: true });
    writeFileSync(join(base, 'var/lib/dpkg/status'), 'Package: bash\n');
    expect(layerPaths(base).root).not.toBe(root);
    expect(layerProblem(base)).toBe('not built yet');
  });

  it('keys on recipe, base packages and base directory', () => {
    expect(layerKey('r', 'Package: bash\n', 'd')).not.toBe(layerKey('r', 'Package: bash\nPackage: python3\n', 'd'));
    expect(layerKey('r', 's', 'd')).not.toBe(layerKey('r2', 's', 'd'));
    expect(layerKey('r', 's', 'd')).not.toBe(layerKey('r', 's', 'd2'));
    expect(layerKey('r', 's', 'd')).toBe(layerKey('r', 's', 'd'));
  });
});
