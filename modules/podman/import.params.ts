/** podman_import's parameters: what validates a call without loading the module's code (import.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition } from '../../runner/module.js';

export interface PodmanImportParams {
  /** The tarball on the host (tar, optionally compressed). */
  src: string;
  /** The image's name (`localhost/base:latest`). */
  repository: string;
  /** Dockerfile instructions applied to the image (`CMD ["/bin/sh"]`, `ENV A=b`). @default none */
  change?: string[];
}

export const schema: JSONSchemaType<PodmanImportParams> = {
  type: 'object',
  properties: {
    src: { type: 'string', pattern: '^/' },
    repository: { type: 'string', minLength: 1 },
    change: { type: 'array', items: { type: 'string' }, nullable: true },
  },
  required: ['src', 'repository'],
  additionalProperties: false,
};

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const podmanImportDefinition: ModuleDefinition<PodmanImportParams> = { name: 'podman_import', schema };
