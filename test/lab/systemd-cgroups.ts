/**
 * The cgroups a systemd host lives in. With `--keep-unit`, systemd-nspawn nests the container's
 * cgroups under the cgroup it was started in, so each host's launcher first moves itself into its
 * own `/<parent>/<name>` in the v1 `name=systemd` hierarchy and in cgroup2; from the root cgroup two
 * hosts would collide (LAB-NOTES). The same directories are how `down` finds every process of a host
 * and what it removes afterwards.
 */
import { readFileSync, readdirSync, rmdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LabError, sleep } from './exec.js';

/** The cgroup directory, under each hierarchy's root, that holds one sub-cgroup per systemd host. */
export const CGROUP_PARENT = 'hostwright-lab';

/**
 * Mount points of the hierarchies nspawn and the container's systemd use: the v1 named `systemd`
 * hierarchy (hybrid machines like CI's) and cgroup2. Other v1 controllers are left alone.
 */
export function systemdHierarchies(mounts: string): string[] {
  const found: string[] = [];
  for (const line of mounts.split('\n')) {
    const [, mountPoint, type, options] = line.split(' ');
    if (mountPoint === undefined || options === undefined) continue;
    const named = type === 'cgroup' && options.split(',').includes('name=systemd');
    if (named || type === 'cgroup2') found.push(mountPoint.replace(/\\040/g, ' '));
  }
  return found;
}

export function hierarchies(): string[] {
  return systemdHierarchies(readFileSync('/proc/self/mounts', 'utf8'));
}

export function hostCgroups(name: string, parent = CGROUP_PARENT): string[] {
  return hierarchies().map((h) => join(h, parent, name));
}

export async function createHostCgroups(name: string, parent = CGROUP_PARENT): Promise<string[]> {
  const dirs = hostCgroups(name, parent);
  if (dirs.length === 0) throw new LabError('no name=systemd or cgroup2 hierarchy is mounted; systemd hosts need one');
  for (const dir of dirs) await mkdir(dir, { recursive: true });
  return dirs;
}

/** Every cgroup directory under `dir` (itself included), deepest first: the order rmdir needs. */
function subtreeDeepestFirst(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
  return [...entries.flatMap((e) => subtreeDeepestFirst(join(dir, e))), dir];
}

/** PIDs of every process in `dir`'s subtree. */
export function cgroupPids(dir: string): number[] {
  const pids: number[] = [];
  for (const d of subtreeDeepestFirst(dir)) {
    try {
      for (const line of readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n')) {
        if (line.trim() !== '') pids.push(Number(line));
      }
    } catch {
      // removed while we looked: nothing in it any more
    }
  }
  return pids;
}

/**
 * SIGKILLs what is left in a host's cgroups (they are the lab's own: created for this host, so
 * membership is a record, not a guess by name), waits for them to go, and removes the directories.
 */
export async function removeHostCgroups(dirs: readonly string[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = dirs.flatMap((d) => cgroupPids(d));
    if (pids.length === 0) break;
    if (Date.now() > deadline) throw new LabError(`processes ${pids.join(' ')} in ${dirs.join(', ')} survive SIGKILL`);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await sleep(50);
  }
  for (const dir of dirs) {
    for (const d of subtreeDeepestFirst(dir)) {
      // A cgroup can stay busy for a moment after its last process is reaped.
      for (let tries = 0; ; tries++) {
        try {
          rmdirSync(d);
          break;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') break;
          if (code !== 'EBUSY' || Date.now() > deadline) throw e;
          await sleep(20 + tries * 10);
        }
      }
    }
  }
}

/** The host names that still have cgroups under `parent` (a crashed run's debris, or hosts that are up). */
export function hostsWithCgroups(parent = CGROUP_PARENT): string[] {
  const names = new Set<string>();
  for (const h of hierarchies()) {
    try {
      for (const e of readdirSync(join(h, parent), { withFileTypes: true })) if (e.isDirectory()) names.add(e.name);
    } catch {
      // no parent in this hierarchy
    }
  }
  return [...names].sort();
}

/** Removes `/<parent>` (each of its levels, deepest first) once no host is left under it. */
export function removeEmptyParent(parent = CGROUP_PARENT): void {
  const levels = parent.split('/').filter(Boolean).map((_, i, all) => all.slice(0, i + 1).join('/')).reverse();
  for (const h of hierarchies()) {
    for (const level of levels) {
      const dir = join(h, level);
      try {
        if (readdirSync(dir, { withFileTypes: true }).some((e) => e.isDirectory())) break;
        rmdirSync(dir);
      } catch {
        break; // absent, or busy
      }
    }
  }
}

/** The host cgroup (`/<parent>/<name>`) a process belongs to, from /proc/PID/cgroup; undefined if none. */
export function labCgroupOf(procCgroup: string, parent = CGROUP_PARENT): string | undefined {
  for (const line of procCgroup.split('\n')) {
    const path = line.split(':').slice(2).join(':');
    const m = path.match(new RegExp(`^/${parent.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/([^/]+)`));
    if (m) return m[1];
  }
  return undefined;
}
