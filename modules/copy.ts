/**
 * copy: put a file on the host from inline `content` or a controller file `src` (relative to the
 * playbook's directory). Written atomically with mode/owner/group, optional validate and backup.
 * Differences from Ansible: `src` must be a file (no recursive directory copy), no `remote_src`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { JSONSchemaType } from 'ajv';
import { defineModule, stringOrSecretSchema, type ParamIssue } from '../runner/module.js';
import { isSecret, type Secret } from '../runner/secret.js';
import { attrIssues, fileAttrSchema, type FileAttrParams } from './_lib/attrs.js';
import { utf8Bytes } from '../runner/slices.js';
import { gatherTarget, hashAhead, sha1, type TargetState } from './_lib/target.js';
import { planContentFile } from './_lib/contentfile.js';
import { overlayGathered } from './_lib/predicted.js';

export interface CopyParams extends FileAttrParams {
  /** Remote absolute path. Ending in `/` (or an existing directory) with `src`: the file goes inside it. */
  dest: string;
  /** The file's content. A Secret is never shown in diffs or output. Required unless `src`. */
  content?: string | Secret<string>;
  /** Controller file to copy; relative paths resolve against the playbook's directory. Required unless `content`. */
  src?: string;
  /** Keep the old file as `dest.<pid>.<timestamp>~`. @default false */
  backup?: boolean;
  /** Replace the file when its content differs; false: only create it when absent. @default true */
  force?: boolean;
  /** Command run on the new file before it replaces dest; `%s` is the file's path. @default none */
  validate?: string;
  /** A symlink at dest: write its target. false: replace the link with the file (Ansible's default). @default false */
  follow?: boolean;
}

const schema: JSONSchemaType<CopyParams> = {
  type: 'object',
  properties: {
    dest: { type: 'string', minLength: 1 },
    // JSONSchemaType cannot express `string | Secret`; stringOrSecretSchema checks both.
    content: stringOrSecretSchema as never,
    src: { type: 'string', nullable: true, minLength: 1 },
    backup: { type: 'boolean', nullable: true, default: false },
    force: { type: 'boolean', nullable: true, default: true },
    validate: { type: 'string', nullable: true, pattern: '%s' },
    follow: { type: 'boolean', nullable: true, default: false },
    ...fileAttrSchema,
  },
  required: ['dest'],
  additionalProperties: false,
};

export interface CopyState {
  /** Why the task cannot run (missing src, content with a directory dest). */
  problem?: string;
  source?: Buffer;
  sourcePath?: string;
  target?: TargetState;
}

export const copy = defineModule<CopyParams, CopyState>({
  name: 'copy',
  probeAhead: true,
  schema,
  check: (p) => [...attrIssues(p), ...sourceIssues(p)],
  async gather(p, probe, ctx) {
    let source: Buffer;
    let sourcePath: string | undefined;
    if (p.src !== undefined) {
      sourcePath = path.resolve(ctx.playbookDir, p.src);
      try {
        source = await readFile(sourcePath);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        return { problem: code === 'EISDIR' ? `src ${p.src} is a directory: copy takes a file` : `Could not find or access '${p.src}' (${sourcePath})` };
      }
    } else {
      source = await utf8Bytes(isSecret(p.content) ? (p.content.reveal() as string) : (p.content ?? ''));
    }
    await hashAhead(source);
    const where = { path: destPath(p), ...(p.src !== undefined ? { intoDir: path.basename(p.src) } : {}), ...(p.follow ? { followLink: true } : {}) };
    return { source, ...(sourcePath ? { sourcePath } : {}), ...(await gatherTarget(probe, where, p, p.dest)) };
  },
  overlay: (state, predicted, p) =>
    overlayGathered(state, predicted, { path: destPath(p), ...(p.src !== undefined ? { intoDir: path.basename(p.src) } : {}), ...(p.follow ? { followLink: true } : {}) }, p),
  plan(p, state) {
    if (state.problem || !state.target || !state.source) return { changed: false, actions: [], failed: state.problem ?? 'nothing to copy' };
    return planContentFile(p, state.target, {
      content: state.source,
      secret: isSecret(p.content),
      afterHeader: state.sourcePath ?? state.target.path,
      makeParents: p.dest.endsWith('/'),
      result: { checksum: sha1(state.source), size: state.source.length, ...(state.sourcePath ? { src: state.sourcePath } : {}) },
    });
  },
});

/** A dest ending in `/` with src names the file inside that directory. */
function destPath(p: CopyParams): string {
  return p.dest.endsWith('/') && p.src !== undefined ? p.dest + path.basename(p.src) : p.dest;
}

function sourceIssues(p: CopyParams): ParamIssue[] {
  if (p.content !== undefined && p.src !== undefined) return [{ field: 'content', message: 'src and content are mutually exclusive' }];
  if (p.content === undefined && p.src === undefined) return [{ field: 'src', message: 'src (or content) is required' }];
  if (p.content !== undefined && p.dest.endsWith('/')) return [{ field: 'dest', message: 'can not use content with a dir as dest' }];
  return [];
}
