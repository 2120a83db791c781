/**
 * systemd lab hosts: the same network layout, keys and files as plain hosts, but booting systemd 252
 * as PID 1 under systemd-nspawn, so `systemctl`, reload handlers, firewalld.service and podman units
 * are tested for real. Every flag below avoids a failure recorded in ../../../shared/LAB-NOTES.md.
 *
 * The lab (test/lab/) owns the base, the network namespace, the upper dir and the per-host files;
 * this file adds the layer, boots, waits and stops.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  CGROUP_PARENT,
  createHostCgroups,
  hostCgroups,
  hostsWithCgroups,
  labCgroupOf,
  removeEmptyParent,
  removeHostCgroups,
} from './systemd-cgroups.js';
import { LabError, sleep, tryRun } from './exec.js';
import { waitForSsh } from './plain-host.js';
import { processStartTime, stopProcesses } from './processes.js';

export { ensureSystemdLayer } from './systemd-layer.js';

export interface SystemdHostSpec {
  /** Host name: machine name and hostname inside, and the name of its cgroup. */
  name: string;
  /** Network namespace (as in /run/netns/NAME) the lab made for the host. */
  netns: string;
  /** The host's own overlay upper and work dirs (the lab has written its per-host files there). */
  upper: string;
  work: string;
  /** The base root filesystem and the systemd layer from ensureSystemdLayer. */
  base: string;
  layer: string;
  /** A per-host directory for the root mount point, the console log and container storage. */
  runDir: string;
  /** Booting a host again after it rebooted itself: its machine-id stays, as on a real machine. @default a new one */
  keepMachineId?: boolean;
  /**
   * Where /var/lib/containers lives: not overlayfs (podman would want fuse there) and not tmpfs
   * (images would sit in memory). @default a `containers` directory beside `upper`
   */
  containersDir?: string;
  /** cgroup directory under each hierarchy root. @default 'hostwright-lab' */
  cgroupParent?: string;
}

/** Where a host's boot messages go (nspawn's `--console=pipe` output). */
export const consoleLog = (runDir: string): string => join(runDir, 'console.log');

/** systemd-nspawn's command line for a host whose root is mounted at `root`. */
export function nspawnArgs(h: { name: string; netnsPath: string; root: string; containersDir: string }): string[] {
  return [
    'systemd-nspawn',
    '--boot',
    // No systemd on the machine: don't register with machined, don't ask for a scope unit.
    '--register=no',
    '--keep-unit',
    '--link-journal=no',
    // The lab wrote /etc/hosts and friends; the machine's resolv.conf and zone mean nothing inside.
    '--resolv-conf=off',
    '--timezone=off',
    '--console=pipe',
    // nspawn grants CAP_NET_ADMIN only with a private network of its own; firewalld dies without it.
    '--capability=CAP_NET_ADMIN',
    `--network-namespace-path=${h.netnsPath}`,
    // crun (podman) uses the kernel keyring.
    '--system-call-filter=@keyring',
    // On the overlay root podman's storage wants fuse-overlayfs; a plain directory works.
    `--bind=${h.containersDir}:/var/lib/containers`,
    '-D',
    h.root,
    '-M',
    h.name,
  ];
}

/**
 * Runs as `sh -c LAUNCHER sh ROOT LOWERDIRS UPPER WORK NETNS NETNS_REF N CGROUP_PROCS... -- NSPAWN_ARGV...`
 * in a fresh private mount namespace, then becomes systemd-nspawn:
 * - joins the host's cgroups (see systemd-cgroups.ts);
 * - mounts the overlay, visible only in this namespace, so it goes away with the host;
 * - binds its own netns to NETNS_REF and drops its copies of every /run/netns mount: a copy would
 *   keep another host's namespace alive after that host is gone;
 * - gives nspawn an empty /run: it creates /run/systemd/... state there, and on the machine that
 *   would outlive the lab.
 */
const LAUNCHER = `
set -eu
root=$1 lowers=$2 upper=$3 work=$4 netns=$5 netns_ref=$6 n=$7; shift 7
while [ "$n" -gt 0 ]; do echo $$ > "$1"; shift; n=$((n - 1)); done
[ "$1" = -- ] && shift
mount -t overlay overlay -o "lowerdir=$lowers,upperdir=$upper,workdir=$work" "$root"
mount --bind "/run/netns/$netns" "$netns_ref"
for f in /run/netns/*; do umount -l "$f" 2>/dev/null || :; done
mount -t tmpfs -o mode=755,size=4m lab-run /run
export SYSTEMD_NSPAWN_API_VFS_WRITABLE=network
exec "$@"
`;

function checkOverlayPath(what: string, p: string): void {
  // overlayfs options are split on ',' and ':'; such a path would silently mean something else.
  if (/[,:\s]/.test(p)) throw new LabError(`${what} ${JSON.stringify(p)} can't be used in an overlay mount (no ',', ':' or spaces)`);
}

/** A fresh systemd machine-id: 128 random bits as 32 lowercase hex digits. */
export function newMachineId(): string {
  return randomBytes(16).toString('hex');
}

/** Boots a systemd host; returns the PID of its systemd-nspawn (which `stopSystemdHost` needs). */
export async function startSystemdHost(h: SystemdHostSpec): Promise<{ pid: number }> {
  for (const [what, p] of [['base', h.base], ['layer', h.layer], ['upper', h.upper], ['work', h.work]] as const) {
    checkOverlayPath(what, p);
  }
  for (const [what, p] of [['base', h.base], ['layer', h.layer]] as const) {
    if (!existsSync(p)) throw new LabError(`${h.name}: the ${what} ${p} does not exist`);
  }
  const parent = h.cgroupParent ?? CGROUP_PARENT;
  const root = join(h.runDir, 'root');
  const containersDir = h.containersDir ?? join(dirname(h.upper), 'containers');
  const netnsRef = join(h.runDir, 'netns');
  await Promise.all([root, containersDir, join(h.upper, 'etc'), h.work].map((d) => mkdir(d, { recursive: true })));
  // Hosts booted from one layer must not share a machine-id (journal, dbus and DHCP identities).
  if (!h.keepMachineId || !existsSync(join(h.upper, 'etc/machine-id'))) await writeFile(join(h.upper, 'etc/machine-id'), `${newMachineId()}\n`, { mode: 0o444 });
  if (!existsSync(`/run/netns/${h.netns}`)) throw new LabError(`${h.name}: network namespace ${h.netns} does not exist`);
  await writeFile(netnsRef, '');

  const stale = hostCgroups(h.name, parent).filter((d) => existsSync(d));
  if (stale.length > 0) await removeHostCgroups(stale);
  const cgroups = await createHostCgroups(h.name, parent);

  const log = openSync(consoleLog(h.runDir), 'w');
  try {
    const child = spawn(
      'unshare',
      [
        '--mount', '--propagation', 'private', '--',
        'sh', '-c', LAUNCHER, 'sh',
        root, `${h.layer}:${h.base}`, h.upper, h.work, h.netns, netnsRef,
        String(cgroups.length), ...cgroups.map((d) => join(d, 'cgroup.procs')), '--',
        ...nspawnArgs({ name: h.name, netnsPath: netnsRef, root, containersDir }),
      ],
      // Detached: hosts outlive `lab up` and ignore the terminal's ^C; `down` stops them.
      { detached: true, stdio: ['ignore', log, log] },
    );
    child.unref();
    const pid = child.pid;
    if (pid === undefined) {
      await removeHostCgroups(cgroups);
      throw new LabError(`${h.name}: could not start unshare/systemd-nspawn`);
    }
    return { pid };
  } finally {
    closeSync(log);
  }
}

/** A live process (not a zombie) with that PID. */
const alive = (pid: number): boolean => processStartTime(pid) !== undefined;

/** The container's PID 1 seen from the machine: the child of nspawn that is PID 1 in its own namespace. */
export function containerInit(nspawnPid: number): number | undefined {
  let children: string[];
  try {
    children = readFileSync(`/proc/${nspawnPid}/task/${nspawnPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return undefined;
  }
  for (const child of children) {
    try {
      const nspid = readFileSync(`/proc/${child}/status`, 'utf8').match(/^NSpid:\s+(.+)$/m)?.[1]?.trim().split(/\s+/);
      if (nspid && nspid.length > 1 && nspid[nspid.length - 1] === '1') return Number(child);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** Units `systemctl list-units --failed --plain --no-legend` names. */
export function parseFailedUnits(output: string): string[] {
  return output
    .split('\n')
    .map((l) => l.trim().replace(/^●\s*/, '').split(/\s+/)[0] ?? '')
    .filter((u) => u !== '');
}

/** The console's last lines: what nspawn or systemd said before giving up (mount(8) takes two). */
function consoleTail(runDir: string): string {
  try {
    const lines = readFileSync(consoleLog(runDir), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '');
    return lines.slice(-2).join(' / ') || 'no output';
  } catch {
    return 'no console log';
  }
}

/** Runs a command inside the host (its mount, UTS, IPC, network and PID namespaces) as root. */
export async function inHost(nspawnPid: number, argv: readonly string[], timeoutMs = 30_000): Promise<{ code: number; stdout: string }> {
  const init = containerInit(nspawnPid);
  if (init === undefined) throw new LabError(`systemd-nspawn ${nspawnPid} has no container yet`);
  return tryRun(['nsenter', '-t', String(init), '-m', '-u', '-i', '-n', '-p', '--', ...argv], { timeoutMs });
}

/**
 * Ready means ready: sshd sends its banner AND `systemctl is-system-running` says `running`.
 * Fails naming the failed units if the system comes up degraded, or with the console's last lines
 * if nspawn exits.
 */
export async function waitSystemdReady(
  h: { name: string; pid: number; address: string; port?: number; runDir?: string },
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const died = () =>
    new LabError(`${h.name}: systemd-nspawn (PID ${h.pid}) exited while booting${h.runDir ? `: ${consoleTail(h.runDir)} (console: ${consoleLog(h.runDir)})` : ''}`);
  let state = 'not started';
  while (Date.now() < deadline) {
    if (!alive(h.pid)) throw died();
    if (containerInit(h.pid) === undefined) {
      await sleep(50);
      continue;
    }
    // --wait blocks until start-up is over; before systemd's socket exists it fails at once.
    state = (await inHost(h.pid, ['systemctl', 'is-system-running', '--wait'], Math.max(1000, deadline - Date.now()))
      .then((r) => r.stdout.trim(), () => 'starting')) || 'offline';
    if (state === 'running') break;
    if (state === 'degraded') {
      const failed = parseFailedUnits((await inHost(h.pid, ['systemctl', 'list-units', '--failed', '--plain', '--no-legend', '--no-pager'])).stdout);
      throw new LabError(`${h.name}: systemd is degraded; failed units: ${failed.join(', ') || '(none listed)'}`);
    }
    await sleep(100);
  }
  if (state !== 'running') {
    // Still starting: name what it waits for (`list-jobs` prints `ID UNIT TYPE STATE` lines).
    const jobs = await inHost(h.pid, ['systemctl', 'list-jobs', '--no-legend', '--no-pager'], 5000).then(
      (r) => r.stdout.split('\n').map((l) => l.trim().split(/\s+/)[1]).filter((u): u is string => !!u),
      () => [] as string[],
    );
    throw new LabError(`${h.name}: systemd not running after ${timeoutMs} ms (state: ${state}${jobs.length ? `; waiting for ${jobs.slice(0, 5).join(', ')}` : ''})`);
  }
  const port = h.port ?? 22;
  await waitForSsh(h.address, port, Math.max(0, deadline - Date.now()), () => alive(h.pid), `${h.name} (systemd is running)`);
}

/**
 * Powers a host off in order (SIGTERM makes nspawn ask systemd for a poweroff), SIGKILLs it by its
 * recorded PID if it is not gone within `timeoutMs`, then kills whatever is left in its cgroups and
 * removes them. A PID that is no longer a lab host (reused after a crash) is never signalled; give
 * `name` to still clear that host's cgroups.
 */
export async function stopSystemdHost(pid: number, timeoutMs = 15_000, name?: string, cgroupParent = CGROUP_PARENT): Promise<void> {
  let cgroupProcs = '';
  try {
    cgroupProcs = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  } catch {
    // already gone
  }
  const owner = labCgroupOf(cgroupProcs, cgroupParent);
  if (name !== undefined && owner !== undefined && owner !== name) {
    throw new LabError(`PID ${pid} belongs to lab host ${owner}, not ${name}`);
  }
  const host = owner ?? name;
  const startTime = processStartTime(pid);
  if (owner !== undefined && startTime !== undefined) {
    await stopProcesses([{ pid, startTime, what: `systemd ${host}` }], timeoutMs, 'SIGTERM');
  }
  if (host !== undefined) await removeHostCgroups(hostCgroups(host, cgroupParent).filter((d) => existsSync(d)));
  removeEmptyParent(cgroupParent);
}

/**
 * Clears systemd hosts left by a run that died without `down`: kills what is left in their cgroups
 * (the processes and the private mounts they hold go with them) and removes the cgroups. Returns the
 * host names it cleared. Call only when the lab is known to be down.
 */
export async function clearSystemdDebris(cgroupParent = CGROUP_PARENT): Promise<string[]> {
  const names = hostsWithCgroups(cgroupParent);
  for (const name of names) await removeHostCgroups(hostCgroups(name, cgroupParent).filter((d) => existsSync(d)));
  removeEmptyParent(cgroupParent);
  return names;
}
