/** podman_container's parameters: what validates a call without loading the module's code (container.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../../runner/module.js';
import type { ContainerConfig } from './container-spec.js';
import { normalisePublish, parseDuration, parseSize } from './syntax.js';
import type { GenerateSystemd } from './systemd.js';

export interface PodmanContainerParams extends ContainerConfig {
  /** Name of the container. */
  name: string;
  /**
   * started: exists with these parameters and runs; present and created (the same, as in
   * containers.podman): exists, created without starting it, a running one stays running when it is
   * recreated; stopped: exists, not running; absent.
   * @default 'started'
   */
  state?: 'started' | 'stopped' | 'present' | 'created' | 'absent';
  /** Remove and create the container even when nothing differs (not idempotent). @default false */
  recreate?: boolean;
  /** Restart a running container even when nothing differs (not idempotent). @default false */
  force_restart?: boolean;
  /**
   * After the container was (re)started, wait this many seconds at most for its healthcheck to
   * pass; the task fails with the last health log otherwise. @default no wait
   */
  wait_healthy?: number;
  /**
   * Run the container from a systemd unit (`container-NAME.service`, enabled, restarted when the
   * container dies): a quadlet file where podman ≥ 4.4, else a unit. Needs a systemd host; states
   * started, stopped and absent. @default no unit
   */
  generate_systemd?: GenerateSystemd;
}

export const stringList = { type: 'array', items: { type: 'string' }, nullable: true } as const;

export const stringMapSchema = { type: 'object', additionalProperties: { type: 'string' }, required: [], nullable: true } as const;

export const schema: JSONSchemaType<PodmanContainerParams> = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, pattern: '^[a-zA-Z0-9][a-zA-Z0-9_.-]*$' },
    state: { type: 'string', enum: ['started', 'stopped', 'present', 'created', 'absent'], nullable: true, default: 'started' },
    image: { type: 'string', minLength: 1, nullable: true },
    command: { type: ['string', 'array'], items: { type: 'string' }, nullable: true } as never,
    entrypoint: { type: 'string', nullable: true },
    env: stringMapSchema,
    env_file: { type: 'string', nullable: true },
    publish: stringList,
    volume: stringList,
    network: stringList,
    network_aliases: stringList,
    restart_policy: { type: 'string', pattern: '^(no|always|unless-stopped|on-failure(:[0-9]+)?)$', nullable: true },
    label: stringMapSchema,
    user: { type: 'string', nullable: true },
    workdir: { type: 'string', nullable: true },
    healthcheck: { type: 'string', nullable: true },
    healthcheck_interval: { type: 'string', nullable: true },
    healthcheck_retries: { type: 'integer', minimum: 0, nullable: true },
    healthcheck_start_period: { type: 'string', nullable: true },
    healthcheck_timeout: { type: 'string', nullable: true },
    memory: { type: 'string', nullable: true },
    cpus: { type: 'number', exclusiveMinimum: 0, nullable: true },
    pids_limit: { type: 'integer', nullable: true },
    read_only: { type: 'boolean', nullable: true },
    cap_add: stringList,
    cap_drop: stringList,
    stop_timeout: { type: 'integer', minimum: 0, nullable: true },
    pod: { type: 'string', nullable: true },
    recreate: { type: 'boolean', nullable: true, default: false },
    force_restart: { type: 'boolean', nullable: true, default: false },
    wait_healthy: { type: 'integer', minimum: 1, nullable: true },
    generate_systemd: {
      type: 'object',
      properties: {
        restart_policy: { type: 'string', enum: ['no', 'on-success', 'on-failure', 'on-abnormal', 'on-watchdog', 'on-abort', 'always'], nullable: true },
        stop_timeout: { type: 'integer', minimum: 0, nullable: true },
        quadlet: { type: ['string', 'boolean'], enum: ['auto', true, false], nullable: true } as never,
      },
      required: [],
      additionalProperties: false,
      nullable: true,
    },
  },
  required: ['name'],
  additionalProperties: false,
};

export function check(p: PodmanContainerParams): ParamIssue[] {
  const issues: ParamIssue[] = [];
  if (p.state !== 'absent' && p.image === undefined) issues.push({ field: 'image', message: `is required for state ${p.state ?? 'started'}` });
  if (p.memory !== undefined && parseSize(p.memory) === undefined) issues.push({ field: 'memory', message: `'${p.memory}' is not a size (like 512m or 1g)` });
  for (const f of ['healthcheck_interval', 'healthcheck_start_period', 'healthcheck_timeout'] as const) {
    const v = p[f];
    if (v !== undefined && parseDuration(v) === undefined) issues.push({ field: f, message: `'${v}' is not a duration (like 30s or 1m30s)` });
  }
  for (const [i, port] of (p.publish ?? []).entries()) {
    if (!/^(\d+)$/.test(normalisePublish(port).split(':').pop()!.split('/')[0]!) || port.includes('-')) {
      issues.push({ field: `publish.${i}`, message: `'${port}' is not [ip:][hostPort:]containerPort[/proto] (port ranges are not supported)` });
    }
  }
  for (const [i, v] of (p.volume ?? []).entries()) {
    const src = v.split(':')[0]!;
    if (v.includes(':') && !src.startsWith('/') && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(src)) {
      issues.push({ field: `volume.${i}`, message: `'${v}': the source must be an absolute path or a volume name` });
    }
  }
  if (p.pod !== undefined && (p.publish?.length || p.network?.length || p.network_aliases?.length)) {
    issues.push({ field: 'pod', message: 'a container in a pod shares the pod\'s network: set publish and network on the pod' });
  }
  if (p.generate_systemd && !['started', 'stopped', 'absent'].includes(p.state ?? 'started')) {
    issues.push({ field: 'generate_systemd', message: 'works with state started, stopped or absent' });
  }
  return issues;
}

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const podmanContainerDefinition: ModuleDefinition<PodmanContainerParams> = { name: 'podman_container', schema, check };
