/** sysctl's parameters: what validates a call without loading the module's code (sysctl.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../runner/module.js';

/** Ansible's BOOLEANS_TRUE / BOOLEANS_FALSE, as sysctl's _parse_value reads them. */
export const TRUE_WORDS = new Set(['y', 'yes', 'on', '1', 'true', 't']);

export const FALSE_WORDS = new Set(['n', 'no', 'off', '0', 'false', 'f']);

/** Ansible's _parse_value: the value as the file and sysctl get it. */
export function sysctlValue(v: SysctlParams['value']): string {
  if (v === undefined) return '';
  if (typeof v === 'boolean') return v ? '1' : '0';
  const s = String(v);
  if (TRUE_WORDS.has(s.toLowerCase())) return '1';
  if (FALSE_WORDS.has(s.toLowerCase())) return '0';
  return s.trim();
}

export interface SysctlParams {
  /** The key, dot-separated (`net.ipv4.ip_forward`). Ansible's alias: key. */
  name: string;
  /** The value; booleans and yes/no/on/off/true/false become 1/0, as Ansible's. Required with state present. Ansible's alias: val. */
  value?: string | number | boolean;
  /** Whether the key is in the file. @default 'present' */
  state?: 'present' | 'absent';
  /** Run `sysctl -p <sysctl_file>` after a change. @default true */
  reload?: boolean;
  /** The file holding the key. @default '/etc/sysctl.conf' */
  sysctl_file?: string;
  /** Also set the running value with `sysctl -w` when it differs. @default false */
  sysctl_set?: boolean;
  /** Ignore unknown keys (`sysctl -e`). @default false */
  ignoreerrors?: boolean;
}

export const schema: JSONSchemaType<SysctlParams> = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    value: { type: ['string', 'number', 'boolean'], nullable: true } as unknown as JSONSchemaType<SysctlParams>['properties']['value'],
    state: { type: 'string', enum: ['present', 'absent'], nullable: true, default: 'present' },
    reload: { type: 'boolean', nullable: true, default: true },
    sysctl_file: { type: 'string', minLength: 1, nullable: true, default: '/etc/sysctl.conf' },
    sysctl_set: { type: 'boolean', nullable: true, default: false },
    ignoreerrors: { type: 'boolean', nullable: true, default: false },
  },
  required: ['name'],
  additionalProperties: false,
};

export function check(p: SysctlParams): ParamIssue[] {
  if (p.name.trim() === '') return [{ field: 'name', message: 'name cannot be blank' }];
  if ((p.state ?? 'present') === 'present') {
    if (p.value === undefined) return [{ field: 'value', message: 'state is present but all of the following are missing: value' }];
    if (sysctlValue(p.value) === '') return [{ field: 'value', message: 'value cannot be blank' }];
  }
  return [];
}

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const sysctlDefinition: ModuleDefinition<SysctlParams> = { name: 'sysctl', probeAhead: true, schema, check };
