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
  /** Private key accepted for `root`, `user` and `passwordUser` on every host. */
  keyFile: string;
  /** OpenSSH known_hosts with every host's key, by address and by name. */
  knownHostsFile: string;
  /** Ansible INI inventory of the hosts (groups `lab`, `lab_plain`, `lab_systemd`). */
  inventoryFile: string;
  /** A non-root login (key auth) with passwordless sudo: `deploy`. */
  user: string;
  /** A non-root login (key auth) whose sudo asks for a password: `ops`, for -K tests. */
  passwordUser: string;
  /** `ops`'s sudo password. */
  passwordUserPassword: string;
  /** Bridge address (the machine's side), where the apt proxy listens. */
  bridgeAddress: string;
}
