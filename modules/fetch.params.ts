/** fetch's parameters: what validates a call without loading the module's code (fetch.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition } from '../runner/module.js';

export interface FetchParams {
  /** The file on the host (not a directory). */
  src: string;
  /** Controller directory (or, with flat, file path); relative to the playbook's directory. */
  dest: string;
  /** Put the file at dest itself instead of dest/<host>/<src>. @default false */
  flat?: boolean;
  /** A missing src fails the task; false: ok with a message. @default true */
  fail_on_missing?: boolean;
  /** Verify the copy against the host's checksum (always done by the transfer). @default true */
  validate_checksum?: boolean;
}

export const schema: JSONSchemaType<FetchParams> = {
  type: 'object',
  properties: {
    src: { type: 'string', minLength: 1 },
    dest: { type: 'string', minLength: 1 },
    flat: { type: 'boolean', nullable: true, default: false },
    fail_on_missing: { type: 'boolean', nullable: true, default: true },
    validate_checksum: { type: 'boolean', nullable: true, default: true },
  },
  required: ['src', 'dest'],
  additionalProperties: false,
};

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const fetchDefinition: ModuleDefinition<FetchParams> = { name: 'fetch', schema, checkModeSkip: 'check mode not (yet) supported for this module' };
