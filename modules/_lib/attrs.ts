/**
 * mode/owner/group ("file common args") shared by file, copy, template, lineinfile, blockinfile:
 * the JSON schema parts, and the planning of chmod/chown on an existing path with Ansible's diff
 * keys (mode as '0644', owner/group as uid/gid numbers, as Ansible's set_*_if_different report).
 */
import type { RunAction } from '../../runner/module.types.js';
import { sh } from '../../runner/shell.js';
import type { ParamIssue } from '../../runner/module.js';
import { formatMode, modeIssue, resolveMode, type ModeParam } from './mode.js';
import type { FileInfo } from './probe.js';

export interface FileAttrParams {
  /** Permissions: octal string ('0644'), number (0o644) or symbolic ('u=rw,g=r,o=r'). @default unchanged (new files: 0666 minus umask) */
  mode?: ModeParam;
  /** Owner name or uid. @default unchanged (new files: the remote user) */
  owner?: string;
  /** Group name or gid. @default unchanged (new files: the remote user's group) */
  group?: string;
}

/** Schema properties for FileAttrParams; spread into a module's `properties`. */
export const fileAttrSchema = {
  mode: { type: ['string', 'integer'], nullable: true },
  owner: { type: 'string', nullable: true },
  group: { type: 'string', nullable: true },
} as const;

/** Checks what the schema cannot: the mode's syntax. */
export function attrIssues(p: FileAttrParams): ParamIssue[] {
  const msg = p.mode === undefined ? undefined : modeIssue(p.mode);
  return msg ? [{ field: 'mode', message: msg }] : [];
}

export interface AttrPlan {
  /** Ansible's diff dicts: only the keys that change. */
  before: Record<string, string | number>;
  after: Record<string, string | number>;
  actions: RunAction[];
  /** Lookup failure (unknown user or group): the task fails. */
  failed?: string;
}

export interface Ids {
  uid?: number | null;
  gid?: number | null;
}

/** Plans chmod/chown so `info` (the path as it is) gets `params`' attributes. */
export function planAttrs(path: string, info: FileInfo, params: FileAttrParams, ids: Ids, follow = true): AttrPlan {
  const plan: AttrPlan = { before: {}, after: {}, actions: [] };
  const h = follow ? '' : '-h ';
  if (params.owner !== undefined) {
    if (ids.uid === null || ids.uid === undefined) return { ...plan, failed: `chown failed: failed to look up user ${params.owner}` };
    if (ids.uid !== info.uid) {
      plan.before.owner = info.uid;
      plan.after.owner = ids.uid;
    }
  }
  if (params.group !== undefined) {
    if (ids.gid === null || ids.gid === undefined) return { ...plan, failed: `chgrp failed: failed to look up group ${params.group}` };
    if (ids.gid !== info.gid) {
      plan.before.group = info.gid;
      plan.after.group = ids.gid;
    }
  }
  if ('owner' in plan.after || 'group' in plan.after) {
    const spec = `${'owner' in plan.after ? params.owner : ''}${'group' in plan.after ? `:${params.group}` : ''}`;
    plan.actions.push({ kind: 'run', script: `chown ${h}${sh`${spec} -- ${path}`}`, describe: `chown ${spec} ${path}` });
  }
  // chmod on a symlink changes its target; Ansible skips link modes where lchmod is missing (Linux).
  if (params.mode !== undefined && !(info.type === 'link' && !follow)) {
    const want = resolveMode(params.mode, info.mode, info.type === 'directory');
    if (want !== info.mode) {
      plan.before.mode = formatMode(info.mode);
      plan.after.mode = formatMode(want);
      plan.actions.push({ kind: 'run', script: sh`chmod ${want.toString(8).padStart(4, '0')} -- ${path}`, describe: `chmod ${formatMode(want)} ${path}` });
    }
  }
  return plan;
}

/** Ansible's callback turns dict diffs into sorted, 4-space indented JSON plus a newline. */
export function serializeDiffDict(dict: Record<string, unknown>): string {
  const sorted = Object.fromEntries(Object.keys(dict).sort().map((k) => [k, dict[k]]));
  return JSON.stringify(sorted, null, 4) + '\n';
}
