/** podman_prune's parameters: what validates a call without loading the module's code (prune.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition } from '../../runner/module.js';

export interface PodmanPruneParams {
  /** Prune images. @default true */
  image?: boolean;
  image_filters?: {
    /** Only dangling images (untagged); the only mode supported. @default true */
    dangling_only?: true;
    /** Only images with this label (`key` or `key=value`). @default any */
    label?: string;
  };
}

export const schema: JSONSchemaType<PodmanPruneParams> = {
  type: 'object',
  properties: {
    image: { type: 'boolean', nullable: true, default: true },
    image_filters: {
      type: 'object',
      properties: {
        dangling_only: { type: 'boolean', const: true, nullable: true } as never,
        label: { type: 'string', nullable: true },
      },
      required: [],
      additionalProperties: false,
      nullable: true,
    },
  },
  required: [],
  additionalProperties: false,
};

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const podmanPruneDefinition: ModuleDefinition<PodmanPruneParams> = { name: 'podman_prune', schema };
