/**
 * unarchive: unpack a tar (plain, gz, bz2, xz, zst) or zip archive into an existing directory, as
 * ansible.builtin.unarchive. `src` is a controller file (relative to the playbook), or with
 * `remote_src` a file already on the host. The host needs GNU tar (and zstd for .tar.zst), or
 * unzip for zip (Debian: `apt-get install unzip`).
 *
 * Changed only when dest differs from the archive, judged as Ansible does: GNU tar's `--diff`
 * (missing entries, mtime, mode, owner and group unless the task sets them), and for zip the same
 * comparison on a copy extracted in the probe. Unlike Ansible, check mode predicts tar archives too
 * (Ansible skips them: "does not support check mode when using gtar"), and a file whose content or
 * link target differs with the same mtime also counts (Ansible's filter ignores tar's
 * "Contents differ"). A controller archive is uploaded through the runner's atomic write (a
 * private temp file, removed after extraction), the exact bytes the plan judged.
 * Not implemented: src as a URL (use get_url, then unarchive), io_buffer_size, decrypt/vault,
 * the zip diff's 'prepared' itemized text.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { defineModule, ProbeError } from '../../runner/module.js';
import type { Action, Effect, RunAction, TaskResult } from '../../runner/module.types.js';
import { fnmatchToRegExp } from '../../runner/inventory/patterns.js';
import { quote, sh } from '../../runner/shell.js';
import { planAttrs } from '../_lib/attrs.js';
import { formatMode } from '../_lib/mode.js';
import type { FileInfo } from '../_lib/probe.js';
import { parseUnarchiveProbe, TAR_FLAGS, tarOptions, unarchiveProbe, unzipSelection, type Handler, type UnarchiveState } from './probe.js';
import { unarchiveDefinition, type UnarchiveParams, words } from './params.js';

export type { UnarchiveParams } from './params.js';

export interface UnarchiveResult extends TaskResult {
  dest: string;
  src: string;
  handler?: Handler;
  files?: string[];
  extract_results?: { cmd: string[]; rc: number; out: string; err: string };
}

export interface UnarchiveGathered extends UnarchiveState {
  /** The controller archive's bytes (uploaded by the run) and its path. */
  archive?: Buffer;
  archivePath?: string;
  /** The controller archive could not be read. */
  problem?: string;
  /** dest does not exist on the host, but an earlier task of this check run creates it. */
  destPredicted?: boolean;
  /** An earlier task of this check run unpacks this archive into dest already. */
  alreadyPredicted?: boolean;
}

/** Entries as Ansible's files_in_archive: leading '/' dropped, Ansible's fnmatch excludes applied. */
export function filesInArchive(entries: readonly string[], exclude: readonly string[]): string[] {
  const patterns = exclude.map((e) => fnmatchToRegExp(e.replace(/\/+$/, '')));
  return entries.map((e) => e.replace(/^\/+/, '')).filter((e) => e !== '' && !patterns.some((re) => re.test(e)));
}

const OWNER = /: Uid differs$/;
const GROUP = /: Gid differs$/;
const MODE = /: Mode differs$/;
/** What counts (Ansible's list plus content, size, link target and type: see the header). */
const ALWAYS = [/: Mod time differs$/, /: Warning: Cannot stat: No such file or directory$/, /: Invalid owner/, /: Invalid group/, /: Contents differ$/, /: Size differs$/, /: Symlink differs$/, /: File type differs$/];
const EMPTY_NAME = /: : Warning: Cannot stat: No such file or directory$/;

/** The --diff lines that mean dest is not unpacked (Ansible's is_unarchived filter). */
export function significantDifferences(lines: readonly string[], p: UnarchiveParams, runUid: number | undefined): string[] {
  return lines.filter((line) => {
    if (EMPTY_NAME.test(line)) return false;
    if (OWNER.test(line)) return runUid === 0 && p.owner === undefined;
    if (GROUP.test(line)) return runUid === 0 && p.group === undefined;
    if (MODE.test(line)) return p.mode === undefined;
    return ALWAYS.some((re) => re.test(line));
  });
}

/** The entries and their top folders (ansible#35426) whose attributes the task sets, as dest-relative names. */
function attributeTargets(files: readonly string[]): string[] {
  const names = files.map((f) => f.replace(/\/+$/, '')).filter((f) => f !== '' && f !== '.');
  const tops = [...new Set(files.filter((f) => f.includes('/')).map((f) => f.split('/')[0]!))].filter((t) => t !== '' && t !== '.');
  return [...names, ...tops.filter((t) => !names.includes(t))];
}

/** The command that unpacks (Ansible's handler.unarchive()), as argv words. */
function extractArgv(p: UnarchiveParams, handler: Handler, archive: string, newer: readonly string[]): string[] {
  const o = { extraOpts: p.extra_opts ?? [], owner: p.owner, group: p.group, keepNewer: p.keep_newer ?? false, exclude: [...(p.exclude ?? []), ...newer], include: p.include ?? [] };
  if (handler === 'ZipArchive') return ['unzip', '-o', ...o.extraOpts, archive, ...unzipSelection(o), '-d', p.dest];
  return ['tar', '--extract', '-C', p.dest, ...tarOptions(o, TAR_FLAGS[handler], true), '-f', archive, ...o.include];
}

/** Extract, then (mode/owner/group) set attributes on every entry named on stdin (NUL-separated). */
function extractScript(p: UnarchiveParams, handler: Handler, archive: string, uploaded: boolean, newer: readonly string[]): string {
  const chown = p.owner !== undefined || p.group !== undefined ? `${p.owner ?? ''}${p.group !== undefined ? `:${p.group}` : ''}` : undefined;
  const mode = p.mode === undefined ? undefined : typeof p.mode === 'number' ? p.mode.toString(8).padStart(4, '0') : p.mode;
  const attrs = chown !== undefined || mode !== undefined;
  return [
    // The entry list (stdin) is kept in a temp file: chown and chmod both read it.
    attrs ? `l=$(mktemp) || exit 1; cat > "$l"` : '',
    uploaded || attrs ? `trap ${quote(`rm -f --${uploaded ? ` ${quote(archive)}` : ''}${attrs ? ' "$l"' : ''}`)} EXIT` : '',
    sh`cd ${p.dest} || exit 1`,
    sh`LC_ALL=C ${extractArgv(p, handler, archive, newer)} || exit $?`,
    chown ? sh`xargs -0 -r chown -h -- ${chown} < "$l" || exit 1` : '',
    // chmod follows links; Ansible leaves links' modes alone on Linux (no lchmod).
    mode ? sh`xargs -0 -r sh -c 'for f; do [ -L "$f" ] || chmod "$0" -- "$f" || exit 1; done' ${mode} < "$l" || exit 1` : '',
  ].filter(Boolean).join('\n') + '\n';
}

function destInfo(d: FileInfo | undefined): Record<string, unknown> {
  if (!d) return {};
  return { state: 'directory', mode: formatMode(d.mode), owner: d.owner, group: d.group, uid: d.uid, gid: d.gid, size: d.size };
}

function effectKey(p: UnarchiveParams, sha1: string): string {
  return JSON.stringify([p.dest, sha1, p.extra_opts, p.include, p.exclude, p.mode, p.owner, p.group]);
}

export const unarchive = defineModule<UnarchiveParams, UnarchiveGathered, UnarchiveResult>({
  ...unarchiveDefinition,
  async gather(p, probe, ctx) {
    let archive: Buffer | undefined;
    let archivePath: string | undefined;
    if (!p.remote_src) {
      archivePath = path.resolve(ctx.playbookDir, p.src);
      try {
        archive = await readFile(archivePath);
      } catch {
        return { entries: [], newer: [], differences: [], stats: new Map(), ids: {}, problem: `Could not find or access '${p.src}' (${archivePath})`, archivePath };
      }
    }
    const script = unarchiveProbe({
      dest: p.dest,
      ...(p.remote_src ? { remoteSrc: p.src } : {}),
      ...(p.creates !== undefined ? { creates: p.creates } : {}),
      extraOpts: p.extra_opts ?? [],
      include: p.include ?? [],
      exclude: p.exclude ?? [],
      keepNewer: p.keep_newer ?? false,
      ...(p.owner !== undefined ? { owner: p.owner } : {}),
      ...(p.group !== undefined ? { group: p.group } : {}),
      statEntries: p.mode !== undefined || p.owner !== undefined || p.group !== undefined,
    });
    const out = await probe.run(script, archive ? { stdin: archive } : {});
    if (out.rc !== 0) throw new ProbeError(`probing ${p.dest} failed: ${out.stderr.trim() || `rc=${out.rc}`}`);
    const state: UnarchiveGathered = parseUnarchiveProbe(Buffer.from(out.stdout), p.owner, p.group);
    return archive ? { ...state, archive, archivePath: archivePath! } : state;
  },
  overlay(s, predicted, p) {
    if (p.creates !== undefined && !s.creates) {
      const c = predicted.path(p.creates);
      if (c?.state === 'unknown') predicted.unpredictable(c.by, `whether ${p.creates} exists`);
      if (c && c.state !== 'absent') return { ...s, creates: true };
    }
    if (p.remote_src && s.src === 'absent') {
      const a = predicted.path(p.src);
      if (a && a.state !== 'absent') predicted.unpredictable(a.by, `the archive ${p.src}`);
    }
    let next = s;
    if (!s.dest) {
      const d = predicted.path(p.dest);
      if (d?.state === 'unknown') predicted.unpredictable(d.by, `the directory ${p.dest}`);
      if (d?.state === 'directory') next = { ...next, destPredicted: true };
    } else {
      const d = predicted.path(p.dest);
      if (d?.state === 'unknown') predicted.unpredictable(d.by, `the contents of ${p.dest}`);
    }
    if (s.srcSha1 && predicted.resource('unarchive', effectKey(p, s.srcSha1))?.state === 'present') next = { ...next, alreadyPredicted: true };
    return next;
  },
  plan(p, s) {
    const fail = (failed: string, extra: Record<string, unknown> = {}) => ({ changed: false, actions: [], failed, result: { dest: p.dest, src: p.src, ...extra } });
    if (s.problem) return fail(s.problem);
    if (s.creates) return { changed: false, actions: [], summary: `skipped, since ${p.creates} exists`, result: { skipped: true, dest: p.dest, src: p.src } };
    if (!s.dest && !s.destPredicted) return fail(`dest '${p.dest}' must be an existing dir`);
    if (s.dest && s.dest.type !== 'directory') return fail(`dest '${p.dest}' must be an existing dir`);
    if (s.src === 'absent') return fail(`Source '${p.src}' does not exist`);
    if (s.src === 'unreadable') return fail(`Source '${p.src}' not readable`);
    if (s.src === 'empty') return fail(`Invalid archive '${p.src}', the file is 0 bytes`);
    const handler = s.handler!;
    if (s.missingTool) {
      const why = s.missingTool === 'gtar' ? 'GNU tar required' : `Unable to find required '${s.missingTool}' binary in the path (Debian: apt-get install ${s.missingTool})`;
      return fail(`Failed to find handler for "${p.src}". Make sure the required command to extract the file is installed. ${why}`);
    }
    const files = filesInArchive(s.entries, handler === 'ZipArchive' ? [] : p.exclude ?? []);
    const zipFiles = handler === 'ZipArchive' ? selectZip(files, p) : files;
    if (s.listRc !== 0 || zipFiles.length === 0) {
      return fail(s.listRc !== 0 ? `Failed to find handler for "${p.src}". Make sure the required command to extract the file is installed. Unable to list files in the archive: ${s.listErr ?? ''}`.trim()
        : `Failed to find handler for "${p.src}". Make sure the required command to extract the file is installed. Command found no files in archive. Empty archive files are not supported.`);
    }
    const onHost = p.remote_src ? p.src : `/tmp/.hostwright-unarchive-${s.srcSha1}`;
    const base: Record<string, unknown> = { dest: p.dest, src: onHost, handler, ...destInfo(s.dest), ...(p.list_files ? { files: zipFiles } : {}) };
    const differences = s.destPredicted ? zipFiles.map((f) => `${f}: Warning: Cannot stat: No such file or directory`) : significantDifferences(s.differences, p, s.runUid);
    const unpacked = s.alreadyPredicted || differences.length === 0;
    const targets = attributeTargets(zipFiles);
    if (unpacked) {
      // Unpacked already: only the attributes the task sets may change, entry by entry.
      const actions: RunAction[] = [];
      for (const name of s.alreadyPredicted ? [] : targets) {
        const info = s.stats.get(name) ?? s.stats.get(`${name}/`);
        if (!info) continue;
        const a = planAttrs(path.posix.join(p.dest, name), info, p, s.ids, false);
        if (a.failed) return fail(a.failed);
        actions.push(...a.actions);
      }
      return { changed: actions.length > 0, actions, summary: actions.length ? `set attributes on ${actions.length} entries` : undefined, result: base };
    }
    const actions: Action[] = [];
    if (s.archive) actions.push({ kind: 'write', path: onHost, content: s.archive, mode: '0600' });
    const argv = extractArgv(p, handler, onHost, s.newer);
    actions.push({
      kind: 'run',
      script: extractScript(p, handler, onHost, Boolean(s.archive), s.newer),
      ...(p.mode !== undefined || p.owner !== undefined || p.group !== undefined ? { stdin: targets.join('\0') } : {}),
      describe: `unpack ${p.src} into ${p.dest}`,
      result: (r) => ({ extract_results: { cmd: argv, rc: r.rc, out: r.stdout, err: r.stderr } }),
    });
    const effects: Effect[] = [
      ...(s.srcSha1 ? [{ kind: 'resource' as const, type: 'unarchive', key: effectKey(p, s.srcSha1), state: 'present' as const }] : []),
      ...zipFiles.map((f): Effect => f.endsWith('/') ? { kind: 'path', path: path.posix.join(p.dest, f), state: 'directory' } : { kind: 'path', path: path.posix.join(p.dest, f), state: 'exists' }),
    ];
    const shown = differences.slice(0, 50).join('\n') + (differences.length > 50 ? `\n... ${differences.length - 50} more\n` : '\n');
    return {
      changed: true,
      actions,
      effects,
      diffs: [{ before: shown, after: '', before_header: `${p.dest} differs from ${p.src}`, after_header: `${p.dest} unpacked` }],
      result: base,
    };
  },
});

/** zip: Ansible's files_in_archive keeps the entries include names (fnmatch) and drops excluded ones. */
function selectZip(files: readonly string[], p: UnarchiveParams): string[] {
  const inc = (p.include ?? []).map(fnmatchToRegExp);
  const exc = (p.exclude ?? []).map(fnmatchToRegExp);
  return files.filter((f) => (inc.length === 0 || inc.some((re) => re.test(f))) && !exc.some((re) => re.test(f)));
}
