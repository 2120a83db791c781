/**
 * firewalld's parameters: ansible.posix.firewalld's names, choices, defaults and cross-field rules
 * (one setting per task; present/absent for zones and targets only), plus allow_ssh_lockout.
 */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../../runner/module.js';
import { normalizeRichRule, RichRuleError } from './rich-rule.js';

export interface PortForward {
  /** Source port. */
  port: string | number;
  proto: 'tcp' | 'udp';
  /** Destination port. */
  toport: string | number;
  /** Destination address. @default '' (this host) */
  toaddr?: string;
}

export interface FirewalldParams {
  /** The zone. @default the default zone */
  zone?: string;
  /** A service firewalld knows (`firewall-cmd --get-services`). */
  service?: string;
  /** `PORT/PROTOCOL` or `PORT-PORT/PROTOCOL`. */
  port?: string;
  /** An IP protocol (`ospf`, `gre`, ...). */
  protocol?: string;
  /** A source network, address, MAC or `ipset:NAME` bound to the zone. */
  source?: string;
  /** An interface bound to the zone (moved from the zone it was in). */
  interface?: string;
  /** A rich rule; compared with what firewalld holds by meaning, not by string. */
  rich_rule?: string;
  /** Masquerading in the zone. */
  masquerade?: boolean;
  /** An ICMP type blocked in the zone. */
  icmp_block?: string;
  /** Inversion of the zone's ICMP block list. */
  icmp_block_inversion?: boolean;
  /** The zone's target; state absent resets it to default. */
  target?: 'default' | 'ACCEPT' | 'DROP' | '%%REJECT%%';
  /** One port forward. */
  port_forward?: PortForward[];
  /** Change the permanent configuration. @default false (then immediate is assumed) */
  permanent?: boolean;
  /** Change the running configuration too when permanent. @default false */
  immediate?: boolean;
  /** enabled/disabled for a setting; present/absent for a zone (and absent resets a target). */
  state: 'enabled' | 'disabled' | 'present' | 'absent';
  /** Seconds a runtime-only setting stays in effect (0: until reload). @default 0 */
  timeout?: number;
  /** Allow working on the permanent configuration while the daemon is not running (with firewall-offline-cmd). @default true when the daemon is not running */
  offline?: boolean;
  /** Let the change go ahead even when it would cut the SSH connection the run is using. @default false */
  allow_ssh_lockout?: boolean;
}

export const SETTING_PARAMS = ['icmp_block', 'icmp_block_inversion', 'service', 'protocol', 'port', 'port_forward', 'rich_rule', 'interface', 'masquerade', 'source', 'target'] as const;

/** firewalld's own limit for zone names (17 characters, letters, digits, _ and -). */
const ZONE_NAME = '^[A-Za-z0-9_-]{1,17}$';
const WORD = '^[^\\s/]+$';

export const firewalldSchema: JSONSchemaType<FirewalldParams> = {
  type: 'object',
  properties: {
    zone: { type: 'string', pattern: ZONE_NAME, nullable: true },
    service: { type: 'string', pattern: WORD, nullable: true },
    port: { type: 'string', pattern: '^\\d+(-\\d+)?/(tcp|udp|sctp|dccp)$', nullable: true },
    protocol: { type: 'string', pattern: WORD, nullable: true },
    source: { type: 'string', pattern: '^\\S+$', nullable: true },
    interface: { type: 'string', pattern: WORD, nullable: true },
    rich_rule: { type: 'string', minLength: 1, nullable: true },
    masquerade: { type: 'boolean', nullable: true },
    icmp_block: { type: 'string', pattern: WORD, nullable: true },
    icmp_block_inversion: { type: 'boolean', nullable: true },
    target: { type: 'string', enum: ['default', 'ACCEPT', 'DROP', '%%REJECT%%'], nullable: true },
    port_forward: {
      type: 'array',
      nullable: true,
      items: {
        type: 'object',
        properties: {
          port: { type: ['string', 'integer'], pattern: '^\\d+(-\\d+)?$' } as never,
          proto: { type: 'string', enum: ['tcp', 'udp'] },
          toport: { type: ['string', 'integer'], pattern: '^\\d+(-\\d+)?$' } as never,
          toaddr: { type: 'string', nullable: true },
        },
        required: ['port', 'proto', 'toport'],
        additionalProperties: false,
      },
    },
    permanent: { type: 'boolean', nullable: true },
    immediate: { type: 'boolean', nullable: true, default: false },
    state: { type: 'string', enum: ['enabled', 'disabled', 'present', 'absent'] },
    timeout: { type: 'integer', minimum: 0, nullable: true, default: 0 },
    offline: { type: 'boolean', nullable: true },
    allow_ssh_lockout: { type: 'boolean', nullable: true, default: false },
  },
  required: ['state'],
  additionalProperties: false,
};

/** The one setting a task manages, or undefined for a zone-level task. */
export function settingOf(p: FirewalldParams): (typeof SETTING_PARAMS)[number] | undefined {
  return SETTING_PARAMS.find((k) => p[k] !== undefined);
}

export function checkFirewalld(p: FirewalldParams): ParamIssue[] {
  const given = SETTING_PARAMS.filter((k) => p[k] !== undefined);
  if (given.length > 1) return [{ field: given[1]!, message: `parameters are mutually exclusive: ${given.join('|')}` }];
  const setting = given[0];
  const issues: ParamIssue[] = [];
  if (p.interface !== undefined && p.zone === undefined) issues.push({ field: 'zone', message: "missing parameter(s) required by 'interface': zone" });
  if (p.target !== undefined && p.zone === undefined) issues.push({ field: 'zone', message: "missing parameter(s) required by 'target': zone" });
  if (p.source !== undefined && p.permanent === undefined) issues.push({ field: 'permanent', message: "missing parameter(s) required by 'source': permanent" });
  if (setting !== undefined && setting !== 'target' && (p.state === 'present' || p.state === 'absent')) {
    issues.push({ field: 'state', message: 'absent and present state can only be used in zone level operations' });
  }
  if (setting === undefined && (p.state === 'enabled' || p.state === 'disabled')) {
    issues.push({ field: 'state', message: `state ${p.state} needs a setting (one of ${SETTING_PARAMS.join(', ')}); a zone takes present or absent` });
  }
  if ((setting === undefined || setting === 'target') && p.permanent !== true) {
    issues.push({ field: 'permanent', message: "Zone operations must be permanent. Make sure you didn't set the 'permanent' flag to 'false'" });
  }
  if (setting === undefined && p.zone === undefined) issues.push({ field: 'zone', message: 'a zone-level task needs zone' });
  if (p.port_forward !== undefined && p.port_forward.length !== 1) issues.push({ field: 'port_forward', message: 'Only one port forward supported at a time' });
  if ((p.timeout ?? 0) > 0 && p.permanent) issues.push({ field: 'timeout', message: 'timeout applies to runtime-only settings; it cannot be combined with permanent' });
  if (p.rich_rule !== undefined) {
    try {
      normalizeRichRule(p.rich_rule);
    } catch (e) {
      if (!(e instanceof RichRuleError)) throw e;
      issues.push({ field: 'rich_rule', message: e.message });
    }
  }
  return issues;
}

/** What validates a firewalld call without loading its probe and plan code (modules/index.ts). */
export const firewalldDefinition: ModuleDefinition<FirewalldParams> = { name: 'firewalld', schema: firewalldSchema, check: checkFirewalld };
