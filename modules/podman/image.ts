/**
 * podman_image: an image present (pulled, or built from a Containerfile) or absent.
 *
 * A build is idempotent by content, not by name: the probe hashes every file of the build
 * context (names, modes and bytes), the plan mixes in the Containerfile's name and the build
 * arguments, and the image carries the result as the label `io.hostwright.context`. The image is
 * rebuilt exactly when that differs — an edited file anywhere in the context counts, not only the
 * Containerfile (containers.podman#646) — and the containers of the image then see a new image ID.
 */
import { createHash } from 'node:crypto';
import { defineModule } from '../../runner/module.js';
import type { Action, Plan, Predicted } from '../../runner/module.types.js';
import { sh } from '../../runner/shell.js';
import { inspected, parseSections, podmanEffect, podmanScript, resourceDiff, section } from './common.js';
import type { ImageInspect } from './inspect.types.js';
import { podmanImageDefinition, type PodmanImageParams } from './image.params.js';

export type { PodmanImageParams } from './image.params.js';

/** `name:tag` (a name that already has a tag or digest keeps it). */
export function imageRef(p: Pick<PodmanImageParams, 'name' | 'tag'>): string {
  const last = p.name.split('/').pop()!;
  if (last.includes(':') || last.includes('@')) return p.name;
  return `${p.name}:${p.tag ?? 'latest'}`;
}

export const CONTEXT_LABEL = 'io.hostwright.context';

export interface ImageState {
  image?: ImageInspect;
  /** sha256 over the build context's files (names, modes, content), when building. */
  contextHash?: string;
  contextMissing?: boolean;
  /** Check runs: the context is not on the host yet, an earlier task (named) would make it. */
  contextMadeBy?: string;
}

/**
 * One line per file of the context, sorted by name: `mode sha256  ./path` (symlinks by their
 * target), hashed once more; an empty context hashes the empty list.
 */
export function contextHashScript(path: string): string {
  return sh`cd -- ${path} || exit 1
{ find . -type f -exec stat -c '%a %n' {} + | LC_ALL=C sort
  find . -type f -exec sha256sum {} + | LC_ALL=C sort -k 2
  find . -type l -exec sh -c 'for l; do printf "%s -> %s\\n" "$l" "$(readlink "$l")"; done' sh {} + | LC_ALL=C sort
} | sha256sum | cut -d ' ' -f 1`;
}

export function imageProbeScript(p: PodmanImageParams): string {
  const parts = [section('image', sh`podman image inspect -- ${imageRef(p)} 2>/dev/null`)];
  if (p.path !== undefined && p.state !== 'absent') parts.push(section('context', `(${contextHashScript(p.path)})`));
  return podmanScript(parts.join('\n'));
}

export function parseImageProbe(stdout: string): ImageState {
  const s = parseSections(stdout);
  const state: ImageState = {};
  const image = inspected<ImageInspect>(s, 'image');
  if (image) state.image = image;
  const ctx = s.get('context');
  if (ctx) {
    if (ctx.rc === 0 && /^[0-9a-f]{64}$/.test(ctx.out.trim())) state.contextHash = ctx.out.trim();
    else state.contextMissing = true;
  }
  return state;
}

/** The build's identity: the context's content, the Containerfile's name and the build arguments. */
export function buildIdentity(p: PodmanImageParams, contextHash: string): string {
  const args = Object.entries(p.build?.build_args ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256').update(JSON.stringify([contextHash, p.build?.file ?? '', args])).digest('hex');
}

const run = (script: string, describe: string): Action => ({ kind: 'run', script: podmanScript(script), describe });

function buildCommand(p: PodmanImageParams, identity: string): string {
  const file = p.build?.file === undefined ? [] : ['--file', p.build.file.startsWith('/') ? p.build.file : `${p.path}/${p.build.file}`];
  const args = Object.entries(p.build?.build_args ?? {}).sort(([a], [b]) => a.localeCompare(b)).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
  return sh`podman build --quiet --tag ${imageRef(p)} --label ${`${CONTEXT_LABEL}=${identity}`} ${file} ${args} -- ${p.path!} >/dev/null`;
}

const label = (i: ImageInspect | undefined) => i?.Labels?.[CONTEXT_LABEL] ?? i?.Config?.Labels?.[CONTEXT_LABEL];
const fields = (i: ImageInspect) => ({ id: i.Id, ...(label(i) ? { context: label(i) } : {}) });

/** A build of the image with this identity (or, in a check run before its context exists, a description of it). */
function planBuild(p: PodmanImageParams, s: ImageState, identity: string): Plan {
  const ref = imageRef(p);
  const wanted = { id: '(built)', context: identity };
  return {
    changed: true,
    actions: [run(buildCommand(p, identity), `build image ${ref} from ${p.path}`)],
    diffs: [s.image ? resourceDiff('podman_image', ref, fields(s.image), wanted) : resourceDiff('podman_image', ref, undefined, wanted)],
    summary: s.image ? `rebuilt image ${ref} (the build context changed)` : `built image ${ref}`,
    // A new image ID, unknown until built: the containers of this image will be recreated.
    effects: [podmanEffect('podman_image', ref, true, { id: null })],
    ...(p.force ? { nonIdempotent: true } : {}),
  };
}

/**
 * Check runs: a build context an earlier task would create (a deploy's new release, a git
 * checkout) cannot be hashed yet, but it will be there: the image is built from it.
 */
export function overlayImage(s: ImageState, predicted: Predicted, p: PodmanImageParams): ImageState {
  if (p.path === undefined || !s.contextMissing) return s;
  const made = predicted.path(p.path);
  return made && made.state !== 'absent' ? { ...s, contextMadeBy: made.by } : s;
}

export function planImage(p: PodmanImageParams, s: ImageState): Plan {
  const ref = imageRef(p);
  if (p.state === 'absent') {
    if (!s.image) return { changed: false, actions: [] };
    return {
      changed: true,
      actions: [run(sh`podman rmi ${p.force ? ['--force'] : []} -- ${ref}`, `remove image ${ref}`)],
      diffs: [resourceDiff('podman_image', ref, fields(s.image), undefined)],
      summary: `removed image ${ref}`,
      effects: [podmanEffect('podman_image', ref, false)],
    };
  }
  if (p.path !== undefined) {
    if (s.contextMadeBy !== undefined) return planBuild(p, s, `(known once '${s.contextMadeBy}' has run)`);
    if (s.contextMissing || !s.contextHash) return { changed: false, actions: [], failed: `build context ${p.path} cannot be read on the host` };
    const identity = buildIdentity(p, s.contextHash);
    if (label(s.image) === identity && !p.force) return { changed: false, actions: [], result: { image: fields(s.image!) } };
    return planBuild(p, s, identity);
  }
  if (s.image && !p.force) return { changed: false, actions: [], result: { image: fields(s.image) } };
  if (!s.image && p.pull === false) return { changed: false, actions: [], failed: `image ${ref} is not on the host and pull is false` };
  const tls = p.validate_certs === false ? ['--tls-verify=false'] : [];
  return {
    changed: true,
    actions: [run(sh`podman pull --quiet ${tls} -- ${ref} >/dev/null`, `pull image ${ref}`)],
    diffs: [resourceDiff('podman_image', ref, s.image ? fields(s.image) : undefined, { id: '(pulled)' })],
    summary: `pulled image ${ref}`,
    effects: [podmanEffect('podman_image', ref, true, { id: null })],
    ...(p.force ? { nonIdempotent: true } : {}),
  };
}

export const podman_image = defineModule<PodmanImageParams, ImageState>({
  ...podmanImageDefinition,
  overlay: overlayImage,
  async gather(p, probe) {
    const out = await probe.run(imageProbeScript(p));
    return parseImageProbe(out.stdout);
  },
  plan(p, s) {
    return planImage(p, s);
  },
});
