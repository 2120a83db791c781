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
  /** Lab instance name (`lab` for the CLI, `e2e` for the test suite); hosts are named after it. */
  instance: string;
  /** /run/hostwright-lab/<instance>: lab.json, inventory, known_hosts, logs. */
  stateDir: string;
  /** The instance's private network, e.g. `10.213.37.0/24`; it exists only on the lab bridge. */
  subnet: string;
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
  /** The hosts' apt proxy (apt-cacher-ng), e.g. `http://10.213.37.1:3142`. */
  aptProxy: string;
}
