/**
 * Seed 004's blue-green traffic switch (playbooks/roles/traffic.ts) on the HAProxy of the hosts
 * given, from the server in extra var `from` to the one in `to`; short waits for the lab.
 */
import { play, playbook } from '../../../../runner/index.js';
import { trafficSwitch } from '../../../../playbooks/roles/traffic.js';

export default playbook(import.meta, [
  play({
    name: 'blue-green switch',
    hosts: 'all',
    gather_facts: false,
    tasks: [
      trafficSwitch({
        backend: 'app',
        from: (h) => String(h.vars.from),
        to: (h) => String(h.vars.to),
        wait_interval: 0.5,
        wait_retries: 10,
      }),
    ],
  }),
]);
