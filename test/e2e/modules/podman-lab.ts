/**
 * What the podman e2e files need inside a lab host. There is no registry off the machine, so
 * images start from root filesystem tarballs made from the host's own files (playbooks/roles/images.ts).
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

// The root filesystem tarballs live with the role that builds images on hosts that reach no registry.
export { busyboxTarball, postgresTarball } from '../../../playbooks/roles/images.js';

export function inventoryFile(): string {
  return labState().inventoryFile;
}
