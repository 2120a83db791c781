/** get_url's parameters: what validates a call without loading the module's code (get_url.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition } from '../runner/module.js';
import { attrIssues, fileAttrSchema, type FileAttrParams } from './_lib/attrs.js';

export interface GetUrlParams extends FileAttrParams {
  /** http, https (or ftp) URL, downloaded from the host. */
  url: string;
  /** Absolute path of the file to write. */
  dest: string;
  /** `<algorithm>:<hex digest>` the file must have, e.g. 'sha256:9f86d0...'. @default none */
  checksum?: string;
  /** Download even when dest exists (it is replaced only if the content differs). @default false */
  force?: boolean;
  /** Seconds for the request. @default 10 */
  timeout?: number;
  /** Request headers. @default {} */
  headers?: Record<string, string>;
  /** Check the server's TLS certificate. @default true */
  validate_certs?: boolean;
}

export const schema = {
  type: 'object',
  properties: {
    url: { type: 'string', pattern: '^([Hh][Tt][Tt][Pp][Ss]?|[Ff][Tt][Pp])://' },
    dest: { type: 'string', pattern: '^/.*[^/]$' },
    checksum: { type: 'string', pattern: '^(md5|sha1|sha224|sha256|sha384|sha512):[0-9a-fA-F]+$' },
    force: { type: 'boolean', default: false },
    timeout: { type: 'integer', minimum: 1, default: 10 },
    headers: { type: 'object', additionalProperties: { type: 'string' }, required: [], default: {} },
    validate_certs: { type: 'boolean', default: true },
    ...fileAttrSchema,
  },
  required: ['url', 'dest'],
  additionalProperties: false,
} as unknown as JSONSchemaType<GetUrlParams>;

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const getUrlDefinition: ModuleDefinition<GetUrlParams> = { name: 'get_url', schema, check: attrIssues };
