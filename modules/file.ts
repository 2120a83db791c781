/**
 * file: manage a path's kind (file, directory, symlink, hard link, absent, touched) and its
 * mode/owner/group. Diffs are Ansible's `{path, state}` / `{path, mode, owner, group, src}` dicts.
 * Differences from Ansible (all so that check mode shows exactly what a run does):
 *  - creating a directory or touching a new file diffs only `{path, state}` (Ansible's check-mode
 *    diff; its real run adds the new path's attributes);
 *  - mode/owner/group are not applied to symlinks themselves (state=link);
 *  - modification_time/access_time are not supported; touch always reports changed, as Ansible.
 */
import path from 'node:path';
import type { JSONSchemaType } from 'ajv';
import { defineModule, type ParamIssue } from '../runner/module.js';
import type { Action, Effect, FileDiff, PathEffect, Plan, Predicted } from '../runner/module.types.js';
import { raw, sh } from '../runner/shell.js';
import { attrIssues, fileAttrSchema, planAttrs, serializeDiffDict, type FileAttrParams, type Ids } from './_lib/attrs.js';
import { formatMode, resolveMode } from './_lib/mode.js';
import { attrEffectFields, overlayIds, overlayInfo, owned } from './_lib/predicted.js';
import { IN_BATCH_SHELL, UMASK_LINE, dirnameLines, fieldLine, idLookupLines, parseIds, parseProbe, parseStat, parseUmask, runProbe, statLines, type FileInfo } from './_lib/probe.js';

export type FileState = 'file' | 'directory' | 'link' | 'hard' | 'absent' | 'touch';

export interface FileParams extends FileAttrParams {
  /** The path to manage. */
  path: string;
  /** What the path should be. @default the current state when it exists, else 'file' ('directory' with recurse) */
  state?: FileState;
  /** Target of the link (state=link or hard). */
  src?: string;
  /** With state=directory: apply mode/owner/group to everything below path too. @default false */
  recurse?: boolean;
  /** link/hard: replace an existing file (or empty directory), or link to a src that does not exist yet. @default false */
  force?: boolean;
  /** With state=file/directory, a symlink at path means its target. @default true */
  follow?: boolean;
}

const schema: JSONSchemaType<FileParams> = {
  type: 'object',
  properties: {
    path: { type: 'string', minLength: 1 },
    state: { type: 'string', enum: ['file', 'directory', 'link', 'hard', 'absent', 'touch'], nullable: true },
    src: { type: 'string', nullable: true, minLength: 1 },
    recurse: { type: 'boolean', nullable: true, default: false },
    force: { type: 'boolean', nullable: true, default: false },
    follow: { type: 'boolean', nullable: true, default: true },
    ...fileAttrSchema,
  },
  required: ['path'],
  additionalProperties: false,
};

function check(p: FileParams): ParamIssue[] {
  const issues = attrIssues(p);
  if (p.recurse && p.state !== undefined && p.state !== 'directory') issues.push({ field: 'recurse', message: "recurse option requires state to be 'directory'" });
  if (p.src !== undefined && p.state !== undefined && p.state !== 'link' && p.state !== 'hard') {
    issues.push({ field: 'src', message: "src option requires state to be 'link' or 'hard'" });
  }
  return issues;
}

type PrevState = 'file' | 'directory' | 'link' | 'hard' | 'absent' | 'other';

export interface FileModuleState {
  path: string;
  info?: FileInfo;
  /** The symlink's final target and its stat (follow). */
  realPath?: string;
  realInfo?: FileInfo;
  /** src as seen from the link's directory (link), or src itself (hard). */
  srcInfo?: FileInfo;
  dirEmpty?: boolean;
  /** Ancestors (and path) that do not exist, deepest first. */
  missing: string[];
  /** Entries below path whose attributes differ (recurse). */
  recurseEntries: { mode: number; uid: number; gid: number; isDir: boolean }[];
  umask: number;
  ids: Ids;
}

export function fileProbeScript(p: FileParams): string {
  const lines = [sh`p=${p.path}`];
  if (p.src !== undefined && p.state !== 'link' && p.state !== 'absent') {
    lines.push(sh`if [ -d "$p" ] && [ ! -L "$p" ]; then p="\${p%/}/"${path.posix.basename(p.src)}; fi`);
  }
  lines.push(fieldLine('path', '"$p"'), statLines('stat', raw('"$p"')));
  // readlink -f's own trailing newline goes with the x; one the path itself ends with stays.
  lines.push(`if [ -L "$p" ]; then`, `r=$(readlink -f -- "$p"; printf x); r=\${r%x}; r=\${r%?}; ${fieldLine('real', '"$r"')}`, statLines('realstat', raw('"$r"')), 'fi');
  if (p.src !== undefined) {
    if (p.state === 'hard') lines.push(sh`s=${p.src}`);
    else lines.push(dirnameLines('p', 'd'), sh`case ${p.src} in /*) s=${p.src} ;; *) if [ -d "$p" ] && [ ! -L "$p" ]; then s="$p/"${p.src}; else s="$d/"${p.src}; fi ;; esac`);
    lines.push(statLines('srcstat', raw('"$s"'), true));
  }
  // Empty directory: no name matches the globs (an unmatched glob stays as written, and does not exist).
  lines.push(
    `if [ -d "$p" ]; then e=yes; for f in "$p"/* "$p"/.[!.]* "$p"/..?*; do if [ -e "$f" ] || [ -L "$f" ]; then e=no; break; fi; done; echo empty $e; fi`,
  );
  lines.push(
    `m=$p; while [ ! -e "$m" ] && [ ! -L "$m" ]; do ${fieldLine('missing', '"$m"')}`,
    dirnameLines('m', 'n'),
    `[ "$n" = "$m" ] && break; m=$n; done`,
  );
  if (p.recurse && (p.mode !== undefined || p.owner !== undefined || p.group !== undefined)) {
    lines.push(`if [ -d "$p" ]; then find "$p" -mindepth 1 ! -type l -exec stat -c 'entry %f|%u|%g' {} +; fi`);
  }
  lines.push(UMASK_LINE);
  const ids = idLookupLines(p.owner, p.group);
  if (ids) lines.push(ids);
  return lines.join('\n') + '\n';
}

export function parseFileProbe(out: Buffer, p: FileParams): FileModuleState {
  const { fields, records } = parseProbe(out);
  const state: FileModuleState = {
    path: fields.get('path') ?? p.path,
    missing: [],
    recurseEntries: [],
    umask: parseUmask(fields),
    ids: parseIds(fields, p.owner, p.group),
  };
  const info = parseStat(fields, 'stat');
  if (info) state.info = info;
  if (fields.has('real')) {
    state.realPath = fields.get('real')!;
    const real = parseStat(fields, 'realstat');
    if (real) state.realInfo = real;
  }
  if (fields.has('srcstat')) {
    const src = parseStat(fields, 'srcstat');
    if (src) state.srcInfo = src;
  }
  if (fields.has('empty')) state.dirEmpty = fields.get('empty') === 'yes';
  for (const [key, value] of records) {
    if (key === 'missing') state.missing.push(value);
    if (key === 'entry') {
      const [mode, uid, gid] = value.split('|');
      const m = parseInt(mode ?? '0', 16);
      state.recurseEntries.push({ mode: m & 0o7777, uid: Number(uid), gid: Number(gid), isDir: (m & 0o170000) === 0o040000 });
    }
  }
  return state;
}

function prevState(info: FileInfo | undefined): PrevState {
  if (!info) return 'absent';
  if (info.type === 'link') return 'link';
  if (info.type === 'directory') return 'directory';
  if (info.type === 'file') return info.nlink > 1 ? 'hard' : 'file';
  return 'other';
}

export const file = defineModule<FileParams, FileModuleState>({
  name: 'file',
  probeAhead: true,
  schema,
  check,
  async gather(p, probe) {
    // Builtins and stat/readlink/find only: safe in a batch's own shell (test/unit/probe-shell.test.ts).
    const out = await runProbe(probe, fileProbeScript(p), p.path, { ...IN_BATCH_SHELL, statPaths: [p.path] });
    return parseFileProbe(out.stdoutBytes, p);
  },
  plan: planFile,
  overlay: overlayFile,
});

/**
 * Check mode: the path, a symlink's target, link src and missing ancestors as earlier tasks would
 * leave them. Not predicted: entries below a directory for `recurse` (only what was observed).
 */
export function overlayFile(s: FileModuleState, predicted: Predicted, p: FileParams): FileModuleState {
  let at = s.path;
  if (p.src !== undefined && p.state !== 'link' && p.state !== 'absent') {
    const dir = predicted.path(p.path);
    if (dir?.state === 'directory') at = path.posix.join(p.path, path.posix.basename(p.src));
    else if (dir) at = p.path;
  }
  const wantsIds = p.owner !== undefined || p.group !== undefined;
  const next: FileModuleState = { ...s, path: at, missing: [] };
  const info = overlayInfo(at === s.path ? s.info : undefined, predicted.path(at) ?? (at === s.path ? undefined : { state: 'absent', path: at, by: '' }), predicted, wantsIds);
  if (info) next.info = info;
  else delete next.info;
  const pred = predicted.path(at);
  if (pred && pred.state === 'directory' && pred.created) next.dirEmpty = true;
  if (info?.type === 'link' && info.linkTarget !== undefined && (pred?.state === 'link')) {
    // A link an earlier task makes: its target as predicted (else unknown: it was never observed).
    const real = path.posix.resolve(path.posix.dirname(at), info.linkTarget);
    next.realPath = real;
    const realInfo = overlayInfo(undefined, predicted.path(real) ?? { state: 'unknown', path: real, by: pred.by }, predicted, wantsIds);
    if (realInfo) next.realInfo = realInfo;
    else delete next.realInfo;
  } else if (s.realPath !== undefined) {
    const realInfo = overlayInfo(s.realInfo, predicted.path(s.realPath), predicted, wantsIds);
    if (realInfo) next.realInfo = realInfo;
    else delete next.realInfo;
  }
  if (p.src !== undefined) {
    const src = p.state === 'hard' || p.src.startsWith('/') ? p.src : path.posix.join(info?.type === 'directory' ? at : path.posix.dirname(at), p.src);
    const srcPred = predicted.path(src);
    if (srcPred) {
      const srcInfo = srcPred.state === 'link' ? undefined : overlayInfo(s.srcInfo, srcPred, predicted, false);
      if (srcInfo) next.srcInfo = srcInfo;
      else delete next.srcInfo;
    }
  }
  // Missing ancestors, deepest first, as the probe lists them.
  for (let m = at; ; m = path.posix.dirname(m)) {
    const mp = predicted.path(m);
    if (mp?.state === 'unknown') predicted.unpredictable(mp.by, `whether ${m} exists is not known before it runs`);
    const exists = mp ? mp.state !== 'absent' : !s.missing.includes(m) && (m !== s.path || s.info !== undefined);
    if (exists) break;
    next.missing.push(m);
    if (m === '/' || m === '.') break;
  }
  next.ids = overlayIds(s.ids, p, predicted, info !== undefined);
  return next;
}

interface Dict {
  [key: string]: string | number;
}

function stateDiff(before: Dict, after: Dict): FileDiff[] {
  return [{ before: serializeDiffDict(before), after: serializeDiffDict(after) }];
}

export function planFile(p: FileParams, s: FileModuleState): Plan {
  let target = s.path;
  let info = s.info;
  let prev = prevState(info);
  const state: FileState = p.state ?? (prev !== 'absent' && prev !== 'other' ? prev : p.recurse ? 'directory' : 'file');
  const follow = p.follow ?? true;
  if (p.src !== undefined && state !== 'link' && state !== 'hard') return fail(`src option requires state to be 'link' or 'hard'`, target);
  if (p.recurse && state !== 'directory') return fail(`recurse option requires state to be 'directory'`, target);
  if ((state === 'file' || state === 'directory') && follow && prev === 'link' && s.realPath !== undefined) {
    target = s.realPath;
    info = s.realInfo;
    prev = prevState(info);
  }
  const base = { path: target };
  const diffState = (to: string): { before: Dict; after: Dict } =>
    prev === to ? { before: { ...base }, after: { ...base } } : { before: { ...base, state: prev }, after: { ...base, state: to } };

  switch (state) {
    case 'absent': {
      if (prev === 'absent') return { changed: false, actions: [], result: { path: target, state: 'absent' } };
      const d = diffState('absent');
      return {
        changed: true,
        actions: [{ kind: 'run', script: prev === 'directory' ? sh`rm -rf -- ${target}` : sh`rm -f -- ${target}` }],
        diffs: stateDiff(d.before, d.after),
        result: { path: target, state: 'absent' },
        effects: [{ kind: 'path', path: target, state: 'absent' }],
      };
    }
    case 'directory': {
      if (prev === 'absent') {
        const created = [...s.missing].reverse();
        const actions: Action[] = [{ kind: 'run', script: sh`mkdir -p -- ${target}` }];
        const attrActions = newPathAttrs(p, created, 0o777 & ~s.umask, true, s.ids);
        if (typeof attrActions === 'string') return fail(attrActions, target);
        actions.push(...attrActions);
        const d = diffState('directory');
        const mode = p.mode === undefined ? 0o777 & ~s.umask : resolveMode(p.mode, 0o777 & ~s.umask, true);
        const effects = created.map((dir): Effect => ({ kind: 'path', path: dir, state: 'directory', created: true, mode, ...owned(s.ids, p) }));
        return { changed: true, actions: [oneCommand(actions)], diffs: stateDiff(d.before, d.after), result: { path: target, state: 'directory' }, effects };
      }
      if (prev !== 'directory') return fail(`${target} already exists as a ${prev}`, target);
      const attrs = planAttrs(target, info!, p, s.ids);
      if (attrs.failed) return fail(attrs.failed, target);
      const actions: Action[] = [...attrs.actions];
      const below = p.recurse ? recurseActions(p, target, s) : [];
      actions.push(...below);
      // What recurse changes below is not predicted entry by entry: it becomes unknown.
      const effects: Effect[] = [attrEffect(target, 'directory', attrs, p, s), ...(below.length > 0 ? [{ kind: 'tree' as const, path: target }] : [])];
      return { ...withAttrs(actions, attrs, base, { path: target, state: 'directory' }), effects };
    }
    case 'file': {
      if (prev !== 'file' && prev !== 'hard') return fail(`file (${target}) is ${prev}, cannot continue`, target);
      const attrs = planAttrs(target, info!, p, s.ids);
      if (attrs.failed) return fail(attrs.failed, target);
      return { ...withAttrs(attrs.actions, attrs, base, { path: target, state: 'file' }), effects: [attrEffect(target, prev, attrs, p, s)] };
    }
    case 'touch': {
      const d = diffState('touch');
      if (prev === 'absent') {
        const actions: Action[] = [{ kind: 'run', script: sh`touch -- ${target}` }];
        const attrActions = newPathAttrs(p, [target], 0o666 & ~s.umask, false, s.ids);
        if (typeof attrActions === 'string') return fail(attrActions, target);
        actions.push(...attrActions);
        const mode = p.mode === undefined ? 0o666 & ~s.umask : resolveMode(p.mode, 0o666 & ~s.umask, false);
        const effects: Effect[] = [{ kind: 'path', path: target, state: 'file', created: true, content: Buffer.alloc(0), mode, ...owned(s.ids, p) }];
        return { changed: true, actions: [oneCommand(actions)], diffs: stateDiff(d.before, d.after), result: { dest: target }, effects };
      }
      const attrs = planAttrs(target, info!, p, s.ids);
      if (attrs.failed) return fail(attrs.failed, target);
      // touch updates the timestamps: always a change, as in Ansible.
      return {
        changed: true,
        actions: [{ kind: 'run', script: sh`touch -- ${target}` }, ...attrs.actions],
        diffs: stateDiff({ ...d.before, ...attrs.before }, { ...d.after, ...attrs.after }),
        result: { dest: target },
        effects: [attrEffect(target, prev === 'hard' ? 'hard' : prev === 'directory' ? 'directory' : 'file', attrs, p, s)],
      };
    }
    case 'link':
      return planLink(p, s, target, prev);
    case 'hard':
      return planHard(p, s, target, prev);
  }
}

function planLink(p: FileParams, s: FileModuleState, target: string, prev: PrevState): Plan {
  const src = p.src ?? (prev === 'link' ? s.info?.linkTarget : undefined);
  const result = { dest: target, src, state: 'link' };
  if (src === undefined) return fail('src is required for creating new symlinks', target);
  if (!p.force && p.src !== undefined && !s.srcInfo) {
    const rel = s.info?.type === 'directory' ? target : path.posix.dirname(target);
    // Python's os.path.join: an absolute src replaces the directory.
    const absrc = src.startsWith('/') ? src : path.posix.join(rel, src);
    return fail(`src file does not exist, use "force=yes" if you really want to create the link: ${absrc}`, target);
  }
  if (prev === 'directory') {
    if (!p.force) return fail(`refusing to convert from directory to symlink for ${target}`, target);
    if (!s.dirEmpty) return fail(`the directory ${target} is not empty, refusing to convert it`, target);
  } else if ((prev === 'file' || prev === 'hard') && !p.force) {
    return fail(`refusing to convert from ${prev} to symlink for ${target}`, target);
  } else if (prev === 'other') {
    return fail(`unexpected position reached`, target);
  }
  if (prev === 'link') {
    if (s.info?.linkTarget === src) return { changed: false, actions: [], result };
    return {
      changed: true,
      actions: [{ kind: 'run', script: sh`ln -sfn -- ${src} ${target}` }],
      diffs: stateDiff({ path: target, src: s.info?.linkTarget ?? '' }, { path: target, src }),
      result,
      effects: [linkEffect(target, src, s)],
    };
  }
  const script = prev === 'directory' ? sh`rmdir -- ${target} && ln -s -- ${src} ${target}` : sh`ln -sfn -- ${src} ${target}`;
  return {
    changed: true,
    actions: [{ kind: 'run', script }],
    diffs: stateDiff({ path: target, state: prev }, { path: target, state: 'link' }),
    result,
    effects: [linkEffect(target, src, s)],
  };
}

function planHard(p: FileParams, s: FileModuleState, target: string, prev: PrevState): Plan {
  const result = { dest: target, src: p.src, state: 'hard' };
  if (prev !== 'hard' && p.src === undefined) return fail('src is required for creating new hardlinks', target);
  if (p.src !== undefined && !s.srcInfo) return fail('src does not exist', target);
  const src = p.src;
  let changed = false;
  let before: Dict = { path: target, state: prev };
  let after: Dict = { path: target, state: 'hard' };
  if (prev === 'absent') changed = true;
  else if (prev === 'link') {
    before = { path: target, state: prev, src: s.info?.linkTarget ?? '' };
    after = { path: target, state: 'hard', src: src ?? '' };
    changed = true;
  } else if (prev === 'hard') {
    before = { path: target };
    after = { path: target };
    if (src !== undefined && s.info!.inode !== s.srcInfo!.inode) {
      if (!p.force) return fail('Cannot link, different hard link exists at destination', target);
      changed = true;
    }
  } else if (prev === 'file') {
    if (!p.force) return fail('Cannot link, file exists at destination', target);
    changed = true;
  } else {
    return fail(`Cannot link: ${target} is a ${prev}`, target);
  }
  // After linking, the path is src's inode: its attributes are src's.
  const linked = changed ? s.srcInfo! : s.info!;
  const attrs = planAttrs(target, linked, p, s.ids);
  if (attrs.failed) return fail(attrs.failed, target);
  const actions: Action[] = changed ? [{ kind: 'run', script: sh`ln -f -- ${src!} ${target}` }] : [];
  actions.push(...attrs.actions);
  const anyChange = changed || attrs.actions.length > 0;
  // The path becomes src's inode: src's content (unknown to us: never read) and attributes.
  const effects: Effect[] = [{ kind: 'path', path: target, state: 'hard', created: true, mode: linked.mode, uid: linked.uid, gid: linked.gid, ...owned(s.ids, p), ...attrEffectFields(attrs) }];
  return {
    changed: anyChange,
    actions,
    ...(anyChange ? { diffs: stateDiff({ ...before, ...attrs.before }, { ...after, ...attrs.after }) } : {}),
    result,
    ...(changed ? { effects } : { effects: [attrEffect(target, 'hard', attrs, p, s)] }),
  };
}

/** A symlink made or repointed; its mode is a link's (0777, not used by anything). */
function linkEffect(target: string, src: string, s: FileModuleState): PathEffect {
  return { kind: 'path', path: target, state: 'link', src, created: true, mode: 0o777, ...(s.info?.type === 'link' ? { uid: s.info.uid, gid: s.info.gid } : {}) };
}

/** An existing path whose attributes change. */
function attrEffect(target: string, state: 'file' | 'directory' | 'hard' | PrevState, attrs: ReturnType<typeof planAttrs>, p: FileParams, s: FileModuleState): PathEffect {
  const kind = state === 'directory' ? 'directory' : state === 'hard' ? 'hard' : 'file';
  return { kind: 'path', path: target, state: kind, ...owned(s.ids, p), ...attrEffectFields(attrs) };
}

/** Creating a path and setting its attributes in one round trip. */
function oneCommand(actions: Action[]): Action {
  return { kind: 'run', script: actions.map((a) => (a.kind === 'run' ? a.script : '')).join(' && ') };
}

function fail(msg: string, target: string): Plan {
  return { changed: false, actions: [], failed: msg, result: { path: target } };
}

function withAttrs(actions: Action[], attrs: ReturnType<typeof planAttrs>, base: Dict, result: Record<string, unknown>): Plan {
  const changed = actions.length > 0;
  const hasDiff = Object.keys(attrs.after).length > 0;
  return {
    changed,
    actions,
    ...(hasDiff ? { diffs: stateDiff({ ...base, ...attrs.before }, { ...base, ...attrs.after }) } : {}),
    result,
  };
}

/** chmod/chown for paths this task creates (their current attributes are the defaults). */
function newPathAttrs(p: FileParams, paths: string[], defaultMode: number, isDir: boolean, ids: Ids): Action[] | string {
  if (paths.length === 0) return [];
  const actions: Action[] = [];
  if (p.owner !== undefined && (ids.uid === null || ids.uid === undefined)) return `chown failed: failed to look up user ${p.owner}`;
  if (p.group !== undefined && (ids.gid === null || ids.gid === undefined)) return `chgrp failed: failed to look up group ${p.group}`;
  if (p.owner !== undefined || p.group !== undefined) {
    const spec = `${p.owner ?? ''}${p.group !== undefined ? `:${p.group}` : ''}`;
    actions.push({ kind: 'run', script: sh`chown ${spec} -- ${paths}` });
  }
  if (p.mode !== undefined) {
    const mode = resolveMode(p.mode, defaultMode, isDir);
    if (mode !== defaultMode) actions.push({ kind: 'run', script: sh`chmod ${mode.toString(8).padStart(4, '0')} -- ${paths}`, describe: `chmod ${formatMode(mode)}` });
  }
  return actions;
}

/** chmod -R / chown -R when any entry below the directory differs. */
function recurseActions(p: FileParams, target: string, s: FileModuleState): Action[] {
  const actions: Action[] = [];
  const owner = p.owner !== undefined && s.recurseEntries.some((e) => e.uid !== s.ids.uid);
  const group = p.group !== undefined && s.recurseEntries.some((e) => e.gid !== s.ids.gid);
  if (owner || group) {
    const spec = `${owner || p.owner !== undefined ? p.owner : ''}${p.group !== undefined ? `:${p.group}` : ''}`;
    actions.push({ kind: 'run', script: sh`chown -R ${spec} -- ${target}` });
  }
  if (p.mode !== undefined && s.recurseEntries.some((e) => resolveMode(p.mode!, e.mode, e.isDir) !== e.mode)) {
    const mode = typeof p.mode === 'number' ? p.mode.toString(8).padStart(4, '0') : p.mode;
    // chmod applies a symbolic mode without "who" through the umask; Ansible does not: make it explicit.
    const explicit = typeof mode === 'string' ? mode.replace(/(^|,)([-+=])/g, '$1a$2') : mode;
    actions.push({ kind: 'run', script: sh`chmod -R ${explicit} -- ${target}` });
  }
  return actions;
}
