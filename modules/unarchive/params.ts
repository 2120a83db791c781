/** unarchive's parameters: what validates a call without loading the module's code (index.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../../runner/module.js';
import { attrIssues, fileAttrSchema, type FileAttrParams } from '../_lib/attrs.js';

export interface UnarchiveParams extends FileAttrParams {
  /** The archive: a controller path (relative to the playbook's directory), or with remote_src a path on the host. */
  src: string;
  /** Absolute path of an existing directory to unpack into. */
  dest: string;
  /** src is already on the host. @default false */
  remote_src?: boolean;
  /** Absolute path: when it exists, the task is skipped. @default none */
  creates?: string;
  /** Return the archive's entries as `files`. @default false */
  list_files?: boolean;
  /** Do not replace files in dest that are newer than the archive's (tar --keep-newer-files). @default false */
  keep_newer?: boolean;
  /** Entries not to unpack (tar --exclude patterns / unzip -x). Exclusive with include. @default [] */
  exclude?: string[];
  /** Only these entries are unpacked. Exclusive with exclude. @default [] */
  include?: string[];
  /** More options for tar/unzip, one word per element (`['--strip-components', '1']`). @default [] */
  extra_opts?: string[];
}

export const words = { type: 'array', items: { type: 'string' }, default: [] } as const;

export const schema = {
  type: 'object',
  properties: {
    src: { type: 'string', minLength: 1 },
    dest: { type: 'string', pattern: '^/' },
    remote_src: { type: 'boolean', default: false },
    creates: { type: 'string', pattern: '^/', nullable: true },
    list_files: { type: 'boolean', default: false },
    keep_newer: { type: 'boolean', default: false },
    exclude: words,
    include: words,
    extra_opts: words,
    ...fileAttrSchema,
  },
  required: ['src', 'dest'],
  additionalProperties: false,
} as unknown as JSONSchemaType<UnarchiveParams>;

export function checkParams(p: UnarchiveParams): ParamIssue[] {
  const issues = attrIssues(p);
  if (p.include?.length && p.exclude?.length) issues.push({ field: 'include', message: 'parameters are mutually exclusive: include|exclude' });
  if (p.src.includes('://')) issues.push({ field: 'src', message: 'a URL src is not implemented: download it with get_url, then unarchive the file' });
  return issues;
}

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const unarchiveDefinition: ModuleDefinition<UnarchiveParams> = { name: 'unarchive', schema, check: checkParams };
