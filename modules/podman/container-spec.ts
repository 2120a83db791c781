/**
 * A container's managed fields, normalised the same way from two sides: what `podman inspect`
 * says the container is (`actualSpec`) and what the task asks for (`wantedSpec`). A parameter
 * the task leaves out takes the value the container would get without it — the image's (its
 * Env, Cmd, Entrypoint, WorkingDir, User, Labels, Healthcheck) or podman's — so defaults are never
 * differences (containers.podman #31, #39, #559, #775), while removing a parameter from the
 * playbook is one. The image is compared by ID, so a rebuilt image under the same tag recreates
 * the container (containers.podman #384, podman#13397).
 *
 * Fields whose default depends on the host's containers.conf (pids_limit, stop_timeout) are
 * compared only when the task sets them.
 */
import { shlexSplit } from '../../runner/shlex.js';
import { formatDuration, parseDuration, parseSize, sortedObject, stringMap, type Fields } from './common.js';
import { normalisePublish } from './syntax.js';

export { normalisePublish } from './syntax.js';
import type { ContainerInspect, HealthConfig, ImageInspect } from './inspect.types.js';

/** The task's parameters that describe the container (podman_container's names). */
export interface ContainerConfig {
  image?: string;
  command?: string | string[];
  entrypoint?: string;
  env?: Record<string, string>;
  env_file?: string;
  publish?: string[];
  volume?: string[];
  network?: string[];
  network_aliases?: string[];
  restart_policy?: string;
  label?: Record<string, string>;
  user?: string;
  workdir?: string;
  healthcheck?: string;
  healthcheck_interval?: string;
  healthcheck_retries?: number;
  healthcheck_start_period?: string;
  healthcheck_timeout?: string;
  memory?: string;
  cpus?: number;
  pids_limit?: number;
  read_only?: boolean;
  cap_add?: string[];
  cap_drop?: string[];
  stop_timeout?: number;
  pod?: string;
}

/** Capabilities podman gives a container by default (containers.conf `default_capabilities`). */
export const DEFAULT_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_NET_BIND_SERVICE',
  'CAP_SETFCAP', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID', 'CAP_SYS_CHROOT',
];

/** PATH podman sets when the image has none. */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Variables podman adds to every container; compared only when the task sets them. */
const PODMAN_ENV_KEYS = ['HOSTNAME', 'container', 'TERM', 'HOME'];
/** Labels podman or systemd tooling add; compared only when the task sets them. */
const TOOL_LABELS = ['PODMAN_SYSTEMD_UNIT', 'io.containers.autoupdate'];
/** Labels of images made by podman_image/podman_import (their build identity) and buildah. */
const IMAGE_LABEL_PREFIXES = ['io.hostwright.', 'io.buildah.'];

/** What the comparison needs to know about the host besides the inspect output. */
export interface SpecContext {
  /** The image the task names, as inspected (undefined: not on the host). */
  image: ImageInspect | undefined;
  /** The env_file's content, read on the host by the probe. */
  envFile?: string;
  /** The uid podman runs as: rootless containers default to slirp4netns. */
  uid: number;
  /** ID of the pod the task names (undefined: not on the host). */
  podId?: string;
}

const imageConfig = (image: ImageInspect | undefined) => image?.Config ?? {};

function envMap(list: readonly string[] | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of list ?? []) {
    const eq = entry.indexOf('=');
    if (eq > 0) out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

/** An env file as podman reads it: KEY=VALUE lines; comments, blanks and bare names (taken from podman's own environment) skipped. */
export function parseEnvFile(text: string): Record<string, string> {
  return envMap(
    text
      .split('\n')
      .map((l) => l.replace(/^\s+/, ''))
      .filter((l) => l && !l.startsWith('#') && l.includes('=')),
  );
}

function withoutKeys(map: Record<string, string>, keys: readonly string[], keep: Record<string, string> | undefined): Record<string, string> {
  return sortedObject(Object.fromEntries(Object.entries(map).filter(([k]) => !keys.includes(k) || (keep && k in keep))));
}

const normCap = (c: string): string => {
  const up = c.toUpperCase();
  return up.startsWith('CAP_') ? up : `CAP_${up}`;
};

/** A path without double or trailing slashes. */
const cleanPath = (p: string): string => p.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');

/** `src:dst[:opts]` as `src:dst:ro|rw`; an anonymous volume (`dst` alone) has an empty src. */
export function normaliseVolume(spec: string): string {
  const [a, b, opts = ''] = spec.split(':');
  const mode = opts.split(',').includes('ro') ? 'ro' : 'rw';
  if (b === undefined) return `:${cleanPath(a!)}:rw`;
  const src = a!.startsWith('/') ? cleanPath(a!) : a!;
  return `${src}:${cleanPath(b)}:${mode}`;
}

/** `no`, `always`, `unless-stopped`, `on-failure[:N]`. */
function normaliseRestart(policy: string | undefined): string {
  if (!policy || policy === 'no') return 'no';
  return policy;
}

function healthFields(h: HealthConfig | null | undefined): Fields {
  const test = h?.Test ?? [];
  if (test.length === 0 || test[0] === 'NONE') return { healthcheck: 'none' };
  const cmd = test[0] === 'CMD-SHELL' ? test.slice(1).join(' ') : test[0] === 'CMD' ? JSON.stringify(test.slice(1)) : test.join(' ');
  return {
    healthcheck: cmd,
    healthcheck_interval: formatDuration(h?.Interval ?? 30e9),
    healthcheck_retries: h?.Retries ?? 3,
    healthcheck_start_period: formatDuration(h?.StartPeriod ?? 0),
    healthcheck_timeout: formatDuration(h?.Timeout ?? 30e9),
  };
}

function wantedHealth(c: ContainerConfig, image: ImageInspect | undefined): Fields {
  if (c.healthcheck === undefined) return healthFields(image?.Healthcheck ?? imageConfig(image).Healthcheck);
  if (c.healthcheck === 'none') return { healthcheck: 'none' };
  const ns = (v: string | undefined, dflt: number) => (v === undefined ? dflt : (parseDuration(v) ?? dflt));
  return {
    healthcheck: c.healthcheck,
    healthcheck_interval: formatDuration(ns(c.healthcheck_interval, 30e9)),
    healthcheck_retries: c.healthcheck_retries ?? 3,
    healthcheck_start_period: formatDuration(ns(c.healthcheck_start_period, 0)),
    healthcheck_timeout: formatDuration(ns(c.healthcheck_timeout, 30e9)),
  };
}

const joinEntrypoint = (e: string | string[] | null | undefined): string => (Array.isArray(e) ? e.join(' ') : (e ?? ''));

/** The command as words (a string is split like a shell would). */
export function commandWords(command: string | string[]): string[] {
  return typeof command === 'string' ? shlexSplit(command) : command;
}

function shortId(id: string): string {
  return id.slice(0, 12);
}

/** The networks as the comparison sees them: a mode (host, none, slirp4netns, container:...) or the sorted network names. */
function actualNetworks(c: ContainerInspect): string[] {
  const mode = c.HostConfig.NetworkMode ?? 'bridge';
  if (mode === 'bridge' || mode === 'default') return Object.keys(c.NetworkSettings?.Networks ?? {}).sort();
  if (mode.startsWith('container:')) return ['container'];
  return [mode];
}

export function wantedNetworks(network: readonly string[] | undefined, uid: number): string[] {
  const defaults = uid === 0 ? ['podman'] : ['slirp4netns'];
  const list = network ?? [];
  if (list.length === 0 || list[0] === 'default' || list[0] === 'private') return defaults;
  if (list.length === 1 && list[0] === 'bridge') return ['podman'];
  if (list.length === 1 && list[0]!.startsWith('container:')) return ['container'];
  if (list.length === 1 && list[0]!.startsWith('slirp4netns')) return ['slirp4netns'];
  return [...list].sort();
}

/** Port bindings as inspect prints them (container, pod infra), normalised like `publish`. */
export function publishedPorts(portBindings: Record<string, { HostIp: string; HostPort: string }[] | null> | null | undefined): string[] {
  const out: string[] = [];
  for (const [port, bindings] of Object.entries(portBindings ?? {})) {
    for (const b of bindings ?? []) out.push(normalisePublish(`${b.HostIp ? `${b.HostIp.includes(':') ? `[${b.HostIp}]` : b.HostIp}:` : ''}${b.HostPort}:${port}`));
  }
  return out.sort();
}

/**
 * The wanted ports, where a port the task lets podman choose (`8080`, `127.0.0.1::8080`) takes
 * the host port the container already has for it.
 */
export function wantedPublish(publish: readonly string[] | undefined, actual: readonly string[]): string[] {
  return (publish ?? [])
    .map(normalisePublish)
    .map((w) => {
      const [ip, host, rest] = splitPublish(w);
      if (host !== '') return w;
      return actual.find((a) => {
        const [aip, , arest] = splitPublish(a);
        return aip === ip && arest === rest;
      }) ?? w;
    })
    .sort();
}

function splitPublish(p: string): [string, string, string] {
  const last = p.lastIndexOf(':');
  const mid = p.lastIndexOf(':', last - 1);
  return [p.slice(0, mid), p.slice(mid + 1, last), p.slice(last + 1)];
}

function imageVolumes(image: ImageInspect | undefined): string[] {
  return Object.keys(imageConfig(image).Volumes ?? {}).map(cleanPath);
}

function actualVolumes(c: ContainerInspect, wantedAnon: readonly string[], image: ImageInspect | undefined): string[] {
  const anonymous = new Set([...wantedAnon, ...imageVolumes(image)]);
  const out: string[] = [];
  for (const m of c.Mounts ?? []) {
    const dest = cleanPath(m.Destination);
    const mode = m.RW ? 'rw' : 'ro';
    if (m.Type === 'bind') out.push(`${cleanPath(m.Source)}:${dest}:${mode}`);
    else if (m.Type === 'volume') {
      // A volume podman made for the image's VOLUME (or an anonymous -v /dst) has a random name.
      const isAnonymous = /^[0-9a-f]{64}$/.test(m.Name ?? '') && anonymous.has(dest);
      if (isAnonymous && imageVolumes(image).includes(dest) && !wantedAnon.includes(dest)) continue;
      out.push(isAnonymous ? `:${dest}:rw` : `${m.Name}:${dest}:${mode}`);
    }
  }
  return out.sort();
}

function capabilities(bounding: readonly string[]): { cap_add: string[]; cap_drop: string[] } {
  const set = new Set(bounding.map(normCap));
  return {
    cap_add: [...set].filter((c) => !DEFAULT_CAPS.includes(c)).sort(),
    cap_drop: DEFAULT_CAPS.filter((c) => !set.has(c)).sort(),
  };
}

function wantedCapabilities(c: ContainerConfig): { cap_add: string[]; cap_drop: string[] } {
  const drop = (c.cap_drop ?? []).map(normCap);
  const add = (c.cap_add ?? []).map(normCap);
  let set = drop.includes('CAP_ALL') ? new Set<string>() : new Set(DEFAULT_CAPS.filter((x) => !drop.includes(x)));
  set = new Set([...set, ...add.filter((x) => x !== 'CAP_ALL')]);
  return capabilities([...set]);
}

/**
 * The container's own labels: without those every container of its image carries (compared as
 * part of the image: a rebuilt image with new labels is one difference, `image`, not two).
 */
function ownLabels(labels: Record<string, string>, image: ImageInspect | undefined, wanted: Record<string, string> | undefined): Record<string, string> {
  const fromImage = { ...stringMap(imageConfig(image).Labels), ...stringMap(image?.Labels) };
  const set = (k: string) => wanted !== undefined && k in wanted;
  const own = Object.fromEntries(
    Object.entries(labels).filter(([k]) => set(k) || (!(k in fromImage) && !IMAGE_LABEL_PREFIXES.some((prefix) => k.startsWith(prefix)))),
  );
  return withoutKeys(own, TOOL_LABELS, wanted);
}

export function actualSpec(ctr: ContainerInspect, config: ContainerConfig, ctx: SpecContext): Fields {
  const cfg = ctr.Config;
  const wantedAnon = (config.volume ?? []).map(normaliseVolume).filter((v) => v.startsWith(':')).map((v) => v.split(':')[1]!);
  const aliases = Object.values(ctr.NetworkSettings?.Networks ?? {}).flatMap((n) => n.Aliases ?? []);
  const fields: Fields = {
    image: ctr.Image,
    command: cfg.Cmd ?? [],
    entrypoint: joinEntrypoint(cfg.Entrypoint),
    env: withoutKeys(envMap(cfg.Env), PODMAN_ENV_KEYS, config.env),
    publish: config.pod ? [] : publishedPorts(ctr.HostConfig.PortBindings),
    volume: actualVolumes(ctr, wantedAnon, ctx.image),
    network: config.pod ? [] : actualNetworks(ctr),
    // A container in a pod has the pod's network, whose aliases are its infra container's.
    network_aliases: config.pod ? [] : [...new Set(aliases.filter((a) => a !== shortId(ctr.Id)))].sort(),
    restart_policy: normaliseRestart(ctr.HostConfig.RestartPolicy?.Name) + retries(ctr),
    label: ownLabels(stringMap(cfg.Labels), ctx.image, config.label),
    user: cfg.User ?? '',
    workdir: cfg.WorkingDir || '/',
    ...healthFields(cfg.Healthcheck),
    memory: ctr.HostConfig.Memory ?? 0,
    cpus: (ctr.HostConfig.NanoCpus ?? 0) / 1e9,
    read_only: ctr.HostConfig.ReadonlyRootfs ?? false,
    ...capabilities(ctr.BoundingCaps ?? []),
    pod: ctr.Pod ?? '',
  };
  if (config.pids_limit !== undefined) fields.pids_limit = ctr.HostConfig.PidsLimit ?? 0;
  if (config.stop_timeout !== undefined) fields.stop_timeout = cfg.StopTimeout ?? 10;
  return fields;
}

function retries(ctr: ContainerInspect): string {
  const p = ctr.HostConfig.RestartPolicy;
  return p?.Name === 'on-failure' && p.MaximumRetryCount > 0 ? `:${p.MaximumRetryCount}` : '';
}

/**
 * What the container must be. `image` is the ID of the image the task names (or `(pull NAME)`
 * when it is not on the host yet: any existing container differs).
 */
export function wantedSpec(config: ContainerConfig, ctx: SpecContext, actual: Fields | undefined): Fields {
  const img = imageConfig(ctx.image);
  const env = {
    PATH: DEFAULT_PATH,
    ...envMap(img.Env),
    ...parseEnvFile(ctx.envFile ?? ''),
    ...(config.env ?? {}),
  };
  const entrypoint = config.entrypoint ?? joinEntrypoint(img.Entrypoint);
  // An entrypoint set by the task replaces the image's command too (as docker and podman do).
  const command = config.command !== undefined ? commandWords(config.command) : config.entrypoint !== undefined ? [] : (img.Cmd ?? []);
  const fields: Fields = {
    image: ctx.image?.Id ?? `(pull ${config.image ?? ''})`,
    command,
    entrypoint,
    env: withoutKeys(env, PODMAN_ENV_KEYS, config.env),
    publish: config.pod ? [] : wantedPublish(config.publish, (actual?.publish as string[] | undefined) ?? []),
    volume: (config.volume ?? []).map(normaliseVolume).sort(),
    network: config.pod ? [] : wantedNetworks(config.network, ctx.uid),
    network_aliases: [...new Set(config.network_aliases ?? [])].sort(),
    restart_policy: normaliseRestart(config.restart_policy),
    label: ownLabels({ ...stringMap(img.Labels), ...stringMap(ctx.image?.Labels), ...(config.label ?? {}) }, ctx.image, config.label),
    user: config.user ?? img.User ?? ctx.image?.User ?? '',
    workdir: config.workdir ?? (img.WorkingDir || '/'),
    ...wantedHealth(config, ctx.image),
    memory: config.memory === undefined ? 0 : (parseSize(config.memory) ?? 0),
    cpus: config.cpus ?? 0,
    read_only: config.read_only ?? false,
    ...wantedCapabilities(config),
    pod: config.pod === undefined ? '' : (ctx.podId ?? `(pod ${config.pod})`),
  };
  if (config.pids_limit !== undefined) fields.pids_limit = config.pids_limit;
  if (config.stop_timeout !== undefined) fields.stop_timeout = config.stop_timeout;
  return fields;
}
