/** apt's parameters: what validates a call without loading the module's code (apt.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../../runner/module.js';
import { parseSpec } from './apt-parse.js';

export interface AptParams {
  /** Package names, optionally with a version (`nginx=1.22*`, a pattern on the version). */
  name?: string | string[];
  /** present: installed (any version matching); latest: installed and upgraded; absent: removed. @default 'present' */
  state?: 'present' | 'absent' | 'latest';
  /** Run apt-get update first (see cache_valid_time). @default false */
  update_cache?: boolean;
  /** Update the cache only when it is older than this many seconds (implies update_cache). @default 0 */
  cache_valid_time?: number;
  /** true/false: install recommended packages or not. @default the host's apt configuration */
  install_recommends?: boolean;
  /** state=absent: also remove configuration files (--purge). @default false */
  purge?: boolean;
  /** Remove packages nothing depends on any more (alone, or with the named packages). @default false */
  autoremove?: boolean;
  /** Allow installing a version lower than the installed one. @default false */
  allow_downgrade?: boolean;
  /** Seconds to wait for the dpkg/apt lock another process holds. @default 60 */
  lock_timeout?: number;
  /** dpkg options, comma separated, each passed as `-o Dpkg::Options::=--OPTION`. @default 'force-confdef,force-confold' */
  dpkg_options?: string;
}

export const aptSchema: JSONSchemaType<AptParams> = {
  type: 'object',
  properties: {
    name: { type: ['string', 'array'], nullable: true, items: { type: 'string', minLength: 1 } } as never,
    state: { type: 'string', enum: ['present', 'absent', 'latest'], nullable: true, default: 'present' },
    update_cache: { type: 'boolean', nullable: true, default: false },
    cache_valid_time: { type: 'integer', nullable: true, minimum: 0, default: 0 },
    install_recommends: { type: 'boolean', nullable: true },
    purge: { type: 'boolean', nullable: true, default: false },
    autoremove: { type: 'boolean', nullable: true, default: false },
    allow_downgrade: { type: 'boolean', nullable: true, default: false },
    lock_timeout: { type: 'integer', nullable: true, minimum: 0, default: 60 },
    dpkg_options: { type: 'string', nullable: true, default: 'force-confdef,force-confold', pattern: '^[A-Za-z0-9,-]+$' },
  },
  required: [],
  additionalProperties: false,
};

/** A package name apt accepts (Debian policy: lowercase, digits, + - .; an :arch qualifier). */
export const NAME = /^[a-z0-9][a-z0-9+.-]*(:[a-z0-9-]+)?$/;

export function aptIssues(p: AptParams): ParamIssue[] {
  const names = nameList(p.name);
  for (const n of names) {
    const spec = parseSpec(n);
    if (!NAME.test(spec.name)) return [{ field: 'name', message: `'${n}' is not a valid package name` }];
    if (spec.version !== undefined && (p.state === 'absent' || !/^[A-Za-z0-9.+~:*?[\]!-]+$/.test(spec.version))) {
      return [{ field: 'name', message: p.state === 'absent' ? `a version ('${n}') cannot be given with state=absent` : `'${n}' has an invalid version` }];
    }
  }
  if (names.length === 0 && !p.update_cache && !p.cache_valid_time && !p.autoremove) {
    return [{ field: 'name', message: 'one of the following is required: name, update_cache, autoremove' }];
  }
  return [];
}

export function nameList(name: AptParams['name']): string[] {
  if (name === undefined) return [];
  return (Array.isArray(name) ? name : [name]).map((n) => n.trim()).filter(Boolean);
}

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const aptDefinition: ModuleDefinition<AptParams> = { name: 'apt', schema: aptSchema, check: aptIssues };
