/**
 * podman_volume: a named volume present (with its driver, options and labels) or absent. A volume
 * whose settings differ is removed and created again, which podman refuses while a container uses
 * it: its data is never dropped silently.
 */
import { defineModule } from '../../runner/module.js';
import type { Plan } from '../../runner/module.types.js';
import { sh } from '../../runner/shell.js';
import { inspected, labelArgs, parseSections, planRecreatable, podmanScript, section, sortedObject, stringMap, type Fields } from './common.js';
import type { VolumeInspect } from './inspect.types.js';
import { podmanVolumeDefinition, type PodmanVolumeParams } from './volume.params.js';

export type { PodmanVolumeParams } from './volume.params.js';

export interface VolumeState {
  volume?: VolumeInspect;
}

export function volumeProbeScript(p: PodmanVolumeParams): string {
  return podmanScript(section('volume', sh`podman volume inspect -- ${p.name} 2>/dev/null`));
}

export function parseVolumeProbe(stdout: string): VolumeState {
  const volume = inspected<VolumeInspect>(parseSections(stdout), 'volume');
  return volume ? { volume } : {};
}

const optionMap = (options: readonly string[]): Record<string, string> =>
  sortedObject(Object.fromEntries(options.map((o) => [o.slice(0, o.indexOf('=')), o.slice(o.indexOf('=') + 1)])));

function wantedFields(p: PodmanVolumeParams): Fields {
  return { driver: p.driver ?? 'local', options: optionMap(p.options ?? []), label: sortedObject(p.label ?? {}) };
}

function actualFields(v: VolumeInspect): Fields {
  return { driver: v.Driver, options: sortedObject(stringMap(v.Options)), label: sortedObject(stringMap(v.Labels)) };
}

function createCommand(p: PodmanVolumeParams): string {
  const opts = ['--driver', p.driver ?? 'local', ...(p.options ?? []).flatMap((o) => ['--opt', o]), ...labelArgs(p.label)];
  return sh`podman volume create ${opts} -- ${p.name} >/dev/null`;
}

export function planVolume(p: PodmanVolumeParams, s: VolumeState): Plan {
  return planRecreatable('volume', p, s.volume && actualFields(s.volume), () => wantedFields(p), () => createCommand(p));
}

export const podman_volume = defineModule<PodmanVolumeParams, VolumeState>({
  ...podmanVolumeDefinition,
  async gather(p, probe) {
    return parseVolumeProbe((await probe.run(volumeProbeScript(p))).stdout);
  },
  plan: (p, s) => planVolume(p, s),
});
