/** apt_repository's parameters: what validates a call without loading the module's code (apt_repository.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../../runner/module.js';
import { repoSource } from './apt-sources.js';

export interface AptRepositoryParams {
  /** The source line, `deb [signed-by=/etc/apt/keyrings/x.asc] https://example.org/debian bookworm main`. */
  repo: string;
  /** @default 'present' */
  state?: 'present' | 'absent';
  /** Octal mode of a file a line is added to ('0644' or 0o644). @default the existing file's, else 0666 minus the umask */
  mode?: string | number;
  /** Run `apt-get update` after a change. @default true */
  update_cache?: boolean;
  /** Attempts at the update before giving up (Ansible: 0 always fails, here at least 1). @default 5 */
  update_cache_retries?: number;
  /** The longest pause between attempts, in seconds (the pause doubles from 1 s). @default 12 */
  update_cache_retry_max_delay?: number;
  /** The file's name in /etc/apt/sources.list.d, without `.list`. @default derived from the URL, as Ansible */
  filename?: string;
  /** Only used by Ansible to fetch a PPA's key: accepted, no effect. @default true */
  validate_certs?: boolean;
  /** Only used by Ansible for `ppa:` repositories (not implemented): accepted, no effect. */
  codename?: string;
  /** Ansible installs python3-apt with it; Hostwright needs no Python: accepted, no effect. @default true */
  install_python_apt?: boolean;
}

export const schema: JSONSchemaType<AptRepositoryParams> = {
  type: 'object',
  properties: {
    repo: { type: 'string' },
    state: { type: 'string', enum: ['present', 'absent'], nullable: true, default: 'present' },
    mode: { type: ['string', 'integer'], nullable: true } as never,
    update_cache: { type: 'boolean', nullable: true, default: true },
    update_cache_retries: { type: 'integer', nullable: true, minimum: 1, default: 5 },
    update_cache_retry_max_delay: { type: 'integer', nullable: true, minimum: 0, default: 12 },
    filename: { type: 'string', nullable: true, minLength: 1 },
    validate_certs: { type: 'boolean', nullable: true, default: true },
    codename: { type: 'string', nullable: true },
    install_python_apt: { type: 'boolean', nullable: true, default: true },
  },
  required: ['repo'],
  additionalProperties: false,
};

export const SOURCES_LIST = '/etc/apt/sources.list';

export const SOURCES_DIR = '/etc/apt/sources.list.d';

export function check(p: AptRepositoryParams): ParamIssue[] {
  if (p.repo.trim() === '') return [{ field: 'repo', message: "Please set argument 'repo' to a non-empty value" }];
  if (p.repo.trim().startsWith('ppa:')) {
    return [{ field: 'repo', message: 'ppa: repositories are not implemented (they need Launchpad); write the deb line with signed-by= and its key with apt_signing_key' }];
  }
  const r = repoSource(p.repo);
  if ('invalid' in r) return [{ field: 'repo', message: `Invalid repository string: ${r.invalid}` }];
  if (p.filename !== undefined && p.filename.includes('/')) return [{ field: 'filename', message: `'${p.filename}' is a name in ${SOURCES_DIR} (without .list), not a path` }];
  if (p.mode !== undefined && !(typeof p.mode === 'number' ? p.mode >= 0 && p.mode <= 0o7777 : /^[0-7]{1,4}$/.test(p.mode))) {
    return [{ field: 'mode', message: `'${p.mode}' is not an octal mode: use a string like '0644' or a number like 0o644` }];
  }
  return [];
}

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const aptRepositoryDefinition: ModuleDefinition<AptRepositoryParams> = { name: 'apt_repository', schema, check };
