/** git's parameters: what validates a call without loading the module's code (git.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../runner/module.js';
import type { GitSshOptions } from './_lib/git.js';
import { gitSshIssues, gitSshSchema } from './_lib/git-ssh.params.js';

export interface GitParams extends GitSshOptions {
  /** URL or path of the repository (an absolute path becomes a file:// URL). */
  repo: string;
  /** Where the checkout goes (required unless clone is false). */
  dest: string;
  /** A branch, a tag or a commit id; HEAD is the remote's default branch. @default 'HEAD' */
  version?: string;
  /** Name of the remote. @default 'origin' */
  remote?: string;
  /** Shallow clone/fetch with this many commits of history. @default full history */
  depth?: number;
  /** Clone only the history leading to `version`'s branch or tag. @default false */
  single_branch?: boolean;
  /** Discard local modifications to tracked files; without it they make the task fail. @default false */
  force?: boolean;
  /** Move an existing checkout to `version`; false only reports it. @default true */
  update?: boolean;
  /** Clone when dest has no checkout; false only reports the remote's commit. @default true */
  clone?: boolean;
  /** umask for the clone and checkout, an octal string like '0022'. @default the login's */
  umask?: string;
}

export const schema: JSONSchemaType<GitParams> = {
  type: 'object',
  properties: {
    repo: { type: 'string', minLength: 1, pattern: '^[^-]' },
    dest: { type: 'string', minLength: 1 },
    version: { type: 'string', minLength: 1, nullable: true, default: 'HEAD' },
    remote: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', nullable: true, default: 'origin' },
    depth: { type: 'integer', minimum: 1, nullable: true },
    single_branch: { type: 'boolean', nullable: true, default: false },
    force: { type: 'boolean', nullable: true, default: false },
    update: { type: 'boolean', nullable: true, default: true },
    clone: { type: 'boolean', nullable: true, default: true },
    umask: { type: 'string', pattern: '^[0-7]{3,4}$', nullable: true },
    ...gitSshSchema,
  },
  required: ['repo', 'dest'],
  additionalProperties: false,
};

export function check(p: GitParams): ParamIssue[] {
  return gitSshIssues(p);
}

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const gitDefinition: ModuleDefinition<GitParams> = { name: 'git', schema, check };
