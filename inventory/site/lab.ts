/**
 * The stack's inventory for a running lab (`npm run lab -- up 1 --systemd 1`): the same groups as
 * hosts.yml beside it, so the same group_vars/ apply, with the lab's first systemd host (firewalld
 * and fail2ban need a real init; plain hosts have none) as the one VPS, and the few values that
 * differ in the lab as host vars (host vars win over group_vars, as in Ansible):
 *   - connection: the address, the lab's key and known_hosts, as the lab's own inventory.ini has them;
 *   - postgres_image, app_base_image: built on the host from its Debian packages (the lab reaches
 *     no registry);
 *   - app_repo: apps/shiftplan of this checkout, published on the host as a git repository
 *     (app_source_dir; the lab reaches no git server);
 *   - trusted_ssh: the lab bridge's address, where the controller connects from;
 *   - containers_conf: cgroups off (the lab's cgroup controllers are read-only inside hosts);
 *   - deploy_ssh_keys: the lab's key, so `ssh deploy@host` works afterwards.
 *
 *   npx tsx playbooks/site.ts -i inventory/site/lab.ts --check --diff
 *
 * The lab instance is `lab` unless HOSTWRIGHT_LAB names another (the e2e tests use their own).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineInventory } from '../../runner/inventory/index.js';
import { instancePaths } from '../../test/lab/paths.js';
import type { LabState } from '../../test/lab/state.js';

export const labInstance = (): string => process.env['HOSTWRIGHT_LAB'] ?? 'lab';

export default defineInventory(() => {
  const paths = instancePaths(labInstance());
  let lab: LabState;
  try {
    lab = JSON.parse(readFileSync(paths.labJson, 'utf8')) as LabState;
  } catch {
    throw new Error(`no lab '${paths.instance}' is up (${paths.labJson} cannot be read): start one with \`npm run lab -- up 1 --systemd 1${paths.instance === 'lab' ? '' : ` --name ${paths.instance}`}\``);
  }
  const vps = lab.hosts.find((h) => h.kind === 'systemd');
  if (!vps) throw new Error(`lab '${lab.instance}' has no systemd host: the stack needs one (firewalld, fail2ban); start it with --systemd 1`);
  const hostVars = {
    ansible_host: vps.address,
    ansible_port: vps.port,
    ansible_user: 'root',
    // The lab logs in as root: sudo to root would only add a process (and a handshake that a loaded
    // machine can stretch past its timeout) to every command. A VPS reached as deploy keeps the
    // plays' `become: true`.
    ansible_become: false,
    ansible_ssh_private_key_file: lab.keyFile,
    ansible_ssh_common_args: `-o UserKnownHostsFile=${lab.knownHostsFile} -o StrictHostKeyChecking=yes`,
    postgres_image: { source: 'host-packages', name: 'localhost/postgres:15' },
    trusted_ssh: [`${lab.bridgeAddress}/32`],
    fail2ban_ignoreip: [`${lab.bridgeAddress}/32`],
    containers_conf: '[containers]\ncgroups = "disabled"\n',
    deploy_ssh_keys: [readFileSync(`${lab.keyFile}.pub`, 'utf8').trim()],
    app_repo: '/srv/git/shiftplan',
    app_source_dir: fileURLToPath(new URL('../../apps/shiftplan', import.meta.url)),
    app_base_image: 'localhost/busybox',
    app_base_image_source: 'host-packages',
  };
  const one = { hosts: { [vps.name]: hostVars } };
  return { all: { children: { stack: { children: { proxy: one, app: one, database: one, backup: one } } } } };
});
