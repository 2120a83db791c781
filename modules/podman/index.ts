/** The podman modules, one file per resource kind (containers.podman's module names). */
export { podman_container, type PodmanContainerParams } from './container.js';
export { podman_image, type PodmanImageParams } from './image.js';
export { podman_import, type PodmanImportParams } from './import.js';
export { podman_tag, type PodmanTagParams } from './tag.js';
export { podman_prune, type PodmanPruneParams } from './prune.js';
export { podman_network, type PodmanNetworkParams } from './network.js';
export { podman_volume, type PodmanVolumeParams } from './volume.js';
export { podman_pod, type PodmanPodParams } from './pod.js';
