/** group's parameters: what validates a call without loading the module's code (group.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition } from '../runner/module.js';

export interface GroupParams {
  name: string;
  /** The group id. @default chosen by groupadd (unchanged for an existing group) */
  gid?: number;
  /** A system group (groupadd -r). Only used when creating. @default false */
  system?: boolean;
  /** @default 'present' */
  state?: 'present' | 'absent';
  /** Allow a gid that another group has (groupadd/groupmod -o). @default false */
  non_unique?: boolean;
}

export const schema: JSONSchemaType<GroupParams> = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, pattern: '^[^:\\s,]+$' },
    gid: { type: 'integer', nullable: true, minimum: 0 },
    system: { type: 'boolean', nullable: true, default: false },
    state: { type: 'string', enum: ['present', 'absent'], nullable: true, default: 'present' },
    non_unique: { type: 'boolean', nullable: true, default: false },
  },
  required: ['name'],
  additionalProperties: false,
};

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const groupDefinition: ModuleDefinition<GroupParams> = { name: 'group', probeAhead: true, schema };
