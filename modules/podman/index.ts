/**
 * The podman modules, one file per resource kind (containers.podman's module names). Each is a
 * lazyModule (runner/module.ts): validated from its `.params.ts` definition, its code imported when
 * a run uses it.
 */
import { lazyModule } from '../../runner/module.js';
import { podmanContainerDefinition } from './container.params.js';
import { podmanImageDefinition } from './image.params.js';
import { podmanImportDefinition } from './import.params.js';
import { podmanTagDefinition } from './tag.params.js';
import { podmanPruneDefinition } from './prune.params.js';
import { podmanNetworkDefinition } from './network.params.js';
import { podmanVolumeDefinition } from './volume.params.js';
import { podmanPodDefinition } from './pod.params.js';

export const podman_container: typeof import('./container.js').podman_container = lazyModule(podmanContainerDefinition, import.meta.url, './container.js', 'podman_container');
export const podman_image: typeof import('./image.js').podman_image = lazyModule(podmanImageDefinition, import.meta.url, './image.js', 'podman_image');
export const podman_import: typeof import('./import.js').podman_import = lazyModule(podmanImportDefinition, import.meta.url, './import.js', 'podman_import');
export const podman_tag: typeof import('./tag.js').podman_tag = lazyModule(podmanTagDefinition, import.meta.url, './tag.js', 'podman_tag');
export const podman_prune: typeof import('./prune.js').podman_prune = lazyModule(podmanPruneDefinition, import.meta.url, './prune.js', 'podman_prune');
export const podman_network: typeof import('./network.js').podman_network = lazyModule(podmanNetworkDefinition, import.meta.url, './network.js', 'podman_network');
export const podman_volume: typeof import('./volume.js').podman_volume = lazyModule(podmanVolumeDefinition, import.meta.url, './volume.js', 'podman_volume');
export const podman_pod: typeof import('./pod.js').podman_pod = lazyModule(podmanPodDefinition, import.meta.url, './pod.js', 'podman_pod');

export type { PodmanContainerParams } from './container.params.js';
export type { PodmanImageParams } from './image.params.js';
export type { PodmanImportParams } from './import.params.js';
export type { PodmanTagParams } from './tag.params.js';
export type { PodmanPruneParams } from './prune.params.js';
export type { PodmanNetworkParams } from './network.params.js';
export type { PodmanVolumeParams } from './volume.params.js';
export type { PodmanPodParams } from './pod.params.js';
