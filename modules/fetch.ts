/**
 * fetch: copy a file from the host to the controller, as Ansible's fetch action. Without `flat`
 * the file lands in `dest/<inventory_hostname>/<src path>`; with `flat` at `dest` itself (or in
 * `dest/` when it ends with a slash). Idempotent by checksum: a controller copy with the host
 * file's sha1 is left alone. The transfer is the runner's FetchAction (streamed, size and sha256
 * verified, renamed into place atomically). Registers Ansible's keys: dest, checksum and
 * remote_checksum (sha1), md5sum, file when unchanged. Check mode skips it, as Ansible does.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { defineModule } from '../runner/module.js';
import type { ModuleContext, TaskResult } from '../runner/module.types.js';
import { sh } from '../runner/shell.js';
import { fetchDefinition, type FetchParams } from './fetch.params.js';

export type { FetchParams } from './fetch.params.js';

export interface FetchResult extends TaskResult {
  dest?: string;
  checksum?: string;
  remote_checksum?: string;
  md5sum?: string;
  file?: string;
}

export interface FetchState {
  remote: { kind: 'missing' } | { kind: 'dir' } | { kind: 'file'; sha1: string; md5: string } | { kind: 'error'; message: string };
  /** Where the copy goes on the controller, or why it cannot. */
  dest: string | { problem: string };
  local?: { sha1: string; md5: string };
}

/** Ansible's destination rules (action/fetch.py). */
export function fetchDest(p: FetchParams, host: string, playbookDir: string, destIsDir: boolean): string | { problem: string } {
  const base = path.resolve(playbookDir, p.dest);
  if (p.flat) {
    if (destIsDir && !p.dest.endsWith('/')) return { problem: 'dest is an existing directory, use a trailing slash if you want to fetch src into that directory' };
    return path.normalize(p.dest.endsWith('/') ? path.join(base, path.basename(p.src)) : base);
  }
  const dest = path.normalize(`${base}/${host}/${p.src}`);
  if (!dest.startsWith(`${base}/`)) return { problem: `Detected directory traversal, expected to be contained in '${base}' but got '${dest}'` };
  return dest;
}

async function digest(file: string): Promise<{ sha1: string; md5: string } | undefined> {
  const sha1 = createHash('sha1');
  const md5 = createHash('md5');
  try {
    for await (const chunk of createReadStream(file)) {
      sha1.update(chunk as Buffer);
      md5.update(chunk as Buffer);
    }
  } catch {
    return undefined;
  }
  return { sha1: sha1.digest('hex'), md5: md5.digest('hex') };
}

/** One probe: is src a file (its sha1 and md5), a directory, or missing. */
export function parseFetchProbe(out: string): FetchState['remote'] {
  const line = out.trim();
  if (line === 'missing') return { kind: 'missing' };
  if (line === 'dir') return { kind: 'dir' };
  const m = /^file ([0-9a-f]{40}) ([0-9a-f]{32})$/.exec(line);
  return m ? { kind: 'file', sha1: m[1]!, md5: m[2]! } : { kind: 'error', message: line || 'no answer from the probe' };
}

async function gatherFetch(p: FetchParams, probe: { run(s: string): Promise<{ stdout: string; stderr: string }> }, ctx: ModuleContext): Promise<FetchState> {
  const r = await probe.run(
    sh`if [ -d ${p.src} ]; then echo dir; elif [ -e ${p.src} ]; then s=$(sha1sum < ${p.src}) && m=$(md5sum < ${p.src}) && echo "file \${s%% *} \${m%% *}"; else echo missing; fi`,
  );
  const remote = parseFetchProbe(r.stdout || r.stderr);
  const destIsDir = await stat(path.resolve(ctx.playbookDir, p.dest)).then((s) => s.isDirectory(), () => false);
  const dest = fetchDest(p, ctx.host, ctx.playbookDir, destIsDir);
  const local = typeof dest === 'string' ? await digest(dest) : undefined;
  return { remote, dest, ...(local ? { local } : {}) };
}

export const fetch = defineModule<FetchParams, FetchState, FetchResult>({
  ...fetchDefinition,
  gather: gatherFetch,
  plan(p, s) {
    const missingOk = p.fail_on_missing === false;
    if (s.remote.kind === 'missing' || s.remote.kind === 'dir') {
      const msg = s.remote.kind === 'missing' ? 'the remote file does not exist, not transferring, ignored' : 'remote file is a directory, fetch cannot work on directories';
      if (missingOk) return { changed: false, actions: [], summary: s.remote.kind === 'dir' ? `${msg}, not transferring, ignored` : msg, result: { file: p.src } };
      return { changed: false, actions: [], failed: msg };
    }
    if (s.remote.kind === 'error') return { changed: false, actions: [], failed: `fetch: cannot read ${p.src}: ${s.remote.message}` };
    if (typeof s.dest !== 'string') return { changed: false, actions: [], failed: s.dest.problem };
    if (s.local?.sha1 === s.remote.sha1) {
      return { changed: false, actions: [], result: { md5sum: s.local.md5, file: p.src, dest: s.dest, checksum: s.local.sha1 } };
    }
    return {
      changed: true,
      actions: [{ kind: 'fetch', path: p.src, dest: s.dest }],
      result: { md5sum: s.remote.md5, dest: s.dest, remote_md5sum: null, checksum: s.remote.sha1, remote_checksum: s.remote.sha1 },
    };
  },
});
