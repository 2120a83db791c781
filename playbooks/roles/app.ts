/**
 * app: seed 000's three services (gateway 3000, auth 3100, scheduling 3200) as podman containers,
 * built on the host from the release the deploy module checked out of the app's git remote
 * (apps/shiftplan in this repository is the demo app; any repository whose service directories
 * hold a Containerfile serving /health fits).
 *
 *   /srv/<name>/releases/<commit>   one checkout per release, `current` links the live one (modules/deploy.ts)
 *   /srv/<name>/color               which slot is live: blue or green (blue on a fresh host)
 *   localhost/<name>-<service>:<color>  the image of each slot, built with the release as context
 *   <name>-<service>-<color>        the container of each slot, on the host's network, listening on
 *                                   127.0.0.1 only (blue: the service's port, green: port + 1), so
 *                                   only HAProxy on the same host reaches it
 *
 * Every service has two slots so that playbooks/deploy.ts can start a release beside the live one
 * (blue-green, seed 004). This role converges the LIVE slot to the release `version` names, which
 * on a running site means replacing its containers in place: releases go through deploy.ts, this
 * role sets a host up and keeps it as it is.
 *
 * Values that differ per site (`repo`, `version`, `baseImage`) may be functions of the host, the
 * way group_vars give them.
 */
import { block, task, type Items, type Task } from '../../runner/index.js';
import type { HostContext } from '../../runner/module.js';
import { copy, deploy, file, podman_container, podman_image, shell, type DeployTaskResult, type PodmanContainerParams } from '../../modules/index.js';
import { perHost, type PerHost } from './per-host.js';

export type Color = 'blue' | 'green';
export const otherColor = (c: Color): Color => (c === 'blue' ? 'green' : 'blue');

/** The seed's services and their ports. */
export const SHIFTPLAN_SERVICES: Record<string, number> = { gateway: 3000, auth: 3100, scheduling: 3200 };

export interface AppVars {
  /** The application: /srv/<name>, images localhost/<name>-<service>, containers <name>-<service>-<color>. */
  name: string;
  /** The git remote of the app's source (URL or path on the host). */
  repo: PerHost<string>;
  /** Branch, tag or commit to deploy. @default 'HEAD' */
  version?: PerHost<string>;
  /** The image every service's Containerfile starts FROM (build arg BASE_IMAGE); it must be on the host. */
  baseImage: PerHost<string>;
  /** Service name → port of its blue slot (green: port + 1); each is a directory of the repository. @default SHIFTPLAN_SERVICES */
  services?: Record<string, number>;
  /** Releases kept under releases/. @default 5 */
  keepReleases?: number;
  /** Seconds a started container has to pass its healthcheck before the task fails. @default 60 */
  healthTimeout?: PerHost<number>;
}

export const appHome = (v: AppVars): string => `/srv/${v.name}`;
export const colorFile = (v: AppVars): string => `${appHome(v)}/color`;
export const servicesOf = (v: AppVars): Record<string, number> => v.services ?? SHIFTPLAN_SERVICES;
export const serviceNames = (v: AppVars): string[] => Object.keys(servicesOf(v));
/** The port a slot's container listens on (127.0.0.1): blue the service's port, green the next. */
export const slotPort = (v: AppVars, service: string, color: Color): number => servicesOf(v)[service]! + (color === 'green' ? 1 : 0);
export const imageName = (v: AppVars, service: string): string => `localhost/${v.name}-${service}`;
export const containerName = (v: AppVars, service: string, color: Color): string => `${v.name}-${service}-${color}`;

/** Reads the live slot (blue when the host has none yet); read-only, so it also runs in check mode. */
export function liveColorTask(v: AppVars): Task {
  return task('live slot', shell({ cmd: `cat ${colorFile(v)} 2>/dev/null || echo blue` }), { changed_when: () => false, check_mode: false });
}

export function colorOf(t: Task, h: HostContext): Color {
  const out = String((t.result(h) as { stdout?: string } | undefined)?.stdout ?? '').trim();
  if (out !== 'blue' && out !== 'green') throw new Error(`the live slot is '${out}', not blue or green: fix or remove the color file`);
  return out;
}

/** The release directory a deploy task made live (its `live` result). */
export function releaseDir(v: AppVars, t: Task<DeployTaskResult>, h: HostContext): string {
  const live = t.result(h)?.live;
  if (!live) throw new Error('no live release: the release task did not run');
  return `${appHome(v)}/releases/${live}`;
}

/** A slot's container of a service: started and healthy, unless `state` says otherwise. */
export function slotContainer(v: AppVars, service: string, color: Color, state: PodmanContainerParams['state'] = 'started', healthTimeout = 60): PodmanContainerParams {
  const port = slotPort(v, service, color);
  return {
    name: containerName(v, service, color),
    state,
    image: `${imageName(v, service)}:${color}`,
    // The host's network, bound to loopback: no NAT, and nothing outside the host reaches it.
    network: ['host'],
    command: ['httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', '/www'],
    label: { app: v.name, service, slot: color },
    restart_policy: 'always',
    healthcheck: `wget -q -O /dev/null http://127.0.0.1:${port}/health`,
    healthcheck_interval: '10s',
    ...(state === 'started' ? { wait_healthy: healthTimeout } : {}),
    stop_timeout: 5,
  };
}

/**
 * The images and containers of one slot, from a release directory: each service's image built
 * with the release as context (rebuilt only when the release's content differs), its container
 * (re)created on that image, started, and healthy before the task ends.
 */
export function slotTasks(v: AppVars, color: (h: HostContext) => Color, release: (h: HostContext) => string): Items {
  const base = perHost(v.baseImage);
  const service = (h: HostContext) => String(h.item);
  return [
    task(
      'service images',
      podman_image((h) => ({
        name: imageName(v, service(h)),
        tag: color(h),
        state: 'build',
        path: release(h),
        build: { file: `${service(h)}/Containerfile`, build_args: { BASE_IMAGE: base(h) } },
      })),
      { loop: serviceNames(v) },
    ),
    task(
      'service containers healthy',
      podman_container((h) => slotContainer(v, service(h), color(h), 'started', perHost(v.healthTimeout ?? 60)(h))),
      { loop: serviceNames(v) },
    ),
  ];
}

export function app(v: AppVars): Items {
  const live = liveColorTask(v);
  const release = task<DeployTaskResult>(
    'app release',
    deploy((h) => ({ path: appHome(v), repo: perHost(v.repo)(h), version: perHost(v.version ?? 'HEAD')(h), keep_releases: v.keepReleases ?? 5 })),
  );
  return [
    block({
      tags: ['app'],
      block: [
        task('app directory', file({ path: appHome(v), state: 'directory', mode: '0755' })),
        live,
        release,
        slotTasks(v, (h) => colorOf(live, h), (h) => releaseDir(v, release, h)),
        task('live slot recorded', copy((h) => ({ dest: colorFile(v), content: `${colorOf(live, h)}\n`, mode: '0644' }))),
      ],
    }),
  ];
}
