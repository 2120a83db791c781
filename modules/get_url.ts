/**
 * get_url: download a file ON THE HOST to `dest`, as Ansible's get_url (the host needs curl).
 * Idempotent the way Ansible is: with `checksum` and an existing dest that has it, nothing is
 * downloaded ("file already exists"); without, the request carries If-Modified-Since (curl -z) and
 * a 304 changes nothing; a download whose content equals dest's changes nothing either. `force`
 * downloads every time (still unchanged when the content is the same).
 *
 * Observe → plan → apply: the probe (read-only) downloads to a temp file beside dest, hashes it and
 * deletes it; the plan decides from the hashes; the run downloads again to a temp file beside dest,
 * checks it has the hash the plan saw (else fails: the content changed under us), sets mode and
 * owner, and renames it over dest — so dest is never half written, and check mode shows exactly
 * what the run does. Not implemented: dest as a directory, checksum as a URL, url_username/
 * url_password, tmp_dest, backup, headers with secrets in them are visible in `ps` on the host.
 */
import { defineModule } from '../runner/module.js';
import type { Effect, RunAction, TaskResult } from '../runner/module.types.js';
import { raw, sh } from '../runner/shell.js';
import { planAttrs, type FileAttrParams } from './_lib/attrs.js';
import { formatMode } from './_lib/mode.js';
import { idLookupLines, parseIds, parseProbe, parseStat, statLines, type FileInfo } from './_lib/probe.js';
import { getUrlDefinition, type GetUrlParams } from './get_url.params.js';

export type { GetUrlParams } from './get_url.params.js';

export type ChecksumAlgorithm = 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

export interface GetUrlResult extends TaskResult {
  dest: string;
  url: string;
  status_code?: number;
  checksum_src?: string;
  checksum_dest?: string | null;
  size?: number;
}

export interface GetUrlState {
  dest?: FileInfo;
  /** dest's sha1 and its digest in the checksum's algorithm. */
  destSha1?: string;
  destSum?: string;
  ids: { uid?: number | null; gid?: number | null };
  /** The probe's download: absent when none was needed (checksum matched). */
  download?: { rc: number; status: number; error: string; reason: string; size: number; sha1: string; sum: string; length?: string };
  noCurl?: boolean;
}

function algorithm(p: GetUrlParams): ChecksumAlgorithm | undefined {
  return p.checksum ? (p.checksum.split(':')[0] as ChecksumAlgorithm) : undefined;
}

function wanted(p: GetUrlParams): string | undefined {
  return p.checksum?.slice(p.checksum.indexOf(':') + 1).toLowerCase();
}

function curlArgs(p: GetUrlParams): string[] {
  const args = ['-sS', '-L', '--max-time', String(p.timeout ?? 10)];
  if (p.validate_certs === false) args.push('-k');
  for (const [k, v] of Object.entries(p.headers ?? {})) args.push('-H', `${k}: ${v}`);
  return args;
}

/**
 * The probe: dest's stat and digests, the owner/group ids, then (unless dest already has the
 * checksum) a download into a temp file beside dest — conditional on dest's mtime unless forced —
 * hashed and removed.
 */
export function getUrlProbe(p: GetUrlParams): string {
  const alg = algorithm(p) ?? 'sha1';
  const sum = `${alg}sum`;
  // If-Modified-Since only when neither forced nor checked: a checksum that did not match forces
  // the download, as in Ansible.
  const condition = p.force || p.checksum ? '' : ' ${have:+-z "$dest"}';
  return [
    sh`dest=${p.dest}`,
    statLines('dest', raw('"$dest"'), true),
    `have=; if [ -f "$dest" ]; then have=1; s=$(sha1sum < "$dest") && echo "destsha1 \${s%% *}"; s=$(${sum} < "$dest") && echo "destsum \${s%% *}"; fi`,
    idLookupLines(p.owner, p.group),
    sh`if [ -n "$have" ] && [ -n ${p.force ? '' : (wanted(p) ?? '')} ] && [ "$(${raw(sum)} < "$dest" | cut -d' ' -f1)" = ${wanted(p) ?? ''} ]; then exit 0; fi`,
    `command -v curl >/dev/null 2>&1 || { echo nocurl; exit 0; }`,
    `dir=\${dest%/*}; [ -n "$dir" ] || dir=/`,
    `[ -d "$dir" ] || { echo "dl 999 0 Destination $dir does not exist"; exit 0; }`,
    `tmp=$(mktemp "$dir/.hostwright-get_url.XXXXXXXX") || exit 1`,
    `trap 'rm -f -- "$tmp" "$tmp.h" "$tmp.e"' EXIT`,
    sh`code=$(curl ${curlArgs(p)} -D "$tmp.h"${raw(condition)} -o "$tmp" -w '%{http_code}' -- ${p.url} 2>"$tmp.e"); rc=$?`,
    `echo "dl $rc \${code:-000} $(tr '\\n' ' ' < "$tmp.e")"`,
    `echo "reason $(grep -a '^HTTP/' "$tmp.h" | tail -n 1 | cut -d' ' -f3- | tr -d '\\r')"`,
    `echo "length $(grep -ai '^content-length:' "$tmp.h" | tail -n 1 | cut -d' ' -f2 | tr -d '\\r')"`,
    `echo "size $(wc -c < "$tmp")"`,
    `s=$(sha1sum < "$tmp") && echo "srcsha1 \${s%% *}"`,
    `s=$(${sum} < "$tmp") && echo "srcsum \${s%% *}"`,
  ].join('\n') + '\n';
}

export function parseGetUrlProbe(out: string, p: GetUrlParams): GetUrlState {
  const { fields } = parseProbe(Buffer.from(out));
  const info = parseStat(fields, 'dest');
  const state: GetUrlState = { ids: parseIds(fields, p.owner, p.group) };
  if (info) state.dest = info;
  if (fields.has('destsha1')) state.destSha1 = fields.get('destsha1')!;
  if (fields.has('destsum')) state.destSum = fields.get('destsum')!;
  if (fields.has('nocurl')) state.noCurl = true;
  const dl = /^(\d+) (\d+) ?(.*)$/.exec(fields.get('dl') ?? '');
  if (dl) {
    const length = fields.get('length');
    state.download = {
      rc: Number(dl[1]),
      status: Number(dl[2]),
      error: dl[3]!.trim(),
      reason: fields.get('reason')?.trim() ?? '',
      size: Number(fields.get('size') ?? 0),
      sha1: fields.get('srcsha1') ?? '',
      sum: fields.get('srcsum') ?? '',
      ...(length ? { length } : {}),
    };
  }
  return state;
}

/** The run: download again beside dest, require the hash the plan saw, set attributes, rename. */
function installScript(p: GetUrlParams, sha1: string): string {
  return [
    sh`dest=${p.dest}; dir=\${dest%/*}; [ -n "$dir" ] || dir=/`,
    `tmp=$(mktemp "$dir/.hostwright-get_url.XXXXXXXX") || exit 1`,
    `trap 'rm -f -- "$tmp"' EXIT`,
    `trap 'exit 130' INT TERM HUP`,
    sh`curl ${curlArgs(p)} -f -o "$tmp" -- ${p.url} || exit 1`,
    sh`s=$(sha1sum < "$tmp"); [ "\${s%% *}" = ${sha1} ] || { echo "the content at the URL changed since it was checked (sha1 \${s%% *}, expected ${raw(sha1)})" >&2; exit 1; }`,
    // A new file gets 0666 minus the umask; an existing one keeps its mode, as Ansible's atomic_move.
    `if [ -e "$dest" ]; then chmod "$(stat -L -c %a "$dest")" "$tmp"; chown "$(stat -L -c %u:%g "$dest")" "$tmp" 2>/dev/null || true; else chmod "$(printf '%o' $((0666 & ~$(umask))))" "$tmp"; fi`,
    p.mode !== undefined ? sh`chmod ${typeof p.mode === 'number' ? p.mode.toString(8) : p.mode} "$tmp"` : '',
    p.owner !== undefined || p.group !== undefined ? sh`chown ${`${p.owner ?? ''}${p.group !== undefined ? `:${p.group}` : ''}`} "$tmp"` : '',
    `mv -f -- "$tmp" "$dest"`,
  ].filter(Boolean).join('\n') + '\n';
}

/** A numeric mode for the effect (symbolic modes depend on the old mode: left out). */
function octalMode(mode: FileAttrParams['mode']): number | undefined {
  if (typeof mode === 'number') return mode;
  return mode !== undefined && /^[0-7]+$/.test(mode) ? parseInt(mode, 8) : undefined;
}

function pathInfo(info: FileInfo | undefined): Record<string, unknown> {
  if (!info) return {};
  return { state: 'file', mode: formatMode(info.mode), owner: info.owner, group: info.group, uid: info.uid, gid: info.gid, size: info.size };
}

export const get_url = defineModule<GetUrlParams, GetUrlState, GetUrlResult>({
  ...getUrlDefinition,
  async gather(p, probe) {
    const r = await probe.run(getUrlProbe(p));
    if (r.rc !== 0) throw new Error(`get_url: probing ${p.dest} failed (rc=${r.rc}): ${r.stderr.trim()}`);
    return parseGetUrlProbe(r.stdout, p);
  },
  plan(p, s) {
    const base = { dest: p.dest, url: p.url };
    if (s.dest && s.dest.type === 'directory') return { changed: false, actions: [], failed: `get_url: dest ${p.dest} is a directory; give the file's full path` };
    if (s.noCurl) return { changed: false, actions: [], failed: 'get_url needs curl on the host (Debian: apt-get install curl)' };
    const attrs = (info: FileInfo) => planAttrs(p.dest, info, p, s.ids);
    if (!s.download) {
      // dest already has the checksum: only attributes may change.
      const a = attrs(s.dest!);
      if (a.failed) return { changed: false, actions: [], failed: a.failed };
      const changed = a.actions.length > 0;
      return { changed, actions: a.actions, summary: changed ? 'file already exists but file attributes changed' : 'file already exists', result: { ...base, ...pathInfo(s.dest) } };
    }
    const d = s.download;
    if (d.status === 999) return { changed: false, actions: [], failed: d.error };
    // Ansible says "Request failed" and puts the reason in `response`.
    if (d.status === 0) return { changed: false, actions: [], failed: 'Request failed', result: { ...base, status_code: -1, response: `Request failed: ${d.error || `curl exit code ${d.rc}`}` } };
    // Not modified since dest's mtime: Ansible exits there, attributes untouched.
    if (d.status === 304 && s.dest) {
      return { changed: false, actions: [], summary: `HTTP Error 304: ${d.reason || 'Not Modified'}`, result: { ...base, status_code: 304, ...pathInfo(s.dest) } };
    }
    if (d.status < 200 || d.status >= 300) return { changed: false, actions: [], failed: 'Request failed', result: { ...base, status_code: d.status, response: `HTTP Error ${d.status}: ${d.reason}` } };
    const sums = { checksum_src: d.sha1, checksum_dest: s.destSha1 ?? null };
    if (wanted(p) !== undefined && d.sum !== wanted(p)) {
      return { changed: false, actions: [], failed: `The checksum for ${p.dest} did not match ${wanted(p)}; it was ${d.sum}.`, result: { ...base, ...sums } };
    }
    const msg = `OK (${d.length ?? 'unknown'} bytes)`;
    if (s.dest && s.destSha1 === d.sha1) {
      const a = attrs(s.dest);
      if (a.failed) return { changed: false, actions: [], failed: a.failed };
      return { changed: a.actions.length > 0, actions: a.actions, summary: msg, result: { ...base, ...sums, status_code: d.status, ...pathInfo(s.dest) } };
    }
    const install: RunAction = { kind: 'run', script: installScript(p, d.sha1), describe: `download ${p.url} to ${p.dest}` };
    const effects: Effect[] = [{ kind: 'path', path: p.dest, state: 'file', created: !s.dest, ...(octalMode(p.mode) !== undefined ? { mode: octalMode(p.mode) } : {}), ...(p.owner !== undefined ? { owner: p.owner } : {}), ...(p.group !== undefined ? { group: p.group } : {}) }];
    return {
      changed: true,
      actions: [install],
      effects,
      summary: msg,
      diffs: [{ before: s.dest ? `${p.dest} (sha1 ${s.destSha1})\n` : '', after: `${p.dest} (sha1 ${d.sha1}, ${d.size} bytes from ${p.url})\n`, before_header: p.dest, after_header: p.url }],
      result: { ...base, ...sums, status_code: d.status, size: d.size },
    };
  },
});
