/**
 * systemd units that run a container: started at boot, restarted when it dies. Podman ≥ 4.4 reads
 * quadlet files (/etc/containers/systemd/NAME.container, turned into NAME.service by its systemd
 * generator); older podman (Debian 12 has 4.3) gets a plain unit whose ExecStart is the module's
 * own `podman run` command line, run in the foreground so systemd sees the container die.
 * `--replace` makes every start a fresh container from the current image and parameters.
 * Both texts are rendered here, deterministically (no timestamps), so an unchanged task rewrites
 * nothing.
 */
import type { ContainerConfig } from './container-spec.js';
import { containerOptions, imageAndCommand } from './run-args.js';
import { commandWords } from './container-spec.js';

export interface GenerateSystemd {
  /** Restart= of the unit. @default 'always' */
  restart_policy?: 'no' | 'on-success' | 'on-failure' | 'on-abnormal' | 'on-watchdog' | 'on-abort' | 'always';
  /** Seconds `podman stop` waits before killing the container. @default 10 */
  stop_timeout?: number;
  /** Write a quadlet file instead of a unit: 'auto' when podman is ≥ 4.4. @default 'auto' */
  quadlet?: 'auto' | boolean;
}

/** The unit's name: `container-NAME.service` (containers.podman's prefix), from both kinds of file. */
export function unitName(name: string): string {
  return `container-${name}.service`;
}

export function unitPath(name: string, quadlet: boolean): string {
  return quadlet ? `/etc/containers/systemd/container-${name}.container` : `/etc/systemd/system/${unitName(name)}`;
}

/** Whether this podman version reads quadlet files (4.4 and later). */
export function hasQuadlet(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map((n) => parseInt(n, 10));
  return major > 4 || (major === 4 && minor >= 4);
}

/**
 * One word of an Exec line as systemd splits it: plain when it can be, else double-quoted with `\`
 * escapes. `%` is a specifier and `$` a variable in Exec lines, so both are doubled.
 */
export function systemdWord(word: string): string {
  const escaped = word.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (escaped !== '' && /^[A-Za-z0-9_@+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

const words = (list: readonly string[]) => list.map(systemdWord).join(' ');

const HEADER = (name: string) => `# Managed by Hostwright (podman_container ${name}); changes here are overwritten.`;

export function renderUnit(name: string, c: ContainerConfig, g: GenerateSystemd, podman = '/usr/bin/podman'): string {
  const stop = g.stop_timeout ?? 10;
  return `${HEADER(name)}
[Unit]
Description=Podman container ${name}
Wants=network-online.target
After=network-online.target

[Service]
Environment=PODMAN_SYSTEMD_UNIT=%n
Restart=${g.restart_policy ?? 'always'}
TimeoutStopSec=${stop + 60}
ExecStart=${words([podman, 'run', '--replace', ...containerOptions(name, c), ...imageAndCommand(c)])}
ExecStop=${words([podman, 'stop', '--ignore', '-t', String(stop), name])}

[Install]
WantedBy=multi-user.target
`;
}

/** A value of a quadlet key that takes one item: systemd's quoting when it has spaces. */
const quadletValue = (v: string) => (/[\s"'\\]/.test(v) ? systemdWord(v) : v.replace(/%/g, '%%'));

/**
 * The quadlet `.container` file (podman 4.4's keys; what 4.4 has no key for goes to PodmanArgs).
 */
export function renderQuadlet(name: string, c: ContainerConfig, g: GenerateSystemd): string {
  const lines: string[] = [HEADER(name), '[Unit]', `Description=Podman container ${name}`, '', '[Container]', `ContainerName=${name}`, `Image=${quadletValue(c.image ?? '')}`];
  const key = (k: string, v: string | undefined) => {
    if (v !== undefined) lines.push(`${k}=${v}`);
  };
  for (const [k, v] of Object.entries(c.env ?? {}).sort(([x], [y]) => x.localeCompare(y))) key('Environment', systemdWord(`${k}=${v}`));
  key('EnvironmentFile', c.env_file);
  for (const p of c.publish ?? []) key('PublishPort', p);
  for (const v of c.volume ?? []) key('Volume', v);
  for (const n of c.network ?? []) key('Network', n);
  for (const [k, v] of Object.entries(c.label ?? {}).sort(([x], [y]) => x.localeCompare(y))) key('Label', systemdWord(`${k}=${v}`));
  key('User', c.user);
  if (c.healthcheck !== undefined && c.healthcheck !== 'none') {
    key('HealthCmd', quadletValue(c.healthcheck));
    key('HealthInterval', c.healthcheck_interval);
    key('HealthRetries', c.healthcheck_retries === undefined ? undefined : String(c.healthcheck_retries));
    key('HealthStartPeriod', c.healthcheck_start_period);
    key('HealthTimeout', c.healthcheck_timeout);
  }
  if (c.read_only) key('ReadOnly', 'true');
  for (const cap of c.cap_add ?? []) key('AddCapability', cap);
  for (const cap of c.cap_drop ?? []) key('DropCapability', cap);
  const extra: string[] = [];
  if (c.healthcheck === 'none') extra.push('--no-healthcheck');
  if (c.entrypoint !== undefined) extra.push('--entrypoint', c.entrypoint);
  if (c.workdir !== undefined) extra.push('--workdir', c.workdir);
  if (c.memory !== undefined) extra.push('--memory', c.memory);
  if (c.cpus !== undefined) extra.push('--cpus', String(c.cpus));
  if (c.pids_limit !== undefined) extra.push('--pids-limit', String(c.pids_limit));
  for (const a of c.network_aliases ?? []) extra.push('--network-alias', a);
  if (c.stop_timeout !== undefined) extra.push('--stop-timeout', String(c.stop_timeout));
  if (c.pod !== undefined) extra.push('--pod', c.pod);
  if (extra.length) key('PodmanArgs', words(extra));
  if (c.command !== undefined) key('Exec', words(commandWords(c.command)));
  lines.push('', '[Service]', `Restart=${g.restart_policy ?? 'always'}`, `TimeoutStopSec=${(g.stop_timeout ?? 10) + 60}`, '', '[Install]', 'WantedBy=multi-user.target default.target', '');
  return lines.join('\n');
}
