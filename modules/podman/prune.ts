/**
 * podman_prune: remove dangling images (the untagged leftovers of rebuilds and re-pulls).
 * Changed only when there is one to remove; the diff names them.
 */
import { defineModule } from '../../runner/module.js';
import type { Plan } from '../../runner/module.types.js';
import { sh } from '../../runner/shell.js';
import { parseSections, podmanScript, section } from './common.js';
import { podmanPruneDefinition, type PodmanPruneParams } from './prune.params.js';

export type { PodmanPruneParams } from './prune.params.js';

export interface PruneState {
  /** IDs of the images a prune would remove. */
  images: string[];
}

function filters(p: PodmanPruneParams): string[] {
  const label = p.image_filters?.label;
  return ['--filter', 'dangling=true', ...(label !== undefined ? ['--filter', `label=${label}`] : [])];
}

export function pruneProbeScript(p: PodmanPruneParams): string {
  return podmanScript(section('images', sh`podman images --quiet --no-trunc ${filters(p)}`));
}

export function parsePruneProbe(stdout: string): PruneState {
  const out = parseSections(stdout).get('images')?.out ?? '';
  return { images: [...new Set(out.split('\n').map((l) => l.trim()).filter(Boolean))].sort() };
}

export function planPrune(p: PodmanPruneParams, s: PruneState): Plan {
  if (p.image === false || s.images.length === 0) return { changed: false, actions: [] };
  return {
    changed: true,
    // Exactly the images seen, so the run removes what check mode listed (`podman image prune`
    // would also take one that became dangling in between).
    actions: [{ kind: 'run', script: podmanScript(sh`podman rmi -- ${s.images} >/dev/null`), describe: `remove ${s.images.length} dangling image(s)` }],
    diffs: [{ before: s.images.map((i) => `${i}\n`).join(''), after: '', before_header: 'podman_prune images', after_header: 'podman_prune images' }],
    summary: `removed ${s.images.length} dangling image(s)`,
    result: { images: s.images },
  };
}

export const podman_prune = defineModule<PodmanPruneParams, PruneState>({
  ...podmanPruneDefinition,
  async gather(p, probe) {
    return parsePruneProbe((await probe.run(pruneProbeScript(p))).stdout);
  },
  plan: (p, s) => planPrune(p, s),
});
