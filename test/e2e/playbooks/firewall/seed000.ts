/**
 * Seed 000's firewall (playbooks/roles/firewall.ts) on the hosts given; the trusted SSH networks
 * come from the extra var `trusted_ssh` (a JSON list), as group_vars would give them.
 */
import { play, playbook } from '../../../../runner/index.js';
import { firewall } from '../../../../playbooks/roles/firewall.js';

export default playbook(import.meta, [
  play({
    name: 'seed 000 firewall',
    hosts: 'all',
    gather_facts: false,
    tasks: [
      firewall({
        trustedSsh: (h) => h.vars.trusted_ssh as string[],
        closedPorts: ['3000/tcp', '3100/tcp', '3200/tcp', '5432/tcp'],
        internalSources: ['10.88.0.0/16'],
      }),
    ],
  }),
]);
