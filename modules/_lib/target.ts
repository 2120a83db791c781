/**
 * The "file whose content a module manages" probe and planner, shared by copy, template,
 * lineinfile and blockinfile: one round trip reads the target's stat, its content (or only its
 * sha1 when larger than Ansible's max_diff_size and the module does not need the bytes), whether
 * its directory exists, the umask and the ids of a requested owner/group.
 */
import { createHash } from 'node:crypto';
import { digestHex, SLICE } from '../../runner/slices.js';
import type { Action, FileDiff, PathEffect, Plan, Probe, WriteAction } from '../../runner/module.types.js';
import { MASK } from '../../runner/secret.js';
import { sh } from '../../runner/shell.js';
import { planAttrs, serializeDiffDict, type FileAttrParams, type Ids } from './attrs.js';
import { formatMode, resolveMode } from './mode.js';
import { attrEffectFields, contentEffects, owned } from './predicted.js';
import { HW_STAT_FALLBACK } from '../../runner/probe-batch.js';
import { CONTENT_MARK, IN_BATCH_SHELL, UMASK_LINE, dirnameLines, fieldLine, idLookupLines, linkTargetLine, parseIds, parseProbe, parseStat, parseUmask, runProbe, type FileInfo } from './probe.js';

/** Ansible's default max_diff_size: larger files are compared by checksum and not diffed. */
export const MAX_DIFF_SIZE = 104448;

export interface TargetProbe {
  path: string;
  /** When `path` is an existing directory, manage `path/<intoDir>` instead (copy's dest dir rule). */
  intoDir?: string;
  /** Resolve a symlink to its final target (lineinfile and blockinfile edit the real file). */
  followLink?: boolean;
  /** Always read the whole content (editors need it), not only up to MAX_DIFF_SIZE. */
  fullContent?: boolean;
  owner?: string;
  group?: string;
}

export interface TargetState {
  /** The path finally managed (after the directory and symlink rules). */
  path: string;
  info?: FileInfo;
  parentExists: boolean;
  umask: number;
  ids: Ids;
  /** The current content, when the file is regular and small enough (or fullContent). */
  content?: Buffer;
  /** sha1 of the current content, when the content was too large to read. */
  sha1?: string;
}

/**
 * One stat (captured, so the size check reuses it), one cat of the content; the parent directory
 * and umask come from builtins. A symlink costs a readlink more.
 */
export function targetScript(t: TargetProbe): string {
  const lines = [sh`p=${t.path}`];
  if (t.intoDir !== undefined) lines.push(sh`if [ -d "$p" ]; then p="\${p%/}/"${t.intoDir}; fi`);
  if (t.followLink) lines.push(`if [ -L "$p" ]; then p=$(readlink -f -- "$p" || printf '%s' "$p"); fi`);
  lines.push(
    fieldLine('path', '"$p"'),
    `s=`,
    HW_STAT_FALLBACK,
    `if [ -e "$p" ] || [ -L "$p" ]; then`,
    `  hw_stat "$p" && s=$hw_s && printf 'stat %s\\n' "$s"`,
    `  if [ -L "$p" ]; then ${linkTargetLine('stat.target', '"$p"')}; fi`,
    `else echo stat absent; fi`,
    dirnameLines('p', 'd'),
    `if [ -d "$d" ]; then echo parent yes; else echo parent no; fi`,
    UMASK_LINE,
  );
  const ids = idLookupLines(t.owner, t.group);
  if (ids) lines.push(ids);
  // The size is stat's 7th field; a symlink's is its target's (stat -L, only when the size decides).
  const fromStat = `z=\${s#*|*|*|*|*|*|}; z=\${z%%|*}`;
  const size = `case $s in 'symbolic link|'*) ${t.fullContent ? 'z=' : 'z=$(stat -L -c %s -- "$p")'} ;; *) ${fromStat} ;; esac`;
  const small = t.fullContent ? 'true' : `[ "$z" -le ${MAX_DIFF_SIZE} ]`;
  lines.push(
    `if [ -f "$p" ]; then`,
    `  ${size}`,
    `  if ${small}; then echo '${CONTENT_MARK}'; ${contentLines()}; else h=$(sha1sum < "$p") && printf 'sha1 %s\\n' "\${h%% *}"; fi`,
    `fi`,
  );
  return lines.join('\n') + '\n';
}

/**
 * Up to this size a file's content is read by the read builtin rather than `cat`: dash reads a
 * byte per system call, which costs about what a fork and exec of cat cost at 2 KiB on the lab's
 * machine (0.42 against 0.47 ms) and less where forks are slower.
 */
export const READ_BUILTIN_MAX = 2048;

/**
 * Prints the content of "$p", whose size stat said is "$z", byte for byte: a small file through
 * the read builtin, kept only when what it read is exactly "$z" bytes long. read drops NUL bytes,
 * and bash in a UTF-8 locale counts characters (${#c}), so a file with NULs or multibyte text, one
 * that changed size since its stat, or one that could not be opened is printed by `cat` instead.
 * `-r` and an empty IFS keep backslashes and blanks; the last line without a newline stays in $l.
 */
function contentLines(): string {
  return [
    `c=; l=; k=no; if [ -r "$p" ] && [ "$z" -le ${READ_BUILTIN_MAX} ] 2>/dev/null; then`,
    `while IFS= read -r l; do c="$c$l`,
    `"; done < "$p" && k=yes; c=$c$l; fi`,
    `if [ $k = yes ] && [ "\${#c}" = "$z" ]; then printf '%s' "$c"; else cat -- "$p"; fi`,
  ].join('\n');
}

/** What a content module's gather found: the target, or (copy's src) why it cannot go on. */
export interface TargetGathered {
  problem?: string;
  target?: TargetState;
}

/** The target's probe (one read-only command) with the owner/group ids `attrs` asks for; `shown` names it in a failure. */
export async function gatherTarget(probe: Probe, where: Omit<TargetProbe, 'owner' | 'group'>, attrs: Pick<FileAttrParams, 'owner' | 'group'>, shown: string): Promise<TargetGathered> {
  const t: TargetProbe = { ...where, ...(attrs.owner !== undefined ? { owner: attrs.owner } : {}), ...(attrs.group !== undefined ? { group: attrs.group } : {}) };
  const out = await runProbe(probe, targetScript(t), shown, { ...IN_BATCH_SHELL, statPaths: [t.path] });
  return { target: parseTarget(out.stdoutBytes, t) };
}

export function parseTarget(out: Buffer, t: Pick<TargetProbe, 'owner' | 'group'>): TargetState {
  const { fields, content } = parseProbe(out);
  const info = parseStat(fields, 'stat');
  const state: TargetState = {
    path: fields.get('path') ?? '',
    parentExists: fields.get('parent') === 'yes',
    umask: parseUmask(fields),
    ids: parseIds(fields, t.owner, t.group),
  };
  if (info) state.info = info;
  if (content) state.content = content;
  const sha1 = fields.get('sha1');
  if (sha1) state.sha1 = sha1;
  return state;
}

/** Digests computed so far, per content: a plan asks for its content's sha1 up to three times. */
const sha1s = new WeakMap<Buffer, string>();

export function sha1(data: Buffer): string {
  let hex = sha1s.get(data);
  if (hex === undefined) {
    hex = createHash('sha1').update(data).digest('hex');
    sha1s.set(data, hex);
  }
  return hex;
}

/**
 * For a gather (async) to call on a large content: hashes it a slice per turn (runner/slices.ts),
 * so that the plan's sha1() finds it done instead of holding the event loop.
 */
export async function hashAhead(data: Buffer): Promise<void> {
  if (data.length <= SLICE || sha1s.has(data)) return;
  // The same bytes gathered for many hosts at once (runner/slices.ts utf8Bytes) are hashed once.
  let pending = hashing.get(data);
  if (!pending) {
    pending = digestHex('sha1', data);
    hashing.set(data, pending);
  }
  sha1s.set(data, await pending);
}
const hashing = new WeakMap<Buffer, Promise<string>>();

export interface WritePlanInput extends FileAttrParams {
  /** The file's new content. */
  content: Buffer;
  /** Mask the diff (secret content). */
  secret: boolean;
  backup?: boolean;
  validate?: string;
  /** Diff headers for the content diff. */
  beforeHeader: string;
  afterHeader: string;
  /** Create missing parent directories first (`mkdir -p`). */
  makeParents?: boolean;
}

/** Whether the target's current content equals `content` (by bytes or by sha1). */
export function sameContent(state: TargetState, content: Buffer): boolean {
  if (!state.info || state.info.type === 'link') return false;
  if (state.content) return state.content.equals(content);
  if (state.sha1) return state.sha1 === sha1(content);
  return false;
}

function isBinary(b: Buffer): boolean {
  return b.includes(0);
}

/** Text for a diff side: the content, or a one-line placeholder when Ansible would skip the diff. */
function diffText(b: Buffer | undefined, state: TargetState | undefined, secret: boolean): string {
  if (secret) return `${MASK}\n`;
  if (b === undefined) {
    return state?.sha1 ? `(content not shown: larger than ${MAX_DIFF_SIZE} bytes, sha1 ${state.sha1})\n` : '';
  }
  if (isBinary(b)) return `(binary content not shown: ${b.length} bytes, sha1 ${sha1(b)})\n`;
  if (b.length > MAX_DIFF_SIZE) return `(content not shown: larger than ${MAX_DIFF_SIZE} bytes, sha1 ${sha1(b)})\n`;
  return b.toString('utf8');
}

export function contentDiff(state: TargetState, content: Buffer, secret: boolean, beforeHeader: string, afterHeader: string): FileDiff {
  const before = state.info ? diffText(state.content, state, secret) : '';
  return { before, after: diffText(content, undefined, secret), before_header: beforeHeader, after_header: afterHeader };
}

/**
 * Plans writing `content` to the target (when it differs) or fixing its attributes (when it does
 * not). Returns the actions and whether they change anything; diffs are the caller's (their
 * shape differs per module), except the content diff returned here.
 */
export function planWrite(
  state: TargetState,
  input: WritePlanInput,
): { actions: Action[]; contentChanged: boolean; attrs: ReturnType<typeof planAttrs> | undefined; failed?: string; diff?: FileDiff; effects?: PathEffect[] } {
  // A symlink (not followed) is replaced by the file, as Ansible's copy does with follow=false.
  if (state.info && state.info.type !== 'file' && state.info.type !== 'link') {
    return { actions: [], contentChanged: false, attrs: undefined, failed: `${state.path} exists and is not a regular file (${state.info.type})` };
  }
  if (!sameContent(state, input.content)) {
    // Attributes are set by the write itself; planned here only for the diff and lookup failures.
    const attrs = planAttrs(state.path, state.info ?? NEW_FILE, input, state.ids);
    if (attrs.failed) return { actions: [], contentChanged: false, attrs, failed: attrs.failed };
    const current = state.info?.type === 'file' ? state.info.mode : 0o666 & ~state.umask;
    const write: WriteAction = { kind: 'write', path: state.path, content: input.content };
    if (input.mode !== undefined) write.mode = resolveMode(input.mode, current, false).toString(8).padStart(4, '0');
    if (input.owner !== undefined) write.owner = input.owner;
    if (input.group !== undefined) write.group = input.group;
    if (input.backup) write.backup = true;
    if (input.validate !== undefined) write.validate = input.validate;
    const actions: Action[] = [];
    if (!state.parentExists && input.makeParents) {
      actions.push({ kind: 'run', script: sh`mkdir -p -- "$(dirname -- ${state.path})"`, describe: `mkdir -p for ${state.path}` });
    }
    actions.push(write);
    // The file's mode afterwards: the one asked for, else the existing file's (unchanged), else a new file's.
    const mode = write.mode !== undefined ? parseInt(write.mode, 8) : state.info?.type === 'file' ? undefined : 0o666 & ~state.umask;
    return {
      actions,
      contentChanged: true,
      attrs: state.info ? attrs : undefined,
      diff: contentDiff(state, input.content, input.secret, input.beforeHeader, input.afterHeader),
      effects: contentEffects(state, input.content, mode, input, !state.parentExists && input.makeParents === true),
    };
  }
  const attrs = planAttrs(state.path, state.info!, input, state.ids);
  if (attrs.failed) return { actions: [], contentChanged: false, attrs, failed: attrs.failed };
  return { actions: attrs.actions, contentChanged: false, attrs, effects: [{ kind: 'path', path: state.path, state: 'file', ...owned(state.ids, input), ...attrEffectFields(attrs) }] };
}

/** lineinfile/blockinfile's diff list: content diff (when changed) + file attributes diff. */
export function editorDiffs(path: string, content: FileDiff | undefined, attrs: ReturnType<typeof planAttrs> | undefined): FileDiff[] {
  const diffs: FileDiff[] = [];
  if (content) diffs.push({ ...content, before_header: `${path} (content)`, after_header: `${path} (content)` });
  if (attrs && Object.keys(attrs.after).length > 0) {
    diffs.push({
      before: serializeDiffDict(attrs.before),
      after: serializeDiffDict(attrs.after),
      before_header: `${path} (file attributes)`,
      after_header: `${path} (file attributes)`,
    });
  }
  return diffs;
}

/** Mode a new file ends up with (for results): requested mode or 0666 minus umask. */
export function newFileMode(state: TargetState, mode: FileAttrParams['mode']): string {
  const base = 0o666 & ~state.umask;
  return formatMode(mode === undefined ? base : resolveMode(mode, base, false));
}

/** Stand-in stat for a file about to be created (only used for owner/group lookups). */
const NEW_FILE: FileInfo = { type: 'file', mode: 0o644, owner: '', group: '', uid: -1, gid: -1, size: 0, mtime: 0, nlink: 1, inode: 0 };

export interface EditParams extends FileAttrParams {
  path: string;
  create?: boolean;
  backup?: boolean;
  validate?: string;
}

export interface EditOutcome {
  /** New content (latin1 byte string) — equal to the old one when nothing changes. */
  text: string;
  changed: boolean;
  msg: string;
  /** Extra result keys (lineinfile's `found`). */
  result?: Record<string, unknown>;
}

/**
 * The plan shared by lineinfile and blockinfile: run the pure `edit` on the current content, write
 * it when it changed, then bring attributes in line; messages and diffs as the Ansible modules
 * give them (`<path> (content)` and `<path> (file attributes)` diffs).
 */
export function planEdit(p: EditParams, state: TargetState, edit: (text: string, exists: boolean) => EditOutcome | { failed: string; result?: Record<string, unknown> }): Plan {
  if (state.info?.type === 'directory') return { changed: false, actions: [], failed: `Path ${p.path} is a directory !`, result: { rc: 256 } };
  const exists = state.info !== undefined;
  const before = exists ? (state.content ?? Buffer.alloc(0)).toString('latin1') : '';
  const outcome = edit(before, exists);
  if ('failed' in outcome) return { changed: false, actions: [], failed: outcome.failed, ...(outcome.result ? { result: outcome.result } : {}) };
  const result = outcome.result ?? {};
  if (!outcome.changed && !exists) return { changed: false, actions: [], summary: outcome.msg, result };
  let actions: Action[] = [];
  let effects: PathEffect[] = [];
  let contentDiffEntry: FileDiff | undefined;
  let attrs: ReturnType<typeof planAttrs> | undefined;
  if (outcome.changed) {
    const w = planWrite(state, {
      ...p,
      content: Buffer.from(outcome.text, 'latin1'),
      secret: false,
      beforeHeader: `${p.path} (content)`,
      afterHeader: `${p.path} (content)`,
      makeParents: !exists,
    });
    if (w.failed) return { changed: false, actions: [], failed: w.failed };
    actions = w.actions;
    effects = w.effects ?? [];
    contentDiffEntry = { before: before ? Buffer.from(before, 'latin1').toString('utf8') : '', after: Buffer.from(outcome.text, 'latin1').toString('utf8'), before_header: `${p.path} (content)`, after_header: `${p.path} (content)` };
    attrs = w.attrs;
  } else {
    attrs = planAttrs(state.path, state.info!, p, state.ids);
    if (attrs.failed) return { changed: false, actions: [], failed: attrs.failed };
    actions = attrs.actions;
    effects = [{ kind: 'path', path: state.path, state: 'file', ...owned(state.ids, p), ...attrEffectFields(attrs) }];
  }
  let msg = outcome.msg;
  const attrsChanged = attrs !== undefined && Object.keys(attrs.after).length > 0;
  if (attrsChanged) msg = (outcome.changed ? `${msg} and ` : '') + 'ownership, perms or SE linux context changed';
  const diffs = editorDiffs(p.path, contentDiffEntry, attrs);
  return { changed: outcome.changed || attrsChanged, actions, diffs, summary: msg, result: { ...result, msg }, effects };
}
