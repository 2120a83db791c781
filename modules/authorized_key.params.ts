/** authorized_key's parameters: what validates a call without loading the module's code (authorized_key.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../runner/module.js';
import { parseKey } from './_lib/sshkeys.js';

export interface AuthorizedKeyParams {
  /** The account whose keys these are (it must exist). */
  user: string;
  /** One key line, several (one per line), or a list of key lines. */
  key: string | string[];
  /** @default 'present' */
  state?: 'present' | 'absent';
  /** The authorized_keys file. @default ~USER/.ssh/authorized_keys */
  path?: string;
  /** Create the file's directory (0700, owned by the user) when writing. @default true */
  manage_dir?: boolean;
  /** Options put in front of every key (`no-pty,from="10.0.0.0/8"`). @default the key's own */
  key_options?: string;
  /** Remove every other key from the file (state=present). @default false */
  exclusive?: boolean;
  /** The comment of the keys. @default the key's own */
  comment?: string;
}

export const schema: JSONSchemaType<AuthorizedKeyParams> = {
  type: 'object',
  properties: {
    user: { type: 'string', minLength: 1 },
    key: { type: ['string', 'array'], items: { type: 'string' }, minLength: 1 } as never,
    state: { type: 'string', enum: ['present', 'absent'], nullable: true, default: 'present' },
    path: { type: 'string', nullable: true, pattern: '^/' },
    manage_dir: { type: 'boolean', nullable: true, default: true },
    key_options: { type: 'string', nullable: true },
    exclusive: { type: 'boolean', nullable: true, default: false },
    comment: { type: 'string', nullable: true },
  },
  required: ['user', 'key'],
  additionalProperties: false,
};

/** The key lines of the `key` parameter (blank and `#` lines dropped, as Ansible does). */
export function keyLines(key: AuthorizedKeyParams['key']): string[] {
  const text = Array.isArray(key) ? key.join('\n') : key;
  return text.split(/\r\n|\r|\n/).filter((l) => l && !l.startsWith('#'));
}

export function check(p: AuthorizedKeyParams): ParamIssue[] {
  for (const line of keyLines(p.key)) {
    if (!parseKey(line, 0)) return [{ field: 'key', message: `invalid key specified: ${line}` }];
  }
  return keyLines(p.key).length === 0 ? [{ field: 'key', message: 'no key given' }] : [];
}

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const authorizedKeyDefinition: ModuleDefinition<AuthorizedKeyParams> = { name: 'authorized_key', probeAhead: true, schema, check };
