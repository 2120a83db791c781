/**
 * firewall: seed 000's rule set with firewalld, in the permanent and the running configuration.
 * HTTP and HTTPS open to everyone; SSH only from trusted networks (the accepting rich rules go in
 * before the open ssh service comes out, so the run's own connection is never cut — and the module
 * refuses the removal if the controller is not in a trusted network); application ports closed from
 * outside; container networks in the trusted zone; denied packets logged.
 *
 * Lists may be functions of the host (`(h) => h.vars.trusted_ssh as string[]`), the way group_vars
 * would hold them.
 */
import { block, task, type Items } from '../../runner/index.js';
import { firewalld, firewalld_settings } from '../../modules/index.js';
import { perHost, type PerHost } from './per-host.js';

export interface FirewallVars {
  /** Networks (CIDR) from which SSH is allowed; the controller must be in one of them. */
  trustedSsh: PerHost<string[]>;
  /** firewalld services open to everyone. @default ['http', 'https'] */
  publicServices?: PerHost<string[]>;
  /** Ports that must not be open from outside (`3000/tcp`): removed if someone opened them. @default [] */
  closedPorts?: PerHost<string[]>;
  /** Container or internal networks whose traffic is trusted. @default [] */
  internalSources?: PerHost<string[]>;
  /** firewalld's LogDenied. @default 'all' */
  logDenied?: 'all' | 'unicast' | 'broadcast' | 'multicast' | 'off';
  /** The zone facing the outside. @default 'public' */
  zone?: string;
}

export function firewall(v: FirewallVars): Items {
  const zone = v.zone ?? 'public';
  const both = { zone, permanent: true, immediate: true } as const;
  const trusted = perHost(v.trustedSsh);
  return [
    block({
      tags: ['firewall'],
      block: [
        task('ssh from trusted networks', firewalld((h) => ({ ...both, rich_rule: `rule family="ipv4" source address="${String(h.item)}" service name="ssh" accept`, state: 'enabled' })), {
          loop: trusted,
        }),
        task('public services', firewalld((h) => ({ ...both, service: String(h.item), state: 'enabled' })), { loop: perHost(v.publicServices ?? ['http', 'https']) }),
        task('ssh closed to everyone else', firewalld({ ...both, service: 'ssh', state: 'disabled' })),
        task('application ports closed from outside', firewalld((h) => ({ ...both, port: String(h.item), state: 'disabled' })), { loop: perHost(v.closedPorts ?? []) }),
        task('container networks trusted', firewalld((h) => ({ zone: 'trusted', permanent: true, immediate: true, source: String(h.item), state: 'enabled' })), {
          loop: perHost(v.internalSources ?? []),
        }),
        task('log denied packets', firewalld_settings({ log_denied: v.logDenied ?? 'all' })),
      ],
    }),
  ];
}
