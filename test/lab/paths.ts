/**
 * Where the lab keeps things on the machine, and the names it gives to kernel objects. Everything
 * the lab creates is derived from the instance name here, so `down` and the debris sweep of `up`
 * can find exactly the lab's own objects and nothing else.
 */
import path from 'node:path';

/** Shared by every instance and kept between runs (base rootfs, host keys, client key, apt cache). */
export const CACHE_DIR = '/var/cache/hostwright-lab';
export const BASE_DIR = path.join(CACHE_DIR, 'base');
export const HOSTKEY_DIR = path.join(CACHE_DIR, 'hostkeys');
export const CLIENT_KEY = path.join(CACHE_DIR, 'id_ed25519');
/** Runtime state of running instances (tmpfs: gone after a reboot, like the lab itself). */
export const RUN_ROOT = '/run/hostwright-lab';
/** Per-host overlay upper/work dirs; must be on the same filesystem as each other, not tmpfs-limited. */
export const LIB_ROOT = '/var/lib/hostwright-lab';

/** Instance names become part of interface names (max 15 chars), so they are short and plain. */
export const INSTANCE_NAME = /^[a-z][a-z0-9]{0,7}$/;
export const MAX_HOSTS = 250;

export function checkInstanceName(name: string): void {
  if (!INSTANCE_NAME.test(name)) {
    throw new Error(`lab name '${name}' is not valid: 1-8 characters, lowercase letters and digits, starting with a letter`);
  }
}

export interface InstancePaths {
  instance: string;
  /** /run/hostwright-lab/<instance>: lab.json, inventory, known_hosts, pid records, logs. */
  stateDir: string;
  labJson: string;
  inventory: string;
  knownHosts: string;
  /** One line per process the lab started: `<pid> <starttime> <what>`. */
  pidRecord: string;
  /** Held while an `up`/`down` of this instance is running. */
  lock: string;
  /** /var/lib/hostwright-lab/<instance>: per-host upper and work dirs. */
  libDir: string;
  /** apt-cacher-ng config and logs for this instance (the cache itself is shared, see aptCacheDir). */
  aptProxyDir: string;
  aptCacheDir: string;
  bridge: string;
  /** cgroup directory, under each hierarchy's root, holding this instance's systemd hosts. */
  cgroupParent: string;
}

export function instancePaths(instance: string): InstancePaths {
  const stateDir = path.join(RUN_ROOT, instance);
  const libDir = path.join(LIB_ROOT, instance);
  return {
    instance,
    stateDir,
    labJson: path.join(stateDir, 'lab.json'),
    inventory: path.join(stateDir, 'inventory.ini'),
    knownHosts: path.join(stateDir, 'known_hosts'),
    pidRecord: path.join(stateDir, 'pids'),
    lock: path.join(stateDir, 'lock'),
    libDir,
    aptProxyDir: path.join(stateDir, 'apt-cacher-ng'),
    // One cache per instance: two apt-cacher-ng daemons must not share a cache directory.
    aptCacheDir: path.join(CACHE_DIR, 'apt-cache', instance),
    bridge: `hw-${instance}`,
    cgroupParent: `hostwright-lab/${instance}`,
  };
}

/** Host names: `<instance>01`, `<instance>02`, ... (three digits past 99). */
export function hostName(instance: string, index: number): string {
  return `${instance}${String(index).padStart(2, '0')}`;
}

export function netnsName(instance: string, host: string): string {
  return `hw-${instance}-${host}`;
}

/** Machine-side end of a host's veth pair: `hw-<instance>-<index>` (at most 15 characters). */
export function vethName(instance: string, index: number): string {
  return `hw-${instance}-${index}`;
}

export function hostDirs(instance: string, host: string): { upper: string; work: string; root: string } {
  const dir = path.join(LIB_ROOT, instance, 'hosts', host);
  return { upper: path.join(dir, 'upper'), work: path.join(dir, 'work'), root: path.join(dir, 'root') };
}
