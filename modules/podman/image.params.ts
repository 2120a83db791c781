/** podman_image's parameters: what validates a call without loading the module's code (image.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../../runner/module.js';

export interface PodmanImageParams {
  /** Image name, with or without a tag (`localhost/app`, `registry:5000/web:1.2`). */
  name: string;
  /** Tag, when `name` has none. @default 'latest' */
  tag?: string;
  /** present: pulled, or built when `path` is given; absent: removed. @default 'present' */
  state?: 'present' | 'absent' | 'build';
  /** Build context directory on the host; the image is built from it (rebuilt when its content changes). */
  path?: string;
  build?: {
    /** Containerfile, relative to `path` or absolute. @default podman's (Containerfile or Dockerfile in path) */
    file?: string;
    /** --build-arg values. @default none */
    build_args?: Record<string, string>;
  };
  /** Pull when the image is not on the host (present without path). @default true */
  pull?: boolean;
  /** Pull again (present), rebuild (build) or remove in use (absent): not idempotent. @default false */
  force?: boolean;
  /** Verify the registry's TLS certificate when pulling. @default true */
  validate_certs?: boolean;
}

export const schema: JSONSchemaType<PodmanImageParams> = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1 },
    tag: { type: 'string', nullable: true },
    state: { type: 'string', enum: ['present', 'absent', 'build'], nullable: true, default: 'present' },
    path: { type: 'string', nullable: true },
    build: {
      type: 'object',
      properties: {
        file: { type: 'string', nullable: true },
        build_args: { type: 'object', additionalProperties: { type: 'string' }, required: [], nullable: true },
      },
      required: [],
      additionalProperties: false,
      nullable: true,
    },
    pull: { type: 'boolean', nullable: true, default: true },
    force: { type: 'boolean', nullable: true, default: false },
    validate_certs: { type: 'boolean', nullable: true, default: true },
  },
  required: ['name'],
  additionalProperties: false,
};

export function check(p: PodmanImageParams): ParamIssue[] {
  if (p.state === 'build' && p.path === undefined) return [{ field: 'path', message: 'is required for state build' }];
  if (p.path !== undefined && !p.path.startsWith('/')) return [{ field: 'path', message: 'must be an absolute path on the host' }];
  return [];
}

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const podmanImageDefinition: ModuleDefinition<PodmanImageParams> = { name: 'podman_image', schema, check };
