/** apt_signing_key's parameters: what validates a call without loading the module's code (apt_signing_key.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../../runner/module.js';

export interface AptSigningKeyParams {
  /** The key file, by convention `/etc/apt/keyrings/<name>.asc` (ASCII-armoured) or `.gpg` (binary). */
  dest: string;
  /** A URL of the key, fetched on the host. One of url, src, content for state present. */
  url?: string;
  /** A key file on the controller, relative to the playbook. */
  src?: string;
  /** The key itself (ASCII-armoured). */
  content?: string;
  /** The key's fingerprint, or its long (16) or short (8 hex digits) id: any other key is refused. */
  id?: string;
  /** @default 'present' */
  state?: 'present' | 'absent';
  /** @default '0644' */
  mode?: string | number;
  /** Check the URL's TLS certificate. @default true */
  validate_certs?: boolean;
}

export const schema: JSONSchemaType<AptSigningKeyParams> = {
  type: 'object',
  properties: {
    dest: { type: 'string', minLength: 1 },
    url: { type: 'string', nullable: true, minLength: 1 },
    src: { type: 'string', nullable: true, minLength: 1 },
    content: { type: 'string', nullable: true, minLength: 1 },
    id: { type: 'string', nullable: true, pattern: '^(0[xX])?[0-9A-Fa-f ]+$' },
    state: { type: 'string', enum: ['present', 'absent'], nullable: true, default: 'present' },
    mode: { type: ['string', 'integer'], nullable: true, default: '0644' } as never,
    validate_certs: { type: 'boolean', nullable: true, default: true },
  },
  required: ['dest'],
  additionalProperties: false,
};

export const octal = (mode: string | number): number | undefined => (typeof mode === 'number' ? (mode >= 0 && mode <= 0o7777 ? mode : undefined) : /^[0-7]{1,4}$/.test(mode) ? parseInt(mode, 8) : undefined);

export const normalId = (id: string): string => id.replace(/^0x/i, '').replace(/ /g, '').toUpperCase();

export function check(p: AptSigningKeyParams): ParamIssue[] {
  if (!p.dest.startsWith('/')) return [{ field: 'dest', message: `'${p.dest}' must be an absolute path` }];
  const sources = [p.url, p.src, p.content].filter((x) => x !== undefined).length;
  if ((p.state ?? 'present') === 'present' && sources !== 1) return [{ field: 'url', message: 'state present needs exactly one of url, src, content' }];
  if (p.mode !== undefined && octal(p.mode) === undefined) return [{ field: 'mode', message: `'${p.mode}' is not an octal mode: use a string like '0644' or a number like 0o644` }];
  if (p.id !== undefined && ![8, 16, 40].includes(normalId(p.id).length)) return [{ field: 'id', message: `'${p.id}' is not a key id: give the fingerprint (40 hex digits) or a long (16) or short (8) id` }];
  return [];
}

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const aptSigningKeyDefinition: ModuleDefinition<AptSigningKeyParams> = { name: 'apt_signing_key', schema, check };
