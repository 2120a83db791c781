/**
 * podman_tag: more names for an image. Changed only when a target name is missing or names
 * another image.
 */
import { defineModule } from '../../runner/module.js';
import type { Plan } from '../../runner/module.types.js';
import { sh } from '../../runner/shell.js';
import { inspected, parseSections, podmanEffect, podmanScript, section } from './common.js';
import { imageRef } from './image.js';
import type { ImageInspect } from './inspect.types.js';
import { podmanTagDefinition, type PodmanTagParams } from './tag.params.js';

export type { PodmanTagParams } from './tag.params.js';

export interface TagState {
  image?: ImageInspect;
  /** Image ID each target name points at now (undefined: none). */
  targets: Record<string, string | undefined>;
}

export function tagProbeScript(p: PodmanTagParams): string {
  const parts = [section('image', sh`podman image inspect -- ${p.image} 2>/dev/null`)];
  p.target_names.forEach((t, i) => parts.push(section(`target${i}`, sh`podman image inspect --format '{{.Id}}' -- ${t} 2>/dev/null`)));
  return podmanScript(parts.join('\n'));
}

export function parseTagProbe(stdout: string, p: PodmanTagParams): TagState {
  const s = parseSections(stdout);
  const image = inspected<ImageInspect>(s, 'image');
  const targets = Object.fromEntries(
    p.target_names.map((t, i) => {
      const sec = s.get(`target${i}`);
      return [t, sec && sec.rc === 0 ? sec.out.trim() || undefined : undefined];
    }),
  );
  return { ...(image ? { image } : {}), targets };
}

export function planTag(p: PodmanTagParams, s: TagState): Plan {
  if (!s.image) return { changed: false, actions: [], failed: `image ${p.image} is not on the host` };
  const missing = p.target_names.filter((t) => s.targets[t] !== s.image!.Id);
  if (missing.length === 0) return { changed: false, actions: [] };
  const header = `podman_tag ${p.image}`;
  return {
    changed: true,
    actions: [{ kind: 'run', script: podmanScript(sh`podman tag ${p.image} ${missing}`) }],
    diffs: [{ before: missing.map((t) => `${t}: ${JSON.stringify(s.targets[t] ?? null)}\n`).join(''), after: missing.map((t) => `${t}: ${JSON.stringify(s.image!.Id)}\n`).join(''), before_header: header, after_header: header }],
    summary: `tagged ${p.image} as ${missing.join(', ')}`,
    effects: missing.map((t) => podmanEffect('podman_image', imageRef({ name: t }), true, { id: s.image!.Id })),
  };
}

export const podman_tag = defineModule<PodmanTagParams, TagState>({
  ...podmanTagDefinition,
  async gather(p, probe) {
    return parseTagProbe((await probe.run(tagProbeScript(p))).stdout, p);
  },
  plan: (p, s) => planTag(p, s),
});
