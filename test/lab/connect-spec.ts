/**
 * The ConnectSpec Hostwright's own transport uses for a lab host: the lab's key and known_hosts, no
 * ~/.ssh/config of the machine. Shared by the e2e helpers (testing.ts) and bench/, which has no
 * vitest to inject the lab's state and passes it in.
 */
import { connectSpecFor } from '../../runner/connection/index.js';
import type { ConnectSpec } from '../../runner/connection/types.js';
import type { LabHost, LabState } from './state.js';

/** `vars` override the host variables (user, port, ...). */
export function labConnectSpecFor(state: LabState, host: LabHost, vars: Record<string, unknown> = {}): ConnectSpec {
  return connectSpecFor(
    host.name,
    {
      ansible_host: host.address,
      ansible_port: host.port,
      ansible_user: 'root',
      ansible_ssh_private_key_file: state.keyFile,
      ansible_ssh_common_args: `-o UserKnownHostsFile=${state.knownHostsFile}`,
      ...vars,
    },
    { sshConfigFile: '/dev/null' },
  );
}
