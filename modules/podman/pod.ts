/**
 * podman_pod: a pod (shared network namespace: its ports and networks) with its state. Its
 * containers are podman_container tasks with `pod: NAME`, each with its own diff. A pod whose
 * ports, networks or labels differ is removed with its containers and created again; the
 * container tasks that follow then create their containers in the new pod.
 */
import { defineModule } from '../../runner/module.js';
import type { Action, FileDiff, Plan } from '../../runner/module.types.js';
import { sh } from '../../runner/shell.js';
import { differingFields, inspected, labelArgs, parseSections, parseUid, podmanEffect, podmanScript, resourceDiff, section, sortedObject, stringMap, UID_SECTION, type Fields } from './common.js';
import { publishedPorts, wantedNetworks, wantedPublish } from './container-spec.js';
import type { PodInspect } from './inspect.types.js';
import { podmanPodDefinition, type PodmanPodParams } from './pod.params.js';

export type { PodmanPodParams } from './pod.params.js';

export interface PodState {
  uid: number;
  pod?: PodInspect;
}

export function podProbeScript(p: PodmanPodParams): string {
  return podmanScript([UID_SECTION, section('pod', sh`podman pod inspect -- ${p.name} 2>/dev/null`)].join('\n'));
}

export function parsePodProbe(stdout: string): PodState {
  const s = parseSections(stdout);
  const pod = inspected<PodInspect>(s, 'pod');
  return { uid: parseUid(s), ...(pod ? { pod } : {}) };
}

function actualFields(pod: PodInspect): Fields {
  const nets = pod.InfraConfig?.Networks ?? [];
  return {
    publish: publishedPorts(pod.InfraConfig?.PortBindings),
    network: nets.length ? [...nets].sort() : ['slirp4netns'],
    label: sortedObject(stringMap(pod.Labels)),
  };
}

function wantedFields(p: PodmanPodParams, uid: number, actual: Fields | undefined): Fields {
  return {
    publish: wantedPublish(p.publish, (actual?.publish as string[] | undefined) ?? []),
    network: wantedNetworks(p.network, uid),
    label: sortedObject(p.label ?? {}),
  };
}

function createCommand(p: PodmanPodParams): string {
  const opts = [...(p.publish ?? []).flatMap((x) => ['--publish', x]), ...(p.network ?? []).flatMap((n) => ['--network', n]), ...labelArgs(p.label)];
  return sh`podman pod create --name ${p.name} ${opts} >/dev/null`;
}

const run = (script: string): Action => ({ kind: 'run', script: podmanScript(script) });

const RUNNING = ['Running', 'Degraded'];

export function planPod(p: PodmanPodParams, s: PodState): Plan {
  const kind = 'podman_pod';
  const state = p.state ?? 'created';
  if (state === 'absent') {
    if (!s.pod) return { changed: false, actions: [] };
    return { changed: true, actions: [run(sh`podman pod rm --force -- ${p.name} >/dev/null`)], diffs: [resourceDiff(kind, p.name, {}, undefined)], summary: `removed pod ${p.name} and its containers`, effects: [podmanEffect('podman_pod', p.name, false)] };
  }
  const actual = s.pod ? actualFields(s.pod) : undefined;
  const wanted = wantedFields(p, s.uid, actual);
  const start = state === 'started' ? [run(sh`podman pod start -- ${p.name} >/dev/null`)] : [];
  if (!s.pod) return { changed: true, actions: [run(createCommand(p)), ...start], diffs: [resourceDiff(kind, p.name, undefined, wanted)], summary: `created pod ${p.name}`, effects: [podmanEffect('podman_pod', p.name, true, { replaced: true })] };
  const differs = differingFields(actual!, wanted);
  if (differs.length > 0) {
    return {
      changed: true,
      actions: [run(sh`podman pod rm --force -- ${p.name} >/dev/null`), run(createCommand(p)), ...start],
      diffs: [resourceDiff(kind, p.name, actual, wanted, differs)],
      summary: `recreated pod ${p.name} (${differs.join(', ')} differ); its containers were removed`,
      // A new pod (a new ID) without containers: the container tasks that follow create theirs.
      effects: [podmanEffect('podman_pod', p.name, true, { replaced: true })],
    };
  }
  const running = RUNNING.includes(s.pod.State);
  const status = (before: string, after: string): FileDiff => ({ before: `status: "${before}"\n`, after: `status: "${after}"\n`, before_header: `${kind} ${p.name}`, after_header: `${kind} ${p.name}` });
  if (state === 'started' && !running) return { changed: true, actions: start, diffs: [status(s.pod.State, 'Running')], summary: `started pod ${p.name}` };
  if (state === 'stopped' && running) {
    return { changed: true, actions: [run(sh`podman pod stop -- ${p.name} >/dev/null`)], diffs: [status(s.pod.State, 'Exited')], summary: `stopped pod ${p.name}` };
  }
  return { changed: false, actions: [] };
}

export const podman_pod = defineModule<PodmanPodParams, PodState>({
  ...podmanPodDefinition,
  async gather(p, probe) {
    return parsePodProbe((await probe.run(podProbeScript(p))).stdout);
  },
  plan: (p, s) => planPod(p, s),
});
