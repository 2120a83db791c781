/**
 * apt_signing_key: a repository's signing key as a file apt's `signed-by=` names — the modern
 * replacement of apt_key (which adds keys to a keyring every repository trusts, and is gone from
 * Debian 13). Hostwright's own module: Ansible does this with get_url or copy into
 * /etc/apt/keyrings, or with deb822_repository's signed_by; this one adds what those lack for a
 * key: it must be an OpenPGP public key, it is de-armoured for a `.gpg` name (apt reads `.gpg`
 * only in binary), and `id` pins the fingerprint the key must have.
 *
 * The key comes from a URL fetched ON THE HOST by the probe (curl, else wget), a controller file
 * (`src`, relative to the playbook), or inline `content`; the plan writes exactly those bytes with
 * the runner's atomic write (temp file beside dest, rename), so check mode shows what the run
 * writes and a key changed at its URL is a change.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { defineModule } from '../../runner/module.js';
import type { Action, Effect, FileDiff, Plan, Predicted } from '../../runner/module.types.js';
import { sh } from '../../runner/shell.js';
import { parseProbe, runProbe } from '../_lib/probe.js';
import { binaryKey, fingerprint, isArmored, keyFetchLines } from './signing-key.js';
import { overlayFile, type KnownFile } from './sources-predict.js';
import { aptSigningKeyDefinition, type AptSigningKeyParams, octal, normalId } from './apt_signing_key.params.js';

export type { AptSigningKeyParams } from './apt_signing_key.params.js';

export interface AptSigningKeyState {
  dest?: KnownFile;
  parentExists: boolean;
  /** The key from url, src or content. */
  key?: Buffer;
  /** Why there is no key (the download's error, a controller file that is missing). */
  problem?: string;
}

export function probeScript(p: AptSigningKeyParams): string {
  const lines = [
    sh`f=${p.dest}; if [ -f "$f" ]; then printf 'dest %s ' "$(stat -c %a -- "$f")"; base64 -w0 < "$f"; echo; fi`,
    `if [ -d "\${f%/*}/" ]; then echo parent yes; fi`,
  ];
  if ((p.state ?? 'present') === 'present' && p.url !== undefined) lines.push(...keyFetchLines(p.url, p.validate_certs !== false));
  return lines.join('\n') + '\n';
}

export function parseState(out: Buffer): AptSigningKeyState {
  const { fields } = parseProbe(out);
  const s: AptSigningKeyState = { parentExists: fields.get('parent') === 'yes' };
  const dest = fields.get('dest');
  if (dest !== undefined) {
    const [mode = '644', b64 = ''] = dest.split(' ');
    s.dest = { mode: parseInt(mode, 8), content: Buffer.from(b64, 'base64') };
  }
  const key = fields.get('key');
  if (key !== undefined) s.key = Buffer.from(key, 'base64');
  const err = fields.get('keyerror');
  if (err !== undefined) s.problem = `Could not fetch the key: ${err.trim()}`;
  return s;
}

const modeString = (m: number): string => m.toString(8).padStart(4, '0');

/** The bytes to write for `dest`: the key as given, de-armoured for a .gpg name; or why not. */
export function keyFileContent(dest: string, key: Buffer): { content: Buffer } | { failed: string } {
  const bin = binaryKey(key);
  if (!bin) return { failed: 'the key is not an OpenPGP public key (neither ASCII-armoured nor a binary public-key packet)' };
  if (dest.endsWith('.gpg')) return { content: bin };
  if (dest.endsWith('.asc') && !isArmored(key)) return { failed: `${dest}: apt reads a .asc file as ASCII-armoured, and this key is binary: name it .gpg` };
  return { content: key };
}

export function planSigningKey(p: AptSigningKeyParams, s: AptSigningKeyState): Plan {
  const dest = p.dest;
  if ((p.state ?? 'present') === 'absent') {
    if (!s.dest) return { changed: false, actions: [], result: { dest, state: 'absent' } };
    return {
      changed: true,
      actions: [{ kind: 'run', script: sh`rm -f -- ${dest}`, describe: `removing ${dest}` }],
      diffs: [{ before: `${dest} (${s.dest.content.length} bytes)\n`, after: '', before_header: dest, after_header: '/dev/null' }],
      summary: `removed ${dest}`,
      result: { dest, state: 'absent' },
      effects: [{ kind: 'path', path: dest, state: 'absent' }],
    };
  }
  if (s.problem || !s.key) return { changed: false, actions: [], failed: s.problem ?? 'no key' };
  const wanted = keyFileContent(dest, s.key);
  if ('failed' in wanted) return { changed: false, actions: [], failed: wanted.failed };
  const fpr = fingerprint(s.key);
  if (p.id !== undefined) {
    const id = normalId(p.id);
    if (!fpr) return { changed: false, actions: [], failed: `the key's fingerprint cannot be computed (not a version 4 key), so it cannot be checked against id ${p.id}` };
    if (!fpr.endsWith(id)) return { changed: false, actions: [], failed: `the key's fingerprint is ${fpr}, not ${id}: refused` };
  }
  const mode = octal(p.mode ?? '0644')!;
  const result = { dest, state: 'present', fingerprint: fpr ?? null };
  const actions: Action[] = [];
  const effects: Effect[] = [];
  const diffs: FileDiff[] = [];
  if (!s.parentExists) {
    actions.push({ kind: 'run', script: sh`mkdir -p -m 0755 -- ${path.posix.dirname(dest)}`, describe: `creating ${path.posix.dirname(dest)}` });
    effects.push({ kind: 'path', path: path.posix.dirname(dest), state: 'directory', created: true, mode: 0o755 });
  }
  if (!s.dest || !s.dest.content.equals(wanted.content)) {
    actions.push({ kind: 'write', path: dest, content: wanted.content, mode: modeString(mode) });
    effects.push({ kind: 'path', path: dest, state: 'file', content: wanted.content, mode, ...(s.dest ? {} : { created: true }) });
    // A key's bytes say little; its fingerprint is what a reader checks.
    diffs.push({ before: s.dest ? `${dest}: fingerprint ${fingerprint(s.dest.content) ?? 'unknown'}\n` : '', after: `${dest}: fingerprint ${fpr ?? 'unknown'}\n`, before_header: s.dest ? dest : '/dev/null', after_header: dest });
  } else if (s.dest.mode !== mode) {
    actions.push({ kind: 'run', script: sh`chmod ${modeString(mode)} -- ${dest}`, describe: `chmod ${dest}` });
    effects.push({ kind: 'path', path: dest, state: 'file', mode });
    diffs.push({ before: `mode: ${modeString(s.dest.mode)}\n`, after: `mode: ${modeString(mode)}\n`, before_header: `${dest} (mode)`, after_header: `${dest} (mode)` });
  }
  if (actions.length === 0) return { changed: false, actions, result };
  return { changed: true, actions, diffs, summary: `${dest}: key ${fpr ?? ''}`.trim(), result, effects };
}

/** Check mode: dest (and its directory) as earlier tasks would leave them. */
export function overlaySigningKey(s: AptSigningKeyState, predicted: Predicted, p: AptSigningKeyParams): AptSigningKeyState {
  const out: AptSigningKeyState = { ...s };
  const dir = predicted.path(path.posix.dirname(p.dest));
  if (dir?.state === 'unknown') return predicted.unpredictable(dir.by, `whether ${path.posix.dirname(p.dest)} exists is not known before it runs`);
  if (dir) out.parentExists = dir.state === 'directory';
  const dest = overlayFile(s.dest, p.dest, predicted);
  if (dest) out.dest = dest;
  else delete out.dest;
  return out;
}

export const apt_signing_key = defineModule<AptSigningKeyParams, AptSigningKeyState>({
  ...aptSigningKeyDefinition,
  async gather(p, probe, ctx) {
    const out = await runProbe(probe, probeScript(p), p.dest);
    const s = parseState(out.stdoutBytes);
    if ((p.state ?? 'present') === 'absent' || p.url !== undefined) return s;
    if (p.content !== undefined) return { ...s, key: Buffer.from(p.content) };
    const file = path.resolve(ctx.playbookDir, p.src!);
    try {
      return { ...s, key: await readFile(file) };
    } catch {
      return { ...s, problem: `Could not find or access '${p.src}' (${file})` };
    }
  },
  plan: (p, s) => planSigningKey(p, s),
  overlay: overlaySigningKey,
});
