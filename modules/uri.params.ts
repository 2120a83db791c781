/** uri's parameters: what validates a call without loading the module's code (uri.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition } from '../runner/module.js';

export interface UriParams {
  /** http:// or https:// URL, requested from the host. */
  url: string;
  /** An uppercase HTTP method. @default 'GET' */
  method?: string;
  /** Request body: a string, or any JSON value with body_format json / form-urlencoded. @default none */
  body?: unknown;
  /** How `body` is encoded; json and form-urlencoded also set Content-Type unless given. @default 'raw' */
  body_format?: 'raw' | 'json' | 'form-urlencoded';
  /** Request headers. @default {} */
  headers?: Record<string, string>;
  /** Statuses that count as success. @default [200] */
  status_code?: number | number[];
  /** Put the body in the result as `content`. @default false */
  return_content?: boolean;
  /** Check the server's TLS certificate. @default true */
  validate_certs?: boolean;
  /** Seconds for the whole request. @default 30 */
  timeout?: number;
  /**
   * Which redirects to follow: 'safe' (GET and HEAD only), 'all'/'yes', 'none'/'no'; 'urllib2'
   * behaves like 'safe'. @default 'safe'
   */
  follow_redirects?: 'all' | 'yes' | 'safe' | 'urllib2' | 'none' | 'no';
}

export const schema = {
  type: 'object',
  properties: {
    url: { type: 'string', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://' },
    method: { type: 'string', pattern: '^[A-Z]+$', default: 'GET' },
    body: {},
    body_format: { type: 'string', enum: ['raw', 'json', 'form-urlencoded'], default: 'raw' },
    headers: { type: 'object', additionalProperties: { type: 'string' }, required: [], default: {} },
    status_code: { anyOf: [{ type: 'integer' }, { type: 'array', items: { type: 'integer' }, minItems: 1 }], default: [200] },
    return_content: { type: 'boolean', default: false },
    validate_certs: { type: 'boolean', default: true },
    timeout: { type: 'integer', minimum: 1, default: 30 },
    follow_redirects: { type: 'string', enum: ['all', 'yes', 'safe', 'urllib2', 'none', 'no'], default: 'safe' },
  },
  required: ['url'],
  additionalProperties: false,
} as unknown as JSONSchemaType<UriParams>;

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const uriDefinition: ModuleDefinition<UriParams> = { name: 'uri', schema, checkModeSkip: 'remote module (ansible.legacy.uri) does not support check mode' };
