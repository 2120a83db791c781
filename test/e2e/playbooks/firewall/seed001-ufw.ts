/**
 * Seed 001's firewall with ufw: SSH only from the trusted networks (extra var `trusted_ssh`, a JSON
 * list), HTTP and HTTPS open, everything else denied, logging on. The allow rules go in before ufw
 * is enabled, so the run's own connection is never cut (the ufw module refuses it otherwise).
 */
import { play, playbook, task } from '../../../../runner/index.js';
import { ufw } from '../../../../modules/index.js';

export default playbook(import.meta, [
  play({
    name: 'seed 001 firewall (ufw)',
    hosts: 'all',
    gather_facts: false,
    tasks: [
      task('ssh from trusted networks', ufw((h) => ({ rule: 'allow', from_ip: String(h.item), to_port: '22', proto: 'tcp', comment: 'ssh from trusted' })), {
        loop: (h) => h.vars.trusted_ssh as string[],
      }),
      task('web', ufw((h) => ({ rule: 'allow', to_port: String(h.item), proto: 'tcp' })), { loop: ['80', '443'] }),
      task('deny the rest', ufw({ default: 'deny', direction: 'incoming' })),
      task('logging', ufw({ logging: 'on' })),
      task('enabled', ufw({ state: 'enabled' })),
    ],
  }),
]);
