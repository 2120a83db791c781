/**
 * The SSH parameters git and deploy share (GitSshOptions in ./git.ts): their schema and the check
 * a schema cannot express. Kept apart from git.ts so the modules barrel validates a call without
 * loading the git code (lazyModule).
 */
import type { ParamIssue } from '../../runner/module.js';
import type { GitSshOptions } from './git.js';

export const gitSshSchema = {
  key_file: { type: 'string', minLength: 1, nullable: true },
  accept_hostkey: { type: 'boolean', nullable: true, default: false },
  accept_newhostkey: { type: 'boolean', nullable: true, default: false },
  ssh_opts: { type: 'string', nullable: true },
} as const;

/** Ansible's git: accept_hostkey and accept_newhostkey are mutually exclusive. */
export function gitSshIssues(p: GitSshOptions): ParamIssue[] {
  if (p.accept_hostkey && p.accept_newhostkey) {
    return [{ field: 'accept_newhostkey', message: 'parameters are mutually exclusive: accept_hostkey|accept_newhostkey' }];
  }
  return [];
}
