/** deploy's parameters: what validates a call without loading the module's code (deploy.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../runner/module.js';
import type { GitSshOptions } from './_lib/git.js';
import { gitSshIssues, gitSshSchema } from './_lib/git-ssh.params.js';

export interface DeployParams extends GitSshOptions {
  /** The application's directory (Capistrano's deploy_to). */
  path: string;
  /** URL or path of the repository (state present). */
  repo: string;
  /** A branch, a tag or a full commit id to deploy. @default 'HEAD' */
  version?: string;
  /** The release's directory name under releases/. @default the commit's first 12 hex digits */
  release?: string;
  /** present: deploy `version`; rollback: make an earlier release live again. @default 'present' */
  state?: 'present' | 'rollback';
  /** With rollback: how many releases back from the live one. @default 1 */
  steps?: number;
  /** Releases kept after a deploy (older ones are removed, the live one never). @default 5 */
  keep_releases?: number;
  /** Name of the remote in each release's checkout. @default 'origin' */
  remote?: string;
  /** Shallow checkouts with this many commits. @default full history */
  depth?: number;
  /** umask for the checkout. @default the login's */
  umask?: string;
}

export const schema: JSONSchemaType<DeployParams> = {
  type: 'object',
  properties: {
    path: { type: 'string', minLength: 1, pattern: '^/' },
    repo: { type: 'string', minLength: 1, pattern: '^[^-]' },
    version: { type: 'string', minLength: 1, nullable: true, default: 'HEAD' },
    release: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', nullable: true },
    state: { type: 'string', enum: ['present', 'rollback'], nullable: true, default: 'present' },
    steps: { type: 'integer', minimum: 1, nullable: true, default: 1 },
    keep_releases: { type: 'integer', minimum: 1, nullable: true, default: 5 },
    remote: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', nullable: true, default: 'origin' },
    depth: { type: 'integer', minimum: 1, nullable: true },
    umask: { type: 'string', pattern: '^[0-7]{3,4}$', nullable: true },
    ...gitSshSchema,
  },
  required: ['path', 'repo'],
  additionalProperties: false,
};

export function check(p: DeployParams): ParamIssue[] {
  return gitSshIssues(p);
}

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const deployDefinition: ModuleDefinition<DeployParams> = { name: 'deploy', schema, check };
