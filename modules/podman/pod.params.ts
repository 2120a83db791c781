/** podman_pod's parameters: what validates a call without loading the module's code (pod.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition } from '../../runner/module.js';

export interface PodmanPodParams {
  name: string;
  /** created: exists; started: exists and runs; stopped: exists, not running; absent. @default 'created' */
  state?: 'created' | 'started' | 'stopped' | 'absent';
  /** Ports of the pod, `[ip:][hostPort:]containerPort[/proto]`. @default none */
  publish?: string[];
  /** Networks of the pod. @default podman's default network */
  network?: string[];
  /** @default none */
  label?: Record<string, string>;
}

export const schema: JSONSchemaType<PodmanPodParams> = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, pattern: '^[a-zA-Z0-9][a-zA-Z0-9_.-]*$' },
    state: { type: 'string', enum: ['created', 'started', 'stopped', 'absent'], nullable: true, default: 'created' },
    publish: { type: 'array', items: { type: 'string' }, nullable: true },
    network: { type: 'array', items: { type: 'string' }, nullable: true },
    label: { type: 'object', additionalProperties: { type: 'string' }, required: [], nullable: true },
  },
  required: ['name'],
  additionalProperties: false,
};

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const podmanPodDefinition: ModuleDefinition<PodmanPodParams> = { name: 'podman_pod', schema };
