/** git_publish's parameters: what validates a call without loading the module's code (git_publish.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition } from '../runner/module.js';

export interface GitPublishParams {
  /** The directory on the controller (relative paths: to the playbook's directory). */
  src: string;
  /** The repository's path on the host; made (bare) when missing. */
  repo: string;
  /** The branch the commit goes on; the repository's HEAD names it. @default 'main' */
  branch?: string;
  /** The commit message. @default 'published by Hostwright' */
  message?: string;
}

export const schema: JSONSchemaType<GitPublishParams> = {
  type: 'object',
  properties: {
    src: { type: 'string', minLength: 1 },
    repo: { type: 'string', minLength: 2, pattern: '^/' },
    branch: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]*$', nullable: true, default: 'main' },
    message: { type: 'string', minLength: 1, nullable: true, default: 'published by Hostwright' },
  },
  required: ['src', 'repo'],
  additionalProperties: false,
};

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const gitPublishDefinition: ModuleDefinition<GitPublishParams> = { name: 'git_publish', schema };
