/**
 * The `podman run`/`podman create` options for a container's parameters: one builder for the
 * module's own commands and for the systemd units and quadlet files that run the same container.
 */
import { labelArgs } from './common.js';
import { commandWords, type ContainerConfig } from './container-spec.js';

/** Options for the parameters (without the image and command), in a stable order. */
export function containerOptions(name: string, c: ContainerConfig): string[] {
  const a: string[] = ['--name', name];
  const each = (flag: string, values: readonly string[] | undefined) => {
    for (const v of values ?? []) a.push(flag, v);
  };
  if (c.pod !== undefined) a.push('--pod', c.pod);
  for (const [k, v] of Object.entries(c.env ?? {}).sort(([x], [y]) => x.localeCompare(y))) a.push('--env', `${k}=${v}`);
  if (c.env_file !== undefined) a.push('--env-file', c.env_file);
  each('--publish', c.publish);
  each('--volume', c.volume);
  each('--network', c.network);
  each('--network-alias', c.network_aliases);
  if (c.restart_policy !== undefined) a.push('--restart', c.restart_policy);
  a.push(...labelArgs(c.label));
  if (c.user !== undefined) a.push('--user', c.user);
  if (c.workdir !== undefined) a.push('--workdir', c.workdir);
  if (c.entrypoint !== undefined) a.push('--entrypoint', c.entrypoint);
  if (c.healthcheck === 'none') a.push('--no-healthcheck');
  else if (c.healthcheck !== undefined) {
    a.push('--health-cmd', c.healthcheck);
    if (c.healthcheck_interval !== undefined) a.push('--health-interval', c.healthcheck_interval);
    if (c.healthcheck_retries !== undefined) a.push('--health-retries', String(c.healthcheck_retries));
    if (c.healthcheck_start_period !== undefined) a.push('--health-start-period', c.healthcheck_start_period);
    if (c.healthcheck_timeout !== undefined) a.push('--health-timeout', c.healthcheck_timeout);
  }
  if (c.memory !== undefined) a.push('--memory', c.memory);
  if (c.cpus !== undefined) a.push('--cpus', String(c.cpus));
  if (c.pids_limit !== undefined) a.push('--pids-limit', String(c.pids_limit));
  if (c.read_only) a.push('--read-only');
  each('--cap-add', c.cap_add);
  each('--cap-drop', c.cap_drop);
  if (c.stop_timeout !== undefined) a.push('--stop-timeout', String(c.stop_timeout));
  return a;
}

/** The image and command words that end the command line. */
export function imageAndCommand(c: ContainerConfig): string[] {
  return [c.image ?? '', ...(c.command !== undefined ? commandWords(c.command) : [])];
}
