/**
 * The systemd layer: a second cached filesystem layer over the lab's base that adds systemd as init,
 * so systemd hosts boot real systemd 252 (see ../../../shared/LAB-NOTES.md, "systemd hosts").
 *
 * It is the upper directory of an overlay over the base, built once in a chroot and then stacked as
 * a lower layer (`lowerdir=layer:base`) under each systemd host's own upper dir. Whiteouts made during
 * the build stay meaningful there, because overlayfs honours them in middle layers too.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, rm, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LabError, tryRun } from './exec.js';
import { withPidFileLock } from './processes.js';
import { CGROUP_PARENT, cgroupPids, hierarchies } from './systemd-cgroups.js';

/** Packages that make the base boot systemd, and give ssh logins a logind session as on a real box. */
export const LAYER_PACKAGES = ['systemd', 'systemd-sysv', 'dbus', 'libpam-systemd'] as const;

/** Files whose absence means the cached layer is broken (half-deleted, or a build cut short). */
export const LAYER_SENTINELS: readonly string[] = [
  'usr/lib/systemd/systemd',
  'usr/bin/systemctl',
  'usr/bin/dbus-daemon',
  'usr/sbin/init',
  'etc/machine-id',
];

/**
 * The build, run as `sh -c BUILD_SCRIPT sh BASE UPPER WORK MERGED` inside a private mount and PID
 * namespace: every mount it makes and every process the package scripts might leave behind ends with
 * it, even if it is killed.
 * - policy-rc.d exit 101 forbids starting services while packages are installed into the chroot;
 *   it is removed from the upper dir afterwards, so the base's own policy (if any) shows through.
 * - apt talks to the mirror directly (the lab's apt proxy may not be up yet), with lists and
 *   downloaded .debs on tmpfs so they don't end up in the layer.
 * - /etc/machine-id is left empty: each host gets its own at start.
 * - sshd keeps the base's lab settings (key-only, UseDNS no, MaxStartups/MaxSessions raised); the
 *   layer only makes sure systemd starts it.
 */
const BUILD_SCRIPT = `
set -eu
base=$1 upper=$2 work=$3 merged=$4; shift 4
mount -t overlay overlay -o "lowerdir=$base,upperdir=$upper,workdir=$work" "$merged"
mount -t proc proc "$merged/proc"
mount --bind /dev "$merged/dev"
mount -t tmpfs tmpfs "$merged/tmp"
mount -t tmpfs tmpfs "$merged/var/lib/apt/lists"
mount -t tmpfs tmpfs "$merged/var/cache/apt"
if [ -e "$merged/etc/resolv.conf" ] || [ -L "$merged/etc/resolv.conf" ]; then
  mount --bind /etc/resolv.conf "$merged/etc/resolv.conf"
fi
printf '#!/bin/sh\\nexit 101\\n' > "$merged/usr/sbin/policy-rc.d"
chmod 755 "$merged/usr/sbin/policy-rc.d"
in_root() { chroot "$merged" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }
apt_opts="-o Acquire::http::Proxy=false -o Acquire::https::Proxy=false -o Acquire::Retries=3 -o DPkg::Lock::Timeout=60"
in_root apt-get $apt_opts -q update
in_root apt-get $apt_opts -q -y --no-install-recommends install "$@"
in_root systemctl enable ssh.service cron.service
in_root systemctl set-default multi-user.target
: > "$merged/etc/machine-id"
rm -f "$merged/var/lib/dbus/machine-id"
ln -s /etc/machine-id "$merged/var/lib/dbus/machine-id"
`;

/**
 * Identifies what a cached layer was built from: the build recipe, the base's package set, and the
 * base's own directory (inode and birth time: a rebuilt base is a new directory, swapped in). The
 * layer holds copies of base files it changed (/etc/passwd, ...), which are only right over that
 * very base.
 */
export function layerKey(recipe: string, baseDpkgStatus: string, baseIdentity: string): string {
  const h = (s: string) => createHash('sha256').update(s).digest('hex');
  return `recipe=${h(recipe)}\nbase-packages=${h(baseDpkgStatus)}\nbase-directory=${baseIdentity}\n`;
}

function recipe(): string {
  return JSON.stringify({ packages: LAYER_PACKAGES, script: BUILD_SCRIPT });
}

export interface LayerPaths {
  /** `<base's parent>/systemd-layer`: one directory per layer key, and the build lock. */
  top: string;
  /** This base's layer: `top/<first 16 hex digits of the key's hash>`. */
  dir: string;
  /** The layer itself: what goes into `lowerdir` above the base. */
  root: string;
  /** Written last, holding the layer key; a layer without it is unfinished. */
  marker: string;
  /** Held (containing the builder's PID) while a build runs. */
  lock: string;
}

/**
 * Where the layer for `baseDir` lives. Each key gets its own directory, so a new base (or recipe)
 * gets a new layer while hosts still running on the old one keep their lowerdir; old layers are
 * pruned once no systemd host runs.
 */
export function layerPaths(baseDir: string): LayerPaths {
  const top = join(dirname(baseDir), 'systemd-layer');
  const dir = join(top, createHash('sha256').update(expectedMarker(baseDir)).digest('hex').slice(0, 16));
  return { top, dir, root: join(dir, 'root'), marker: join(dir, 'complete'), lock: join(top, 'build.lock') };
}

/** The marker a finished build over `baseDir` writes (and that a usable cached layer must have). */
export function expectedMarker(baseDir: string): string {
  const st = statSync(baseDir);
  return layerKey(recipe(), readFileSync(join(baseDir, 'var/lib/dpkg/status'), 'utf8'), `${st.dev}:${st.ino}:${st.birthtimeMs}`);
}

/** Why the cached layer can't be used, or undefined if it can. */
export function layerProblem(baseDir: string): string | undefined {
  const { root, marker } = layerPaths(baseDir);
  if (!existsSync(marker)) return existsSync(root) ? 'an unfinished build (no completion marker)' : 'not built yet';
  if (readFileSync(marker, 'utf8') !== expectedMarker(baseDir)) return 'a marker that does not match (overwritten?)';
  const missing = LAYER_SENTINELS.filter((p) => {
    try {
      lstatSync(join(root, p));
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) return `broken (missing ${missing.join(', ')})`;
  return undefined;
}

/** Whether any systemd lab host (of any instance) is running: each uses a layer as a lowerdir. */
function layersInUse(): boolean {
  return hierarchies().some((h) => cgroupPids(join(h, CGROUP_PARENT)).length > 0);
}

/**
 * Returns the systemd layer for `baseDir`, building it first if it is missing, unfinished or
 * broken. Layers of other bases or recipes are removed once no systemd host runs.
 */
export async function ensureSystemdLayer(
  baseDir: string,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<string> {
  const paths = layerPaths(baseDir);
  if (layerProblem(baseDir) === undefined) return paths.root;
  await withLock(paths.lock, log, async () => {
    const problem = layerProblem(baseDir);
    if (problem === undefined) return; // another process built it while we waited
    log(`lab: systemd layer at ${paths.dir}: ${problem}; building it (about 10 s)`);
    const started = Date.now();
    await build(baseDir, paths);
    log(`lab: systemd layer built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (!layersInUse()) {
      for (const name of await readdir(paths.top)) {
        const other = join(paths.top, name);
        if (other !== paths.dir && other !== paths.lock) await rm(other, { recursive: true, force: true });
      }
    }
  });
  const after = layerProblem(baseDir);
  if (after !== undefined) throw new LabError(`systemd layer at ${paths.dir} is ${after} right after building it`);
  return paths.root;
}

async function build(baseDir: string, paths: LayerPaths): Promise<void> {
  const buildDir = join(paths.top, `build-${process.pid}`);
  const upper = join(buildDir, 'root');
  const work = join(buildDir, 'work');
  const merged = join(buildDir, 'merged');
  await rm(buildDir, { recursive: true, force: true });
  await Promise.all([upper, work, merged].map((d) => mkdir(d, { recursive: true })));
  try {
    const result = await tryRun(
      ['unshare', '--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child',
        'sh', '-c', BUILD_SCRIPT, 'sh', baseDir, upper, work, merged, ...LAYER_PACKAGES],
      { timeoutMs: 15 * 60_000 },
    );
    if (result.code !== 0) {
      // The first line is all the CLI shows; the rest is for a reader of the full error.
      const lines = (result.stderr.trim() || result.stdout.trim()).split('\n');
      throw new LabError(`building the systemd layer failed (exit ${result.code}): ${lines[lines.length - 1] ?? ''}\n${lines.slice(-15).join('\n')}`);
    }
    // The forbidding policy-rc.d belongs to the build only; removing it from the upper dir (not
    // through the overlay, which would leave a whiteout) lets the base's policy show through.
    await rm(join(upper, 'usr/sbin/policy-rc.d'), { force: true });
    await rm(paths.dir, { recursive: true, force: true });
    await mkdir(paths.dir, { recursive: true });
    await rename(upper, paths.root);
    await writeFile(paths.marker, expectedMarker(baseDir));
  } finally {
    await rm(buildDir, { recursive: true, force: true });
  }
}

/** The build lock, and the directories of builds that were killed half-way cleared under it. */
async function withLock(lock: string, log: (line: string) => void, fn: () => Promise<void>): Promise<void> {
  const onWait = (holder: number) => log(`lab: waiting for process ${holder}, which is building the systemd layer`);
  await withPidFileLock(lock, onWait, async () => {
    const parent = dirname(lock);
    for (const name of await readdir(parent)) {
      if (/^build-\d+$/.test(name)) await rm(join(parent, name), { recursive: true, force: true });
    }
    await fn();
  });
}
