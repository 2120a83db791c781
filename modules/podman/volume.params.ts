/** podman_volume's parameters: what validates a call without loading the module's code (volume.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition } from '../../runner/module.js';

export interface PodmanVolumeParams {
  name: string;
  /** @default 'present' */
  state?: 'present' | 'absent';
  /** @default 'local' */
  driver?: string;
  /** Driver options as `key=value` (`type=tmpfs`, `device=tmpfs`, `o=size=64m`). @default none */
  options?: string[];
  /** @default none */
  label?: Record<string, string>;
}

export const schema: JSONSchemaType<PodmanVolumeParams> = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, pattern: '^[a-zA-Z0-9][a-zA-Z0-9_.-]*$' },
    state: { type: 'string', enum: ['present', 'absent'], nullable: true, default: 'present' },
    driver: { type: 'string', nullable: true },
    options: { type: 'array', items: { type: 'string', pattern: '^[^=]+=' }, nullable: true },
    label: { type: 'object', additionalProperties: { type: 'string' }, required: [], nullable: true },
  },
  required: ['name'],
  additionalProperties: false,
};

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const podmanVolumeDefinition: ModuleDefinition<PodmanVolumeParams> = { name: 'podman_volume', schema };
