/** deb822_repository's parameters: what validates a call without loading the module's code (deb822_repository.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../../runner/module.js';

export type List = string | string[];

export interface Deb822RepositoryParams {
  /** The repository's name: `X-Repolib-Name`, and (as a slug) the names of its files. */
  name: string;
  /** deb and/or deb-src. @default ['deb'] */
  types?: List;
  /** Base URIs of the archive. */
  uris?: List;
  /** Suites (`bookworm`), or an exact path ending in `/` (then no components). */
  suites?: List;
  components?: List;
  /** A key URL (fetched on the host into /etc/apt/keyrings), a keyring path, fingerprints, or an inline ASCII-armoured key. */
  signed_by?: string;
  architectures?: List;
  /** Whether apt uses the source. */
  enabled?: boolean;
  /** Trust the source without signatures (`Trusted: yes`). */
  trusted?: boolean;
  allow_downgrade_to_insecure?: boolean;
  allow_insecure?: boolean;
  allow_weak?: boolean;
  by_hash?: boolean;
  check_date?: boolean;
  check_valid_until?: boolean;
  date_max_future?: number;
  inrelease_path?: string;
  languages?: List;
  pdiffs?: boolean;
  targets?: List;
  /** Mode of the .sources file. @default '0644' */
  mode?: string | number;
  /** @default 'present' */
  state?: 'present' | 'absent';
  /** Ansible installs python3-debian with it; Hostwright needs no Python: accepted, no effect. @default true */
  install_python_debian?: boolean;
}

export const list = { type: ['string', 'array'], nullable: true, items: { type: 'string' } } as never;

export const bool = { type: 'boolean', nullable: true } as const;

export const schema: JSONSchemaType<Deb822RepositoryParams> = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1 },
    types: { ...(list as object), default: ['deb'] } as never,
    uris: list,
    suites: list,
    components: list,
    signed_by: { type: 'string', nullable: true },
    architectures: list,
    enabled: bool,
    trusted: bool,
    allow_downgrade_to_insecure: bool,
    allow_insecure: bool,
    allow_weak: bool,
    by_hash: bool,
    check_date: bool,
    check_valid_until: bool,
    date_max_future: { type: 'integer', nullable: true },
    inrelease_path: { type: 'string', nullable: true },
    languages: list,
    pdiffs: bool,
    targets: list,
    mode: { type: ['string', 'integer'], nullable: true, default: '0644' } as never,
    state: { type: 'string', enum: ['present', 'absent'], nullable: true, default: 'present' },
    install_python_debian: { type: 'boolean', nullable: true, default: true },
  },
  required: ['name'],
  additionalProperties: false,
};

/** Ansible's list type: a string is split on commas. */
export const asList = (v: List): string[] => (Array.isArray(v) ? v : v.split(',').map((x) => x.trim()));

export const octal = (mode: string | number): number | undefined => (typeof mode === 'number' ? (mode >= 0 && mode <= 0o7777 ? mode : undefined) : /^[0-7]{1,4}$/.test(mode) ? parseInt(mode, 8) : undefined);

export function check(p: Deb822RepositoryParams): ParamIssue[] {
  const bad = p.types !== undefined ? asList(p.types).find((t) => t !== 'deb' && t !== 'deb-src') : undefined;
  if (bad !== undefined) return [{ field: 'types', message: `value of types must be one or more of: deb, deb-src. Got no match for: ${bad}` }];
  if (p.mode !== undefined && octal(p.mode) === undefined) return [{ field: 'mode', message: `'${p.mode}' is not an octal mode: use a string like '0644' or a number like 0o644` }];
  if (slug(p.name) === '') return [{ field: 'name', message: `'${p.name}' gives an empty file name (letters, digits and - are kept)` }];
  return [];
}

/** Ansible's slug of the name: lower case, `_` and whitespace runs to `-`, anything but [a-z0-9-] dropped. */
export function slug(name: string): string {
  return name.toLowerCase().replace(/[_\s]+/g, '-').replace(/[^a-z0-9-]+/g, '');
}

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const deb822RepositoryDefinition: ModuleDefinition<Deb822RepositoryParams> = { name: 'deb822_repository', schema, check };
