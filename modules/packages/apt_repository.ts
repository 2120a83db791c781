/**
 * apt_repository: a one-line apt source in /etc/apt/sources.list or sources.list.d/*.list, with
 * ansible.builtin.apt_repository's parameters, file names, line format and decisions
 * (apt-sources.ts): present enables an existing (even commented-out) line or appends the line to
 * `<filename>.list` (default: a name derived from the URL); absent removes every enabled line
 * with that source, and a file left without lines. After a change, `update_cache` (default true)
 * runs `apt-get update` with Ansible's retries and backoff; when it keeps failing, the sources
 * are put back as they were and the task fails.
 *
 * Observe: one probe prints every sources file Ansible reads. Plan: the files whose content
 * changes are written with the runner's atomic write (temp file beside them, rename). Check mode
 * shows the same plan, the diff is each file before and after (Ansible's headers, /dev/null for
 * a new file), and later tasks see the files (and, for apt, that the sources changed).
 *
 * Not here: `ppa:` repositories (they need Launchpad's API and a key server; write the deb line
 * with signed-by and the key with apt_signing_key), and `install_python_apt`,
 * `validate_certs`, `codename`, which only matter to Ansible's Python or to PPAs: accepted, no effect.
 */
import path from 'node:path';
import { defineModule } from '../../runner/module.js';
import type { Action, Effect, FileDiff, Plan, Predicted } from '../../runner/module.types.js';
import { sh } from '../../runner/shell.js';
import { fieldLine, parseProbe, runProbe } from '../_lib/probe.js';
import { addSource, copySources, dumpAll, parseSourcesFile, removeSource, repoSource, suggestFilename, type SourcesList } from './apt-sources.js';
import { UPDATE_STAMP } from './apt.js';
import { APT_CACHE } from './predict.js';
import { overlayText, predictedSourceFiles, sourcesEffect } from './sources-predict.js';
import { aptRepositoryDefinition, type AptRepositoryParams, SOURCES_LIST, SOURCES_DIR } from './apt_repository.params.js';

export { SOURCES_LIST, SOURCES_DIR } from './apt_repository.params.js';
export type { AptRepositoryParams } from './apt_repository.params.js';

export interface AptRepositoryState {
  /** Every sources file Ansible reads (sources.list, sources.list.d/*.list), path → content. */
  files: Map<string, string>;
  /** Files earlier tasks of a check run write (carried into this task's effect). */
  predictedFiles?: string[];
}

export function probeScript(): string {
  return [
    sh`for f in ${SOURCES_LIST} ${SOURCES_DIR}/*.list; do`,
    `  [ -f "$f" ] || continue`,
    `  t=$(cat -- "$f" && printf x) || exit 1`,
    `  ${fieldLine('file', '"$f"')}; ${fieldLine('content', '"${t%x}"')}`,
    `done`,
  ].join('\n') + '\n';
}

export function parseState(out: Buffer): AptRepositoryState {
  const files = new Map<string, string>();
  let file: string | undefined;
  for (const [key, value] of parseProbe(out).records) {
    if (key === 'file') file = value;
    else if (key === 'content' && file !== undefined) files.set(file, value);
  }
  return { files };
}

/** The file a new line goes to (Ansible's `_suggest_filename` + `_expand_path`). */
export function targetFile(p: AptRepositoryParams, source: string): string {
  return path.posix.join(SOURCES_DIR, suggestFilename(source, p.filename));
}

/** Ansible's update loop in sh: attempts with a doubling pause (capped), then the sources put back. */
function updateScript(p: AptRepositoryParams, before: Map<string, string>, touched: readonly string[]): string {
  const revert = touched.map((f) => (before.has(f) ? sh`printf '%s' ${before.get(f)!} > ${f}` : sh`rm -f -- ${f}`));
  return [
    'export DEBIAN_FRONTEND=noninteractive LC_ALL=C LANG=C',
    sh`retries=${p.update_cache_retries ?? 5}; max=${p.update_cache_retry_max_delay ?? 12}; i=0; d=1`,
    `while ! err=$(apt-get -q update --error-on=any 2>&1 >/dev/null); do`,
    `  i=$((i + 1))`,
    `  if [ "$i" -ge "$retries" ]; then`,
    ...revert.map((l) => `    ${l}`),
    `    printf 'Failed to update apt cache: %s (the sources were put back)\\n' "$err" >&2; exit 1`,
    `  fi`,
    `  if [ "$d" -gt "$max" ]; then sleep "$max"; else sleep "$d"; fi; d=$((d * 2))`,
    `done`,
    sh`mkdir -p /var/lib/apt/periodic && touch ${UPDATE_STAMP}`,
  ].join('\n') + '\n';
}

function modeString(mode: string | number): string {
  return (typeof mode === 'number' ? mode : parseInt(mode, 8)).toString(8).padStart(4, '0');
}

export function planAptRepository(p: AptRepositoryParams, s: AptRepositoryState): Plan {
  const r = repoSource(p.repo);
  if ('invalid' in r) return { changed: false, actions: [], failed: `Invalid repository string: ${r.invalid}` };
  const state = p.state ?? 'present';
  const result = { repo: p.repo, state };
  const list: SourcesList = new Map([...s.files].map(([f, text]) => [f, parseSourcesFile(text)]));
  const before = dumpAll(list);
  const edited = copySources(list);
  const appendedTo = state === 'present' ? addSource(edited, r.source, targetFile(p, r.source)) : (removeSource(edited, r.source), undefined);
  const after = dumpAll(edited);
  const changedFiles = [...new Set([...before.keys(), ...after.keys()])].filter((f) => before.get(f) !== after.get(f));
  if (changedFiles.length === 0) return { changed: false, actions: [], result };

  const actions: Action[] = [];
  const effects: Effect[] = [];
  const diffs: FileDiff[] = [];
  for (const f of changedFiles) {
    const text = after.get(f);
    diffs.push({ before: before.get(f) ?? '', after: text ?? '', before_header: before.has(f) ? f : '/dev/null', after_header: after.has(f) ? f : '/dev/null' });
    if (text === undefined) {
      actions.push({ kind: 'run', script: sh`rm -f -- ${f}`, describe: `removing ${f}` });
      effects.push({ kind: 'path', path: f, state: 'absent' });
      continue;
    }
    const mode = f === appendedTo && p.mode !== undefined ? modeString(p.mode) : undefined;
    actions.push({ kind: 'write', path: f, content: text, ...(mode ? { mode } : {}) });
    effects.push({ kind: 'path', path: f, state: 'file', content: Buffer.from(text), ...(s.files.has(f) ? {} : { created: true }), ...(mode ? { mode: parseInt(mode, 8) } : {}) });
  }
  if (p.update_cache !== false) {
    actions.push({ kind: 'run', script: updateScript(p, s.files, changedFiles), describe: 'apt-get update after changing the sources' });
    effects.push({ kind: 'resource', ...APT_CACHE, state: 'present' });
  }
  effects.push(sourcesEffect(s.predictedFiles ?? [], changedFiles));
  const verb = state === 'present' ? (appendedTo ? `add to ${appendedTo}` : 'enable in ' + changedFiles.join(', ')) : `remove from ${changedFiles.join(', ')}`;
  return { changed: true, actions, diffs, summary: `${verb}: ${r.source}`, result, effects };
}

/** Check mode: the sources files as earlier tasks would leave them (this task's target among them). */
export function overlayAptRepository(s: AptRepositoryState, predicted: Predicted, p: AptRepositoryParams): AptRepositoryState {
  const r = repoSource(p.repo);
  const earlier = predictedSourceFiles(predicted);
  const candidates = new Set([...s.files.keys(), ...earlier, ...('source' in r ? [targetFile(p, r.source)] : [])]);
  const files = new Map<string, string>();
  for (const f of candidates) {
    // Ansible reads sources.list and *.list only.
    if (f !== SOURCES_LIST && !(path.posix.dirname(f) === SOURCES_DIR && f.endsWith('.list'))) continue;
    const text = overlayText(s.files.get(f), f, predicted);
    if (text !== undefined) files.set(f, text);
  }
  return { files, predictedFiles: earlier };
}

export const apt_repository = defineModule<AptRepositoryParams, AptRepositoryState>({
  ...aptRepositoryDefinition,
  async gather(_p, probe) {
    const out = await runProbe(probe, probeScript(), 'the apt sources');
    return parseState(out.stdoutBytes);
  },
  plan: (p, s) => planAptRepository(p, s),
  overlay: overlayAptRepository,
});
