/**
 * The plan shared by copy and template: write the content when it differs (force permitting),
 * else bring mode/owner/group in line. Like Ansible's copy, only a content change has a diff
 * (headers: dest before, the source after); attribute-only changes show none.
 */
import path from 'node:path';
import type { Plan } from '../../runner/module.types.js';
import type { FileAttrParams } from './attrs.js';
import { formatMode } from './mode.js';
import { newFileMode, planWrite, type TargetState } from './target.js';

export interface ContentFileParams extends FileAttrParams {
  dest: string;
  backup?: boolean;
  force?: boolean;
  validate?: string;
}

export interface ContentFileInput {
  content: Buffer;
  secret: boolean;
  afterHeader: string;
  /** dest ended in `/`: create the directory (Ansible's copy does). */
  makeParents: boolean;
  result: Record<string, unknown>;
}

export function planContentFile(p: ContentFileParams, target: TargetState, input: ContentFileInput): Plan {
  const result: Record<string, unknown> = { dest: target.path, ...input.result };
  if (target.info?.type === 'directory') {
    return { changed: false, actions: [], failed: `${target.path} is a directory`, result };
  }
  if (target.info && p.force === false) {
    return { changed: false, actions: [], summary: 'file already exists', result };
  }
  if (!target.parentExists && !input.makeParents) {
    return { changed: false, actions: [], failed: `Destination directory ${path.posix.dirname(target.path)} does not exist`, result };
  }
  const w = planWrite(target, {
    ...p,
    content: input.content,
    secret: input.secret,
    beforeHeader: target.path,
    afterHeader: input.afterHeader,
    makeParents: input.makeParents,
  });
  if (w.failed) return { changed: false, actions: [], failed: w.failed, result };
  const mode = target.info
    ? formatMode((w.attrs?.after.mode !== undefined ? parseInt(String(w.attrs.after.mode), 8) : target.info.mode))
    : newFileMode(target, p.mode);
  return {
    changed: w.actions.length > 0,
    actions: w.actions,
    ...(w.diff ? { diffs: [w.diff] } : {}),
    result: { ...result, mode, state: 'file' },
    ...(w.effects ? { effects: w.effects } : {}),
  };
}
