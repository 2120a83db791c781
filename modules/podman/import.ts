/**
 * podman_import: an image from a root filesystem tarball on the host. Idempotent by content: the
 * image carries the sha256 of the tarball and of its `change` instructions as the label
 * `io.hostwright.source`, and is imported again exactly when that differs.
 */
import { createHash } from 'node:crypto';
import { defineModule } from '../../runner/module.js';
import type { Plan } from '../../runner/module.types.js';
import { sh } from '../../runner/shell.js';
import { inspected, parseSections, podmanEffect, podmanScript, resourceDiff, section } from './common.js';
import { imageRef } from './image.js';
import type { ImageInspect } from './inspect.types.js';
import { podmanImportDefinition, type PodmanImportParams } from './import.params.js';

export type { PodmanImportParams } from './import.params.js';

export const SOURCE_LABEL = 'io.hostwright.source';

export interface ImportState {
  image?: ImageInspect;
  /** sha256 of the tarball; undefined when it cannot be read. */
  srcHash?: string;
}

export function importProbeScript(p: PodmanImportParams): string {
  return podmanScript(
    [section('image', sh`podman image inspect -- ${p.repository} 2>/dev/null`), section('src', sh`sha256sum < ${p.src} | cut -d ' ' -f 1`)].join('\n'),
  );
}

export function parseImportProbe(stdout: string): ImportState {
  const s = parseSections(stdout);
  const image = inspected<ImageInspect>(s, 'image');
  const src = s.get('src');
  const hash = src && src.rc === 0 ? src.out.trim() : '';
  return { ...(image ? { image } : {}), ...(/^[0-9a-f]{64}$/.test(hash) ? { srcHash: hash } : {}) };
}

export function importIdentity(p: PodmanImportParams, srcHash: string): string {
  return createHash('sha256').update(JSON.stringify([srcHash, p.change ?? []])).digest('hex');
}

export function planImport(p: PodmanImportParams, s: ImportState): Plan {
  if (!s.srcHash) return { changed: false, actions: [], failed: `src ${p.src} cannot be read on the host` };
  const identity = importIdentity(p, s.srcHash);
  const current = s.image?.Labels?.[SOURCE_LABEL] ?? s.image?.Config?.Labels?.[SOURCE_LABEL];
  if (current === identity) return { changed: false, actions: [], result: { image: { id: s.image!.Id } } };
  const changes = [...(p.change ?? []), `LABEL ${SOURCE_LABEL}=${identity}`].flatMap((c) => ['--change', c]);
  const wanted = { source: identity };
  return {
    changed: true,
    actions: [{ kind: 'run', script: podmanScript(sh`podman import --quiet ${changes} -- ${p.src} ${p.repository} >/dev/null`), describe: `import ${p.src} as ${p.repository}` }],
    diffs: [resourceDiff('podman_image', p.repository, s.image ? { source: current ?? '(unknown)' } : undefined, wanted, s.image ? ['source'] : undefined)],
    summary: `imported ${p.src} as ${p.repository}`,
    effects: [podmanEffect('podman_image', imageRef({ name: p.repository }), true, { id: null })],
  };
}

export const podman_import = defineModule<PodmanImportParams, ImportState>({
  ...podmanImportDefinition,
  async gather(p, probe) {
    return parseImportProbe((await probe.run(importProbeScript(p))).stdout);
  },
  plan: (p, s) => planImport(p, s),
});
