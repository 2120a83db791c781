/**
 * Facts gathered from a host in one round trip (runner/facts.ts). Names follow Ansible's
 * `ansible_facts` keys so a `when` written from memory of Ansible works.
 */
export interface Facts {
  hostname: string;
  fqdn: string;
  /** 'Debian', 'RedHat', 'Suse', 'Archlinux', 'Alpine', ... (ansible_os_family) */
  os_family: string;
  /** 'Debian', 'Ubuntu', 'Fedora', 'CentOS', ... (ansible_distribution) */
  distribution: string;
  /** '12.7' (ansible_distribution_version) */
  distribution_version: string;
  /** '12' (ansible_distribution_major_version) */
  distribution_major_version: string;
  /** 'bookworm' (ansible_distribution_release) */
  distribution_release: string;
  /** 'x86_64' (ansible_architecture) */
  architecture: string;
  /** 'Linux' (ansible_system) */
  system: string;
  kernel: string;
  /** 'apt', 'dnf', 'yum', 'zypper', 'apk', 'pacman', 'unknown' (ansible_pkg_mgr) */
  pkg_mgr: string;
  /** 'systemd' when PID 1 is systemd, 'sysvinit' when only `service` exists, else what PID 1 is. */
  service_mgr: string;
  /** IPv4 addresses other than loopback (ansible_all_ipv4_addresses). */
  all_ipv4_addresses: string[];
  all_ipv6_addresses: string[];
  /** The address of the interface holding the default route, if any (ansible_default_ipv4.address). */
  default_ipv4?: { address: string; interface: string };
  /** The login user of the connection (ansible_user_id). */
  user_id: string;
  user_uid: number;
  /** Path of python3 if present; Hostwright never needs it. */
  python?: string;
  /** `sudo -n true` succeeded: become needs no password. */
  sudo_nopasswd: boolean;
  /** Seconds since epoch on the host when facts were taken. */
  date_time_epoch: number;
}
