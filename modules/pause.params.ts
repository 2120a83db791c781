/** pause's parameters: what validates a call without loading the module's code (pause.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition } from '../runner/module.js';

export interface PauseParams {
  /** Minutes to wait. Exclusive with `seconds`. @default none */
  minutes?: number;
  /** Seconds to wait (at least 1, as Ansible). Exclusive with `minutes`. @default none */
  seconds?: number;
  /** Text shown when asking for input; without a duration, the pause waits for Enter. @default none */
  prompt?: string;
  /** Echo what is typed at the prompt. @default true */
  echo?: boolean;
}

export const schema: JSONSchemaType<PauseParams> = {
  type: 'object',
  properties: {
    minutes: { type: 'number', nullable: true, minimum: 0 },
    seconds: { type: 'number', nullable: true, minimum: 0 },
    prompt: { type: 'string', nullable: true },
    echo: { type: 'boolean', nullable: true, default: true },
  },
  required: [],
  additionalProperties: false,
};

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const pauseDefinition: ModuleDefinition<PauseParams> = { name: 'pause', schema, bypassHostLoop: true, check: (p) => (p.minutes !== undefined && p.seconds !== undefined ? [{ field: '', message: 'parameters are mutually exclusive: minutes|seconds' }] : []) };
