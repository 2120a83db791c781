/**
 * What a running lab looks like from outside: written by `lab up` as lab.json in the lab's state
 * directory, read by the test harness, the README's main job and bench/.
 */
export interface LabHost {
  /** Inventory name and hostname, e.g. `lab01`. */
  name: string;
  /** IPv4 address on the lab bridge. */
  address: string;
  port: number;
  kind: 'plain' | 'systemd';
  /** PID (in the machine's namespace) of the host's init (tini or systemd-nspawn). */
  pid: number;
}

export interface LabState {
  hosts: LabHost[];
  /** Private key accepted for `root` and for `user` on every host. */
  keyFile: string;
  /** OpenSSH known_hosts with every host's key, by address and by name. */
  knownHostsFile: string;
  /** Ansible INI inventory of the hosts (groups `lab`, `lab_plain`, `lab_systemd`). */
  inventoryFile: string;
  /** The non-root login with passwordless sudo. */
  user: string;
  /** That user's sudo password, for tests of -K / ansible_become_password. */
  userPassword: string;
  /** Bridge address (the machine's side), where the apt proxy listens. */
  bridgeAddress: string;
}
