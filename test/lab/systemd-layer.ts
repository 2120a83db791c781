/**
 * The systemd layer: a second cached filesystem layer over the lab's base that adds systemd as init,
 * so systemd hosts boot real systemd 252 (see ../../../shared/LAB-NOTES.md, "systemd hosts").
 *
 * It is the upper directory of an overlay over the base, built once in a chroot and then stacked as
 * a lower layer (`lowerdir=layer:base`) under each systemd host's own upper dir. Whiteouts made during
 * the build stay meaningful there, because overlayfs honours them in middle layers too.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { mkdir, rm, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LabError, tryRun } from './exec.js';

/** Packages that make the base boot systemd, and give ssh logins a logind session as on a real box. */
export const LAYER_PACKAGES = ['systemd', 'systemd-sysv', 'dbus', 'libpam-systemd'] as const;

/** The lab's sshd settings (LAB-NOTES): key-only, no DNS lookups, room for parallel channels. */
export const LAB_SSHD_CONFIG = [
  'PasswordAuthentication no',
  'KbdInteractiveAuthentication no',
  'PermitRootLogin prohibit-password',
  'UseDNS no',
  'MaxStartups 200:30:400',
  'MaxSessions 64',
  '',
].join('\n');

/** Files whose absence means the cached layer is broken (half-deleted, or a build cut short). */
export const LAYER_SENTINELS: readonly string[] = [
  'usr/lib/systemd/systemd',
  'usr/bin/systemctl',
  'usr/bin/dbus-daemon',
  'usr/sbin/init',
  'etc/ssh/sshd_config.d/hostwright-lab.conf',
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
mkdir -p "$merged/etc/ssh/sshd_config.d"
cat > "$merged/etc/ssh/sshd_config.d/hostwright-lab.conf" <<'EOF'
${LAB_SSHD_CONFIG}EOF
in_root systemctl enable ssh.service cron.service
in_root systemctl set-default multi-user.target
: > "$merged/etc/machine-id"
rm -f "$merged/var/lib/dbus/machine-id"
ln -s /etc/machine-id "$merged/var/lib/dbus/machine-id"
`;

/** Identifies what a cached layer was built from: the build recipe and the base's package set. */
export function layerKey(recipe: string, baseDpkgStatus: string): string {
  const h = (s: string) => createHash('sha256').update(s).digest('hex');
  return `recipe=${h(recipe)}\nbase=${h(baseDpkgStatus)}\n`;
}

function recipe(): string {
  return JSON.stringify({ packages: LAYER_PACKAGES, script: BUILD_SCRIPT });
}

export interface LayerPaths {
  /** The directory holding the layer and its marker: `<base's parent>/systemd-layer`. */
  dir: string;
  /** The layer itself: what goes into `lowerdir` above the base. */
  root: string;
  /** Written last, holding the layer key; a layer without a matching marker is rebuilt. */
  marker: string;
}

export function layerPaths(baseDir: string): LayerPaths {
  const dir = join(dirname(baseDir), 'systemd-layer');
  return { dir, root: join(dir, 'root'), marker: join(dir, 'complete') };
}

/** The marker a finished build over `baseDir` writes (and that a usable cached layer must have). */
export function expectedMarker(baseDir: string): string {
  return layerKey(recipe(), readFileSync(join(baseDir, 'var/lib/dpkg/status'), 'utf8'));
}

/** Why the cached layer can't be used, or undefined if it can. */
export function layerProblem(baseDir: string): string | undefined {
  const { root, marker } = layerPaths(baseDir);
  if (!existsSync(marker)) return existsSync(root) ? 'an unfinished build (no completion marker)' : 'not built yet';
  if (readFileSync(marker, 'utf8') !== expectedMarker(baseDir)) return 'built from another base or recipe';
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

/**
 * Returns the systemd layer for `baseDir`, building it first if it is missing, unfinished, broken
 * or built over another base. Rebuild only while no systemd host is up: hosts use it as a lowerdir.
 */
export async function ensureSystemdLayer(
  baseDir: string,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<string> {
  const problem = layerProblem(baseDir);
  const paths = layerPaths(baseDir);
  if (problem === undefined) return paths.root;
  log(`lab: systemd layer at ${paths.dir}: ${problem}; building it (about 15 s)`);
  const buildDir = `${paths.dir}.build-${process.pid}`;
  await rm(buildDir, { recursive: true, force: true });
  const upper = join(buildDir, 'root');
  const work = join(buildDir, 'work');
  const merged = join(buildDir, 'merged');
  await Promise.all([upper, work, merged].map((d) => mkdir(d, { recursive: true })));
  try {
    const build = await tryRun(
      ['unshare', '--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child',
        'sh', '-c', BUILD_SCRIPT, 'sh', baseDir, upper, work, merged, ...LAYER_PACKAGES],
      { timeoutMs: 15 * 60_000 },
    );
    if (build.code !== 0) {
      // The first line is all the CLI shows; the rest is for a reader of the full error.
      const lines = (build.stderr.trim() || build.stdout.trim()).split('\n');
      throw new LabError(`building the systemd layer failed (exit ${build.code}): ${lines[lines.length - 1] ?? ''}\n${lines.slice(-15).join('\n')}`);
    }
    // The forbidding policy-rc.d belongs to the build only; removing it from the upper dir (not
    // through the overlay, which would leave a whiteout) lets the base's policy show through.
    await rm(join(upper, 'usr/sbin/policy-rc.d'), { force: true });
    await rm(paths.dir, { recursive: true, force: true });
    await rename(upper, join(buildDir, 'layer'));
    await mkdir(paths.dir, { recursive: true });
    await rename(join(buildDir, 'layer'), paths.root);
    await writeFile(paths.marker, expectedMarker(baseDir));
  } finally {
    await rm(buildDir, { recursive: true, force: true });
  }
  const after = layerProblem(baseDir);
  if (after !== undefined) throw new LabError(`systemd layer at ${paths.dir} is ${after} right after building it`);
  return paths.root;
}
