/**
 * What the podman e2e files need inside a lab host. There is no registry off the machine, so
 * images start from root filesystem tarballs made from the host's own files: busybox (Debian's
 * busybox-static, one static binary and a symlink per applet) and PostgreSQL 15 (Debian's
 * postgresql-15 package: its binaries, the shared libraries ldd names, its share directory,
 * busybox for a shell, and a start script that runs initdb on an empty data directory).
 */
import { aptInstall } from '../../lab/probes.js';
import type { LabHost } from '../../lab/state.js';
import { labState, sshOk } from '../../lab/testing.js';

/**
 * podman in a lab host: the packages, and containers.conf's `cgroups = "disabled"` (the lab's
 * cgroup controllers are read-only inside hosts; LAB-NOTES). The setting lives in the host's
 * containers.conf, as an admin would put it, so every podman command — the module's, a unit's,
 * containers.podman's — gets it and no task has to pass it. A plain host has no cgroup
 * filesystem at /sys/fs/cgroup at all, which crun refuses: it gets an empty cgroup2 mount.
 */
export async function installPodman(host: LabHost, extra: string[] = []): Promise<void> {
  // One apt run; dpkg without fsyncs (a throwaway host). podman's recommends that matter here
  // are named: fuse-overlayfs (a host's root is an overlay, and overlay on overlay needs it),
  // catatonit (pods), and the rootless ones where a test passes them.
  const options = ['-o', 'Dpkg::Options::=--force-unsafe-io', '--no-install-recommends'];
  await sshOk(host, aptInstall(...options, 'podman', 'fuse-overlayfs', 'busybox-static', 'catatonit', ...extra), { timeoutMs: 300_000 });
  await sshOk(host, `set -e
printf '[containers]\\ncgroups = "disabled"\\n' > /etc/containers/containers.conf
if [ ! -d /run/systemd/system ] && ! grep -q ' /sys/fs/cgroup ' /proc/mounts; then mount -t cgroup2 none /sys/fs/cgroup; fi`);
}

/** A busybox root filesystem tarball at `tar` (world-readable, for rootless users too). */
export const busyboxTarball = (tar: string) => `set -e
r=$(mktemp -d); mkdir -p "$r/bin" "$r/etc" "$r/www" "$r/tmp"; chmod 1777 "$r/tmp"
cp /bin/busybox "$r/bin/busybox"
for a in $(/bin/busybox --list); do [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"; done
echo 'root:x:0:0:root:/:/bin/sh' > "$r/etc/passwd"; echo busybox > "$r/www/index.html"
tar -C "$r" -cf ${tar} . && chmod 644 ${tar} && rm -rf "$r"`;

/** PostgreSQL 15 from the host's postgresql-15 package as a root filesystem tarball at `tar`. */
export const postgresTarball = (tar: string) => `set -e
R=$(mktemp -d); mkdir -p $R/usr/bin $R/usr/lib $R/usr/lib64 $R/usr/share $R/tmp $R/etc $R/var/lib/pgdata $R/run/postgresql
ln -s usr/bin $R/bin; ln -s usr/lib $R/lib; ln -s usr/lib64 $R/lib64
cp /bin/busybox $R/usr/bin/busybox
for a in $(/bin/busybox --list); do [ -e $R/usr/bin/$a ] || ln -s busybox $R/usr/bin/$a; done
files=$(find /usr/lib/postgresql/15 -type f ! -name 'llvmjit*' ! -path '*/bitcode/*')
for f in $files; do mkdir -p $R$(dirname $f); cp -p $f $R$f; done
cp -a /usr/share/postgresql $R/usr/share/
mkdir -p $R/usr/share/zoneinfo && cp -a /usr/share/zoneinfo/UTC /usr/share/zoneinfo/Etc $R/usr/share/zoneinfo/
# Merged /usr, as on the host: every library ldd names goes below $R/usr.
for lib in $(for f in $files; do ldd $f 2>/dev/null || true; done | grep -o '/[^ ]*' | sort -u); do
  case $lib in /usr/*) d=$lib ;; *) d=/usr$lib ;; esac; mkdir -p $R$(dirname $d); cp -pL $lib $R$d
done
cp /etc/ld.so.cache $R/etc/
grep -E '^(root|postgres):' /etc/passwd > $R/etc/passwd; grep -E '^(root|postgres):' /etc/group > $R/etc/group
chown postgres:postgres $R/var/lib/pgdata $R/run/postgresql; chmod 700 $R/var/lib/pgdata; chmod 1777 $R/tmp
cat > $R/usr/bin/pg-start <<'EOF'
#!/bin/sh
set -e
if [ ! -s /var/lib/pgdata/PG_VERSION ]; then initdb -D /var/lib/pgdata --no-locale -E UTF8 -A trust >/dev/null; fi
exec postgres -D /var/lib/pgdata -c listen_addresses='*' -c jit=off -c unix_socket_directories=/run/postgresql
EOF
chmod 755 $R/usr/bin/pg-start
tar -C $R -cf ${tar} . && rm -rf $R`;

export function inventoryFile(): string {
  return labState().inventoryFile;
}
