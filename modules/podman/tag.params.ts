/** podman_tag's parameters: what validates a call without loading the module's code (tag.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition } from '../../runner/module.js';

export interface PodmanTagParams {
  /** The image to tag (name or ID). */
  image: string;
  /** The names it gets. */
  target_names: string[];
}

export const schema: JSONSchemaType<PodmanTagParams> = {
  type: 'object',
  properties: {
    image: { type: 'string', minLength: 1 },
    target_names: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
  },
  required: ['image', 'target_names'],
  additionalProperties: false,
};

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const podmanTagDefinition: ModuleDefinition<PodmanTagParams> = { name: 'podman_tag', schema };
