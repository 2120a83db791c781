/**
 * podman_container: containers.podman's module, compared for real. One probe reads the container,
 * the image the task names (its ID and defaults), the env_file, the pod, and — with
 * generate_systemd — the unit and podman's version; container-spec.ts normalises both sides, and
 * the diff lists exactly the parameters that differ. A container that differs is recreated;
 * `recreate` and `force_restart` always act (and say so: not idempotent).
 */
import { defineModule } from '../../runner/module.js';
import type { Action, Effect, FileDiff, Plan, Predicted } from '../../runner/module.types.js';
import { sh } from '../../runner/shell.js';
import { differingFields, inspected, parseSections, parseUid, podmanEffect, podmanScript, resourceDiff, section, UID_SECTION, type Fields } from './common.js';
import { imageRef } from './image.js';
import { actualSpec, wantedSpec } from './container-spec.js';
import { healthyWait } from './health.js';
import type { ContainerInspect, ImageInspect, PodInspect } from './inspect.types.js';
import { containerOptions, imageAndCommand } from './run-args.js';
import { hasQuadlet, renderQuadlet, renderUnit, unitName, unitPath, type GenerateSystemd } from './systemd.js';
import { podmanContainerDefinition, type PodmanContainerParams } from './container.params.js';

export type { PodmanContainerParams } from './container.params.js';

/** What the probe saw. */
export interface ContainerState {
  uid: number;
  container?: ContainerInspect;
  image?: ImageInspect;
  envFile?: string;
  /** The env_file could not be read (podman would fail too). */
  envFileMissing?: boolean;
  pod?: PodInspect;
  /** With generate_systemd: the unit file's content (undefined: none), its state, podman's version. */
  unit?: { content?: string; active: boolean; enabled: boolean; podmanVersion: string; systemd: boolean };
}

export function containerProbeScript(p: PodmanContainerParams): string {
  const parts = [UID_SECTION, section('container', sh`podman container inspect -- ${p.name} 2>/dev/null`)];
  if (p.state !== 'absent' && p.image !== undefined) parts.push(section('image', sh`podman image inspect -- ${p.image} 2>/dev/null`));
  if (p.state !== 'absent' && p.env_file !== undefined) parts.push(section('env_file', sh`cat -- ${p.env_file}`));
  if (p.state !== 'absent' && p.pod !== undefined) parts.push(section('pod', sh`podman pod inspect -- ${p.pod} 2>/dev/null`));
  if (p.generate_systemd) {
    parts.push(section('podman_version', `podman version --format '{{.Client.Version}}'`));
    parts.push(section('systemd', `[ -d /run/systemd/system ] && echo yes`));
    parts.push(section('unit_file', sh`cat -- ${unitPath(p.name, false)} 2>/dev/null`));
    parts.push(section('quadlet_file', sh`cat -- ${unitPath(p.name, true)} 2>/dev/null`));
    parts.push(section('unit_state', sh`systemctl show -p ActiveState -p UnitFileState -- ${unitName(p.name)} 2>/dev/null`));
  }
  return podmanScript(parts.join('\n'));
}

export function parseContainerProbe(stdout: string, p: PodmanContainerParams): ContainerState {
  const s = parseSections(stdout);
  const state: ContainerState = { uid: parseUid(s) };
  const container = inspected<ContainerInspect>(s, 'container');
  if (container) state.container = container;
  if (s.has('image')) {
    const image = inspected<ImageInspect>(s, 'image');
    if (image) state.image = image;
  }
  const envFile = s.get('env_file');
  if (envFile) {
    if (envFile.rc === 0) state.envFile = envFile.out;
    else state.envFileMissing = true;
  }
  if (s.has('pod')) {
    const pod = inspected<PodInspect>(s, 'pod');
    if (pod) state.pod = pod;
  }
  if (p.generate_systemd) {
    const version = s.get('podman_version')?.out.trim() ?? '';
    const quadlet = quadletWanted(p.generate_systemd, version);
    const file = s.get(quadlet ? 'quadlet_file' : 'unit_file');
    const props = new Map((s.get('unit_state')?.out ?? '').split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const));
    state.unit = {
      ...(file && file.rc === 0 ? { content: file.out + '\n' } : {}),
      active: ['active', 'activating', 'reloading'].includes(props.get('ActiveState') ?? ''),
      enabled: ['enabled', 'enabled-runtime', 'generated', 'static'].includes(props.get('UnitFileState') ?? ''),
      podmanVersion: version,
      systemd: s.get('systemd')?.out.trim() === 'yes',
    };
  }
  return state;
}

function quadletWanted(g: GenerateSystemd, version: string): boolean {
  return g.quadlet === 'auto' || g.quadlet === undefined ? hasQuadlet(version) : g.quadlet;
}

const run = (script: string, describe?: string): Action => ({ kind: 'run', script: podmanScript(script), ...(describe ? { describe } : {}) });

export function createCommand(p: PodmanContainerParams, start: boolean): string {
  const opts = containerOptions(p.name, p);
  return start ? sh`podman run --detach ${opts} ${imageAndCommand(p)}` : sh`podman create ${opts} ${imageAndCommand(p)}`;
}

export function planContainer(p: PodmanContainerParams, s: ContainerState): Plan {
  const state = p.state ?? 'started';
  const ctr = s.container;
  const result: Record<string, unknown> = {};
  if (s.envFileMissing) return { changed: false, actions: [], failed: `env_file ${p.env_file} cannot be read on the host` };
  if (p.pod !== undefined && state !== 'absent' && !s.pod) return { changed: false, actions: [], failed: `pod ${p.pod} does not exist: create it first (podman_pod)` };
  if (p.generate_systemd) return planWithUnit(p, s);

  if (state === 'absent') {
    if (!ctr) return { changed: false, actions: [], result };
    return done(p.name, [run(sh`podman rm --force -- ${p.name}`)], [resourceDiff('podman_container', p.name, {}, undefined)], `removed container ${p.name}`, false, false);
  }

  const spec = compare(p, s);
  const start = state === 'started';
  const health = p.wait_healthy !== undefined ? [healthyWait(p.name, p.wait_healthy)] : [];
  if (!ctr) {
    const pull = pullFirst(p, s);
    return done(p.name, [...pull, run(createCommand(p, start)), ...(start ? health : [])], [resourceDiff('podman_container', p.name, undefined, spec.wanted)], `created container ${p.name}`);
  }
  if (spec.differs.length > 0 || p.recreate) {
    const wasRunning = ctr.State.Running;
    const startAfter = state === 'started' || (state !== 'stopped' && wasRunning);
    const keys = spec.differs.length > 0 ? spec.differs : [];
    return done(
      p.name,
      [...pullFirst(p, s), run(sh`podman rm --force -- ${p.name}`), run(createCommand(p, startAfter)), ...(startAfter ? health : [])],
      keys.length ? [resourceDiff('podman_container', p.name, spec.actual, spec.wanted, keys)] : [],
      `recreated container ${p.name}${keys.length ? ` (${keys.join(', ')} differ)` : ' (recreate)'}`,
      p.recreate,
    );
  }
  const running = ctr.State.Running;
  if (state === 'started' && !running) {
    return done(p.name, [run(sh`podman start -- ${p.name}`), ...health], [stateDiff(p.name, 'stopped', 'running')], `started container ${p.name}`);
  }
  if (state === 'stopped' && running) {
    return done(p.name, [run(sh`podman stop -- ${p.name}`)], [stateDiff(p.name, 'running', 'stopped')], `stopped container ${p.name}`);
  }
  if (p.force_restart && running) {
    return done(p.name, [run(sh`podman restart -- ${p.name}`), ...health], [], `restarted container ${p.name}`, true);
  }
  return { changed: false, actions: [], result };
}

function done(name: string, actions: Action[], diffs: FileDiff[], summary: string, nonIdempotent = false, present = true, more: Effect[] = []): Plan {
  return {
    changed: true,
    actions,
    diffs,
    summary,
    effects: [podmanEffect('podman_container', name, present), ...more],
    ...(nonIdempotent ? { nonIdempotent } : {}),
    result: { podman_actions: actions.map((a) => (a.kind === 'run' ? (a.describe ?? a.script.split('\n').pop()) : a.kind)) },
  };
}

function stateDiff(name: string, before: string, after: string): FileDiff {
  const header = `podman_container ${name}`;
  return { before: `status: "${before}"\n`, after: `status: "${after}"\n`, before_header: header, after_header: header };
}

/** An image the host does not have yet is pulled before the container is made (podman run would pull it too, but a failure then names the pull). */
function pullFirst(p: PodmanContainerParams, s: ContainerState): Action[] {
  return s.image ? [] : [run(sh`podman pull --quiet -- ${p.image ?? ''} >/dev/null`, `pull image ${p.image}`)];
}

export function compare(p: PodmanContainerParams, s: ContainerState): { actual?: Fields; wanted: Fields; differs: string[] } {
  const ctx = { image: s.image, uid: s.uid, ...(s.envFile !== undefined ? { envFile: s.envFile } : {}), ...(s.pod ? { podId: s.pod.Id } : {}) };
  const actual = s.container ? actualSpec(s.container, p, ctx) : undefined;
  const wanted = wantedSpec(p, ctx, actual);
  return { ...(actual ? { actual } : {}), wanted, differs: actual ? differingFields(actual, wanted) : Object.keys(wanted) };
}

/** The container run by a systemd unit: the unit is written, enabled, and (re)started when the container differs. */
function planWithUnit(p: PodmanContainerParams, s: ContainerState): Plan {
  const unit = s.unit!;
  if (!unit.systemd) return { changed: false, actions: [], failed: 'generate_systemd needs a host whose init is systemd' };
  const g = p.generate_systemd!;
  const quadlet = quadletWanted(g, unit.podmanVersion);
  const path = unitPath(p.name, quadlet);
  const name = unitName(p.name);
  const state = p.state ?? 'started';
  const actions: Action[] = [];
  const diffs: FileDiff[] = [];
  if (state === 'absent') {
    if (unit.active || unit.enabled) actions.push(run(sh`systemctl disable --now -- ${name}`));
    if (unit.content !== undefined) actions.push(run(sh`rm -f -- ${path} && systemctl daemon-reload`));
    if (s.container) actions.push(run(sh`podman rm --force -- ${p.name}`));
    if (actions.length === 0) return { changed: false, actions: [] };
    const gone: Effect[] = [{ kind: 'service', name, running: false, enabled: false }, ...(unit.content !== undefined ? [{ kind: 'path', path, state: 'absent' } as const] : [])];
    return done(p.name, actions, [resourceDiff('podman_container', p.name, {}, undefined)], `removed container ${p.name} and ${name}`, false, false, gone);
  }
  const text = quadlet ? renderQuadlet(p.name, p, g) : renderUnit(p.name, p, g);
  const unitChanged = unit.content !== text;
  if (unitChanged) {
    actions.push({ kind: 'write', path, content: text, mode: '0644' }, run('systemctl daemon-reload'));
    diffs.push({ before: unit.content ?? '', after: text, before_header: unit.content === undefined ? '/dev/null' : path, after_header: path });
  }
  if (!quadlet && !unit.enabled) actions.push(run(sh`systemctl enable -- ${name}`));
  const spec = compare(p, s);
  const differs = !s.container || spec.differs.length > 0;
  if (s.container && spec.differs.length > 0) diffs.push(resourceDiff('podman_container', p.name, spec.actual, spec.wanted, spec.differs));
  const health = p.wait_healthy !== undefined ? [healthyWait(p.name, p.wait_healthy)] : [];
  if (state === 'started') {
    if (unitChanged || differs || !unit.active || p.recreate || p.force_restart) {
      actions.push(...pullFirst(p, s), run(sh`systemctl restart -- ${name}`), waitRunning(p.name), ...health);
      if (!unit.active && !unitChanged && !differs) diffs.push(stateDiff(p.name, 'stopped', 'running'));
    }
  } else if (unit.active) {
    actions.push(run(sh`systemctl stop -- ${name}`));
    diffs.push(stateDiff(p.name, 'running', 'stopped'));
  }
  if (actions.length === 0) return { changed: false, actions: [] };
  const effects: Effect[] = [
    { kind: 'service', name, running: state === 'started', enabled: true },
    ...(unitChanged ? [{ kind: 'path', path, state: 'file', content: Buffer.from(text), mode: 0o644 } as const] : []),
  ];
  return done(p.name, actions, diffs, `${name}: ${unitChanged ? 'unit written, ' : ''}${state === 'started' ? 'container (re)started' : 'stopped'}`, Boolean(p.recreate || p.force_restart), true, effects);
}

/** The unit's ExecStart creates the container in the background of systemd's start: wait until it exists and runs, so the next task sees it. */
function waitRunning(name: string): Action {
  return run(
    sh`i=0; until [ "$(podman container inspect --format '{{.State.Running}}' -- ${name} 2>/dev/null)" = true ]; do i=$((i + 1)); if [ $i -gt 60 ]; then echo "container ${name} is not running 30 s after its unit started" >&2; exit 1; fi; sleep 0.5; done`,
    `wait for container ${name} to run`,
  );
}

/**
 * Check runs: an earlier task that builds, pulls, imports or tags the image gives it a new ID
 * (unknown until it exists), so the container will be recreated from it; one that creates or
 * recreates the pod leaves a new pod without this container.
 */
export function overlayContainer(s: ContainerState, predicted: Predicted, p: PodmanContainerParams): ContainerState {
  let next = s;
  const image = p.image === undefined ? undefined : predicted.resource('podman_image', imageRef({ name: p.image }));
  if (image) {
    const id = typeof image.attrs?.id === 'string' ? image.attrs.id : `(made by '${image.by}')`;
    next = image.state === 'absent' ? { ...next, image: undefined } : { ...next, image: { ...(s.image ?? {}), Id: id } };
  }
  const pod = p.pod === undefined ? undefined : predicted.resource('podman_pod', p.pod);
  if (pod?.state === 'absent') next = { ...next, pod: undefined, container: undefined };
  else if (pod?.attrs?.replaced) next = { ...next, pod: { Id: `(made by '${pod.by}')`, Name: p.pod!, State: 'Created' }, container: undefined };
  return next;
}

export const podman_container = defineModule<PodmanContainerParams, ContainerState>({
  ...podmanContainerDefinition,
  overlay: overlayContainer,
  async gather(p, probe) {
    const out = await probe.run(containerProbeScript(p));
    return parseContainerProbe(out.stdout, p);
  },
  plan(p, s) {
    return planContainer(p, s);
  },
});
