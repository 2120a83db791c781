/**
 * Check-mode prediction for the modules that manage files (file, copy, template, lineinfile,
 * blockinfile, stat, command's creates/removes): how a gathered FileInfo / TargetState looks once
 * the earlier tasks' predicted effects are laid over it, and the effects a content write declares.
 * The contract is in runner/module.types.ts (Effect, Predicted); the store in runner/predict.ts.
 */
import path from 'node:path';
import type { PathEffect, PathPrediction, Predicted } from '../../runner/module.types.js';
import type { AttrPlan, FileAttrParams, Ids } from './attrs.js';
import type { FileInfo, FileType } from './probe.js';
import type { TargetGathered, TargetState } from './target.js';

const TYPE_OF: Record<Exclude<PathEffect['state'], 'absent' | 'exists'>, FileType> = {
  file: 'file',
  directory: 'directory',
  link: 'link',
  hard: 'file',
};

/**
 * The path's FileInfo as predicted (undefined: predicted absent), or the observed one when nothing
 * was predicted. An unknown path, or an attribute a new path's plan would need and nobody can
 * tell, makes the task depend on the earlier one. `needOwner`: the plan compares uid/gid.
 */
export function overlayInfo(observed: FileInfo | undefined, pred: PathPrediction | undefined, predicted: Predicted, needOwner: boolean): FileInfo | undefined {
  if (!pred) return observed;
  if (pred.state === 'unknown' || pred.state === 'exists') return predicted.unpredictable(pred.by, `${pred.path} is not known before it runs`);
  if (pred.state === 'absent') return undefined;
  const type = TYPE_OF[pred.state];
  const fresh = pred.created || !observed || observed.type !== type;
  const base: FileInfo | undefined = fresh ? undefined : observed;
  const uid = pred.uid ?? base?.uid ?? predicted.creator?.uid;
  const gid = pred.gid ?? base?.gid ?? predicted.creator?.gid;
  if (needOwner && (uid === undefined || gid === undefined)) predicted.unpredictable(pred.by, `the owner of ${pred.path} is not known before it runs`);
  const mode = pred.mode ?? base?.mode;
  if (mode === undefined) return predicted.unpredictable(pred.by, `the mode of ${pred.path} is not known before it runs`);
  const info: FileInfo = {
    type,
    mode,
    owner: pred.owner ?? base?.owner ?? (uid === 0 ? 'root' : ''),
    group: pred.group ?? base?.group ?? (gid === 0 ? 'root' : ''),
    uid: uid ?? -1,
    gid: gid ?? -1,
    size: pred.content?.length ?? base?.size ?? 0,
    mtime: base?.mtime ?? 0,
    nlink: pred.state === 'hard' ? 2 : (base?.nlink ?? 1),
    inode: base?.inode ?? 0,
  };
  const target = pred.src ?? base?.linkTarget;
  if (type === 'link' && target !== undefined) info.linkTarget = target;
  return info;
}

/** Whether `dir` exists as predicted (a directory), else as observed. */
export function overlayDirExists(observed: boolean, dir: string, predicted: Predicted): boolean {
  const pred = predicted.path(dir);
  if (!pred) return observed;
  if (pred.state === 'unknown') return predicted.unpredictable(pred.by, `whether ${dir} exists is not known before it runs`);
  return pred.state === 'directory';
}

/**
 * uid/gid for owner/group names the host does not have yet but an earlier task would create
 * (user, group effects; a user's primary group of the same name). `existing`: the path exists,
 * so the number would show in the diff and must be known.
 */
export function overlayIds(ids: Ids, attrs: Pick<FileAttrParams, 'owner' | 'group'>, predicted: Predicted, existing: boolean): Ids {
  const out: Ids = { ...ids };
  if (attrs.owner !== undefined && !/^\d+$/.test(attrs.owner)) {
    const u = predicted.user(attrs.owner);
    if (u) out.uid = u.state === 'absent' ? null : (u.uid ?? (existing ? predicted.unpredictable(u.by, `the uid of ${attrs.owner} is not known before it runs`) : -1));
  }
  if (attrs.group !== undefined && !/^\d+$/.test(attrs.group)) {
    const g = predicted.group(attrs.group);
    const u = predicted.user(attrs.group);
    if (g) out.gid = g.state === 'absent' ? null : (g.gid ?? (existing ? predicted.unpredictable(g.by, `the gid of ${attrs.group} is not known before it runs`) : -1));
    else if (u && u.state === 'present' && (u.group === undefined || u.group === attrs.group) && out.gid == null) {
      out.gid = u.gid ?? (existing ? predicted.unpredictable(u.by, `the gid of ${attrs.group} is not known before it runs`) : -1);
    }
  }
  return out;
}

export interface TargetWhere {
  /** The path the module was given (before the directory and symlink rules). */
  path: string;
  intoDir?: string;
  followLink?: boolean;
}

/**
 * A content module's gathered target (copy, template, lineinfile, blockinfile) as the earlier
 * tasks would leave it: which path is managed, whether and how it exists, its content, its
 * parent directory, and the ids of owner/group names.
 */
export function overlayTarget(t: TargetState, predicted: Predicted, where: TargetWhere, attrs: Pick<FileAttrParams, 'owner' | 'group'>): TargetState {
  let managed = t.path;
  // Which earlier task sent us to another path than the one observed (copy into a directory it
  // creates, a symlink it makes): that path was not observed, so it must be predicted.
  let redirectedBy: string | undefined;
  const given = predicted.path(where.path);
  if (given) {
    managed = given.state === 'directory' && where.intoDir !== undefined ? path.posix.join(where.path, where.intoDir) : where.path;
    redirectedBy = given.by;
  }
  if (where.followLink) {
    const link = predicted.path(managed);
    if (link?.state === 'link' && link.src !== undefined) {
      managed = path.posix.resolve(path.posix.dirname(managed), link.src);
      redirectedBy = link.by;
    }
  }
  const moved = managed !== t.path;
  const pred = predicted.path(managed) ?? (moved ? { state: 'unknown' as const, path: managed, by: redirectedBy ?? '' } : undefined);
  const info = overlayInfo(moved ? undefined : t.info, pred, predicted, false);
  const next: TargetState = {
    path: managed,
    parentExists: overlayDirExists(t.parentExists, path.posix.dirname(managed), predicted),
    umask: t.umask,
    ids: overlayIds(t.ids, attrs, predicted, info !== undefined),
  };
  if (info) next.info = info;
  if (!pred) {
    if (t.content) next.content = t.content;
    if (t.sha1) next.sha1 = t.sha1;
    return next;
  }
  if (pred.state === 'file' || pred.state === 'hard') {
    if (pred.content) next.content = pred.content;
    else if (!pred.created && t.info?.type === 'file') {
      if (t.content) next.content = t.content;
      if (t.sha1) next.sha1 = t.sha1;
    } else predicted.unpredictable(pred.by, `the content of ${managed} is not known before it runs`);
  }
  return next;
}

/** overlayTarget for a content module's gathered state (a probe that failed stays failed). */
export function overlayGathered<G extends TargetGathered>(g: G, predicted: Predicted, where: TargetWhere, attrs: Pick<FileAttrParams, 'owner' | 'group'>): G {
  return g.target ? { ...g, target: overlayTarget(g.target, predicted, where, attrs) } : g;
}

/**
 * The effects of writing `content` to a content module's target: the file (created or not, its
 * final mode and requested ownership) and, when the write makes it, the parent directory.
 */
export function contentEffects(t: TargetState, content: Buffer, mode: number | undefined, attrs: Pick<FileAttrParams, 'owner' | 'group'>, makesParent: boolean): PathEffect[] {
  const effects: PathEffect[] = [];
  if (makesParent) effects.push({ kind: 'path', path: path.posix.dirname(t.path), state: 'directory', created: true, mode: 0o777 & ~t.umask });
  const created = !t.info || t.info.type !== 'file';
  effects.push({
    kind: 'path',
    path: t.path,
    state: 'file',
    content,
    ...(created ? { created: true } : {}),
    ...(mode !== undefined ? { mode } : {}),
    ...owned(t.ids, attrs),
  });
  return effects;
}

/** owner/group (and their ids when known) a plan sets on a path. */
export function owned(ids: Ids, attrs: Pick<FileAttrParams, 'owner' | 'group'>): Partial<PathEffect> {
  return {
    ...(attrs.owner !== undefined ? { owner: attrs.owner, ...(typeof ids.uid === 'number' && ids.uid >= 0 ? { uid: ids.uid } : {}) } : {}),
    ...(attrs.group !== undefined ? { group: attrs.group, ...(typeof ids.gid === 'number' && ids.gid >= 0 ? { gid: ids.gid } : {}) } : {}),
  };
}

/** The attributes a planAttrs plan sets (its `after` dict: mode '0644', uid/gid numbers), as effect fields. */
export function attrEffectFields(attrs: Pick<AttrPlan, 'after'> | undefined): Partial<PathEffect> {
  const a = attrs?.after ?? {};
  return {
    ...(a.mode !== undefined ? { mode: parseInt(String(a.mode), 8) } : {}),
    ...(typeof a.owner === 'number' ? { uid: a.owner } : {}),
    ...(typeof a.group === 'number' ? { gid: a.group } : {}),
  };
}
