/**
 * firewalld: one setting of a zone (service, port, protocol, source, interface, rich rule,
 * masquerade, ICMP block or inversion, target, port forward), or a zone itself, in the permanent
 * and/or runtime configuration, with ansible.posix.firewalld's parameters. Works with the daemon
 * (firewall-cmd) or without it (firewall-offline-cmd, permanent only) and says which in its result
 * (`backend`). Rich rules are compared by meaning. The diff shows each changed zone before and
 * after, per configuration. A change that would cut the run's own SSH connection is refused
 * unless allow_ssh_lockout is set. Improvements over Ansible's module: a zone created with
 * `immediate: true` (or a setting on a zone the runtime has not loaded) is usable at once, through
 * a reload (ansible.posix#96); a target takes effect at once the same way.
 */
import { defineModule } from '../../runner/module.js';
import { firewalldDefinition, type FirewalldParams } from './params.js';
import { planFirewalld } from './plan.js';
import { overlayFirewalld } from './predict.js';
import { gatherFirewalld, type FirewalldState } from './probe.js';

export type { FirewalldParams, PortForward } from './params.js';

export const firewalld = defineModule<FirewalldParams, FirewalldState>({
  ...firewalldDefinition,
  gather: (p, probe) => gatherFirewalld(probe, p.zone),
  plan: (p, s) => planFirewalld(p, s),
  overlay: (s, predicted, p) => overlayFirewalld(s, predicted, p.zone),
});
