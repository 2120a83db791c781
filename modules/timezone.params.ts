/** timezone's parameters: what validates a call without loading the module's code (timezone.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../runner/module.js';

export interface TimezoneParams {
  /** The zone for the system clock (a name under /usr/share/zoneinfo, e.g. 'Europe/Berlin'). @default unchanged */
  name?: string;
  /** Whether the hardware clock is in UTC or local time (Ansible's alias: rtc). @default unchanged */
  hwclock?: 'local' | 'UTC';
}

export const schema: JSONSchemaType<TimezoneParams> = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, nullable: true },
    hwclock: { type: 'string', enum: ['local', 'UTC'], nullable: true },
  },
  required: [],
  additionalProperties: false,
};

export function check(p: TimezoneParams): ParamIssue[] {
  return p.name === undefined && p.hwclock === undefined ? [{ field: '', message: 'one of the following is required: hwclock, name' }] : [];
}

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const timezoneDefinition: ModuleDefinition<TimezoneParams> = { name: 'timezone', probeAhead: true, schema, check };
