/**
 * A lab instance's life: `up` (start N hosts and write lab.json, inventory and known_hosts), `down`
 * (leave nothing behind), `status`, and restarting one host with a fresh filesystem.
 *
 * What the lab creates is found again by its own names and records only: netns `hw-<instance>-*`,
 * links `hw-<instance>` and `hw-<instance>-<n>`, mounts under its own directories, processes it
 * recorded (PID + start time) or that live in its network namespaces, and its cgroups. `up` first
 * clears such debris of an earlier run of the same instance and says so.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { startAptProxy } from './apt-proxy.js';
import { ensureBase, DEPLOY_USER, OPS_PASSWORD, OPS_USER } from './base.js';
import { describeDebris, findDebris, isEmpty } from './debris.js';
import { LabError, mapLimit, run, tryRun } from './exec.js';
import { APT_PROXY_PORT, writeHostFiles } from './host-files.js';
import { ensureClientKey, ensureHostKey } from './keys.js';
import { hostAddress, type Subnet } from './net-plan.js';
import { createBridge, createHostNetworks, deleteLink, deleteNetns, netnsPids, pickSubnet } from './network.js';
import {
  checkInstanceName, hostDirs, hostName, instancePaths, LIB_ROOT, MAX_HOSTS, netnsName, RUN_ROOT, vethName, type InstancePaths,
} from './paths.js';
import { startPlainHost, waitForSsh } from './plain-host.js';
import {
  appendRecord, formatRecord, isSameProcess, processStartTime, readRecords, stopProcesses, type ProcessRef,
} from './processes.js';
import type { LabHost, LabState } from './state.js';
import { hierarchies } from './systemd-cgroups.js';
import { etcHostsText, inventoryText, knownHostsText } from './writers.js';

export type Log = (line: string) => void;

export interface UpOptions {
  instance: string;
  /** Plain hosts (tini as PID 1). */
  plain: number;
  /** systemd hosts (systemd-nspawn), named after the plain ones. */
  systemd?: number;
  log?: Log;
}

const SSH_READY_TIMEOUT_MS = 30_000;
const SYSTEMD_READY_TIMEOUT_MS = 90_000;
/** cgroup parent of an instance's systemd hosts, under each hierarchy (see systemd-cgroups.ts). */
const cgroupParent = (instance: string) => instancePaths(instance).cgroupParent;

/** Whether the instance has cgroup directories (systemd hosts, or their debris) in any hierarchy. */
function hasCgroups(p: InstancePaths): boolean {
  return hierarchies().some((h) => existsSync(path.join(h, p.cgroupParent)));
}

/** Why the lab cannot run here at all (not Linux, not root), or undefined. */
export function labUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return `the lab needs Linux (namespaces, overlayfs, bridges); this is ${process.platform}`;
  if (process.getuid?.() !== 0) return `the lab needs root (it creates network namespaces, bridges and mounts); running as uid ${process.getuid?.()}`;
  return undefined;
}

function checkCanRun(): void {
  const why = labUnavailableReason();
  if (why) throw new LabError(why);
}

const REQUIRED_COMMANDS: Record<string, string> = {
  ip: 'iproute2', unshare: 'util-linux', nsenter: 'util-linux', debootstrap: 'debootstrap',
  'apt-cacher-ng': 'apt-cacher-ng', 'ssh-keygen': 'openssh-client', chroot: 'coreutils',
};

async function checkCommands(needSystemd: boolean): Promise<void> {
  const commands = { ...REQUIRED_COMMANDS, ...(needSystemd ? { 'systemd-nspawn': 'systemd-container' } : {}) };
  const missing: string[] = [];
  for (const [cmd, pkg] of Object.entries(commands)) {
    const found = (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').concat('/usr/sbin', '/sbin').some((d) => existsSync(path.join(d, cmd)));
    if (!found) missing.push(pkg);
  }
  if (missing.length > 0) throw new LabError(`missing commands; install them with: apt-get install ${[...new Set(missing)].join(' ')}`);
}

export async function readLabState(instance: string): Promise<LabState | undefined> {
  try {
    return JSON.parse(await fs.readFile(instancePaths(instance).labJson, 'utf8')) as LabState;
  } catch {
    return undefined;
  }
}

/** Instances whose recorded processes still run (their hosts use the base as a lowerdir). */
export async function runningInstances(): Promise<string[]> {
  const names = await fs.readdir(RUN_ROOT).catch(() => [] as string[]);
  const running: string[] = [];
  for (const name of names) {
    const refs = await readRecords(instancePaths(name).pidRecord);
    if (refs.some((r) => r.what.startsWith('host ') && isSameProcess(r))) running.push(name);
  }
  return running;
}

// ---------------------------------------------------------------------------------------------
// Lock: one up/down/reset per instance at a time.

/** A `down` started with this set to a PID may take over that process's lock (it is exiting). */
export const LOCK_HANDOVER_ENV = 'HOSTWRIGHT_LAB_LOCK_HANDOVER';

async function withLock<T>(p: InstancePaths, fn: () => Promise<T>): Promise<T> {
  await fs.mkdir(p.stateDir, { recursive: true });
  const me = `${process.pid} ${processStartTime(process.pid)}`;
  for (;;) {
    try {
      await fs.writeFile(p.lock, me, { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const [pid, start] = (await fs.readFile(p.lock, 'utf8').catch(() => '')).split(' ').map(Number);
      // The test suite's exit handler runs `down` while its own process (which may be mid-`up`) exits.
      const handedOver = pid !== undefined && pid === Number(process.env[LOCK_HANDOVER_ENV]);
      if (pid && start && !handedOver && isSameProcess({ pid, startTime: start, what: 'lab command' })) {
        throw new LabError(`another lab command (pid ${pid}) is working on lab '${p.instance}'; wait for it or stop it`);
      }
      await fs.rm(p.lock, { force: true }); // its holder is gone (killed mid-command)
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(p.lock, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Clearing an instance: shared by `down` and by `up`'s sweep for debris.

interface Cleared {
  description: string;
  found: boolean;
}

async function listDebris(instance: string) {
  const [netnsList, linkList, mountinfo] = await Promise.all([
    run(['ip', 'netns', 'list']),
    run(['ip', '-o', 'link', 'show']),
    fs.readFile('/proc/self/mountinfo', 'utf8'),
  ]);
  return findDebris(instance, { netnsList, linkList, mountinfo });
}

/**
 * Stops recorded live processes: a systemd host powers off through stopSystemdHost, which also
 * clears its cgroups; the rest get SIGKILL (a plain host's PID 1 takes every process of the host
 * with it).
 */
async function stopRecorded(instance: string, liveRefs: readonly ProcessRef[]): Promise<void> {
  const systemdRefs = liveRefs.filter((r) => r.what.startsWith('systemd '));
  if (systemdRefs.length > 0) {
    const systemd = await import('./systemd.js');
    await Promise.all(systemdRefs.map((r) => systemd.stopSystemdHost(r.pid, 15_000, r.what.slice('systemd '.length), cgroupParent(instance))));
  }
  await stopProcesses(liveRefs.filter((r) => !systemdRefs.includes(r)), 5_000, 'SIGKILL');
}

async function clearInstance(p: InstancePaths): Promise<Cleared> {
  const state = await readLabState(p.instance);
  const refs = await readRecords(p.pidRecord);
  const liveRefs = refs.filter(isSameProcess);
  let processes = liveRefs.filter((r) => r.what.startsWith('host ') || r.what.startsWith('systemd ')).length;

  await stopRecorded(p.instance, liveRefs);
  // systemd hosts whose nspawn was not recorded (or is gone) still have cgroups.
  if (hasCgroups(p)) {
    const cleared = await (await import('./systemd.js')).clearSystemdDebris(cgroupParent(p.instance));
    processes += cleared.filter((n) => !liveRefs.some((r) => r.what === `systemd ${n}`)).length;
  }

  const debris = await listDebris(p.instance);
  // Anything still inside the lab's network namespaces belongs to the lab (e.g. a stray `ip netns exec`).
  const strays = (await Promise.all(debris.netns.map(netnsPids))).flat();
  const strayRefs = strays.map((pid) => ({ pid, startTime: processStartTime(pid) ?? -1, what: 'stray' }));
  await stopProcesses(strayRefs.filter(isSameProcess), 2_000, 'SIGKILL');

  for (const m of debris.mounts) await tryRun(['umount', '-l', m]);
  await Promise.all(debris.netns.map(deleteNetns));
  // Veths go with their netns; what remains is the bridge and veths whose netns was already gone.
  const links = (await listDebris(p.instance)).links;
  for (const l of links) await deleteLink(l);

  const stateExists = existsSync(p.stateDir) && (await fs.readdir(p.stateDir)).some((f) => f !== 'lock');
  const libExists = existsSync(p.libDir);
  await fs.rm(p.libDir, { recursive: true, force: true });
  for (const f of await fs.readdir(p.stateDir).catch(() => [] as string[])) {
    if (f !== 'lock') await fs.rm(path.join(p.stateDir, f), { recursive: true, force: true });
  }
  const killed = liveRefs.filter((r) => r.what !== 'apt-cacher-ng').length + strays.length;
  const extra = [
    killed ? `${killed} processes` : '',
    liveRefs.some((r) => r.what === 'apt-cacher-ng') ? 'apt-cacher-ng' : '',
    !state && (stateExists || libExists) ? 'state files of an unfinished up' : '',
  ].filter(Boolean);
  const description = describeDebris(debris, extra);
  return { description, found: !isEmpty(debris) || killed > 0 || processes > 0 || stateExists || libExists };
}

// ---------------------------------------------------------------------------------------------
// up

export async function labUp(opts: UpOptions): Promise<LabState> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  checkCanRun();
  checkInstanceName(opts.instance);
  const systemdCount = opts.systemd ?? 0;
  const total = opts.plain + systemdCount;
  if (!Number.isInteger(opts.plain) || opts.plain < 0 || !Number.isInteger(systemdCount) || systemdCount < 0 || total < 1 || total > MAX_HOSTS) {
    throw new LabError(`the number of hosts must be between 1 and ${MAX_HOSTS}`);
  }
  await checkCommands(systemdCount > 0);
  const p = instancePaths(opts.instance);
  try {
    return await upLocked(p, opts, systemdCount, log);
  } catch (e) {
    // A failed up has cleared what it started; only its (now empty) directories remain.
    await removeEmptyDirs(p);
    throw e;
  }
}

/** rmdir fails, harmlessly, on a directory that is not empty: another instance's, or a lab that is up. */
async function removeEmptyDirs(p: InstancePaths): Promise<void> {
  for (const dir of [p.stateDir, p.libDir, RUN_ROOT, LIB_ROOT]) await fs.rmdir(dir).catch(() => undefined);
}

async function upLocked(p: InstancePaths, opts: UpOptions, systemdCount: number, log: Log): Promise<LabState> {
  return withLock(p, async () => {
    const existing = await readLabState(opts.instance);
    const refs = await readRecords(p.pidRecord);
    if (existing && refs.some((r) => (r.what.startsWith('host ') || r.what.startsWith('systemd ')) && isSameProcess(r))) {
      const hint = opts.instance === 'lab' ? '' : ` --name ${opts.instance}`;
      throw new LabError(`lab '${opts.instance}' is already up (${existing.hosts.length} hosts); run \`npm run lab -- down${hint}\` first`);
    }
    const cleared = await clearInstance(p);
    if (cleared.found) log(`lab: found debris of an earlier run of lab '${opts.instance}' (${cleared.description || 'state files'}); cleared it`);

    const started = Date.now();
    try {
      return await bringUp(p, opts.plain, systemdCount, log, started);
    } catch (e) {
      log(`lab: up failed; taking down what was started`);
      await clearInstance(p).catch(() => undefined);
      throw e;
    }
  });
}

interface PlannedHost {
  name: string;
  index: number;
  kind: LabHost['kind'];
  address: string;
  netns: string;
  veth: string;
}

async function bringUp(p: InstancePaths, plain: number, systemdCount: number, log: Log, started: number): Promise<LabState> {
  const base = await ensureBase(log, runningInstances);
  const layer = systemdCount > 0 ? await (await import('./systemd.js')).ensureSystemdLayer(base, log) : undefined;
  const clientKey = await ensureClientKey();
  const clientPublicKey = await fs.readFile(`${clientKey}.pub`, 'utf8');
  const subnet = await pickSubnet(p.instance);
  const planned: PlannedHost[] = Array.from({ length: plain + systemdCount }, (_, i) => {
    const index = i + 1;
    const name = hostName(p.instance, index);
    return { name, index, kind: i < plain ? 'plain' : 'systemd', address: hostAddress(subnet, index), netns: netnsName(p.instance, name), veth: vethName(p.instance, index) };
  });
  const hostKeys = await mapLimit(planned, 8, (h) => ensureHostKey(h.name));
  const record = (ref: ProcessRef) => appendRecord(p.pidRecord, ref);
  await fs.mkdir(path.join(p.stateDir, 'logs'), { recursive: true });

  await createBridge(p.bridge, subnet);
  const proxy = startAptProxy(p, subnet.bridgeAddress, record);
  await createHostNetworks(p.bridge, subnet, planned);
  const etcHosts = (name: string) => etcHostsText(name, planned);

  const hosts = await Promise.all(
    planned.map(async (h, i): Promise<LabHost> => {
      const spec = { instance: p.instance, host: h, base, subnet, hostKey: hostKeys[i]!, clientPublicKey, etcHosts: etcHosts(h.name) };
      const pid = await startHost(p, spec, layer, record);
      return { name: h.name, address: h.address, port: 22, kind: h.kind, pid };
    }),
  );
  await proxy;

  const state: LabState = {
    instance: p.instance,
    stateDir: p.stateDir,
    subnet: subnet.cidr,
    hosts,
    keyFile: clientKey,
    knownHostsFile: p.knownHosts,
    inventoryFile: p.inventory,
    user: DEPLOY_USER,
    passwordUser: OPS_USER,
    passwordUserPassword: OPS_PASSWORD,
    bridgeAddress: subnet.bridgeAddress,
    aptProxy: `http://${subnet.bridgeAddress}:${APT_PROXY_PORT}`,
  };
  await writeAtomic(p.knownHosts, knownHostsText(hosts.map((h, i) => ({ ...h, publicKey: hostKeys[i]!.publicKey }))));
  await writeAtomic(p.inventory, inventoryText(state));
  await writeAtomic(p.labJson, `${JSON.stringify(state, null, 2)}\n`);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  log(`lab: '${p.instance}' is up: ${hosts.length} hosts (${hosts[0]!.name}..${hosts[hosts.length - 1]!.name}) on ${subnet.cidr} in ${seconds} s; state in ${p.stateDir}`);
  return state;
}

interface HostSpec {
  instance: string;
  host: PlannedHost;
  base: string;
  subnet: Subnet;
  hostKey: { privateKey: string; publicKey: string };
  clientPublicKey: string;
  etcHosts: string;
}

/** Fresh upper dir, per-host files, launch, wait for sshd. Returns the PID that lab.json records. */
async function startHost(p: InstancePaths, s: HostSpec, layer: string | undefined, record: (ref: ProcessRef) => Promise<void>): Promise<number> {
  const { name, netns, address, kind } = s.host;
  const dirs = hostDirs(p.instance, name);
  await fs.rm(path.dirname(dirs.upper), { recursive: true, force: true });
  await fs.mkdir(dirs.upper, { recursive: true });
  await fs.mkdir(dirs.work, { recursive: true });
  await writeHostFiles({
    instance: p.instance, name, upper: dirs.upper, base: s.base, hostKey: s.hostKey,
    clientPublicKey: s.clientPublicKey, etcHosts: s.etcHosts, bridgeAddress: s.subnet.bridgeAddress,
  });
  if (kind === 'systemd') {
    if (!layer) throw new Error('systemd layer missing');
    const systemd = await import('./systemd.js');
    const runDir = path.dirname(dirs.upper);
    const { pid } = await systemd.startSystemdHost({
      name, netns, upper: dirs.upper, work: dirs.work, base: s.base, layer, runDir, cgroupParent: cgroupParent(p.instance),
    });
    const start = processStartTime(pid);
    if (start !== undefined) await record({ pid, startTime: start, what: `systemd ${name}` });
    await systemd.waitSystemdReady({ name, pid, address, port: 22, runDir }, SYSTEMD_READY_TIMEOUT_MS);
    return pid;
  }
  const logFile = path.join(p.stateDir, 'logs', `${name}.log`);
  const { init } = await startPlainHost({ name, netns, upper: dirs.upper, work: dirs.work, root: dirs.root, base: s.base, logFile }, record);
  await waitForSsh(address, 22, SSH_READY_TIMEOUT_MS, () => isSameProcess(init), `host ${name} (log: ${logFile})`);
  return init.pid;
}

async function writeAtomic(file: string, content: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, content);
  await fs.rename(tmp, file);
}

// ---------------------------------------------------------------------------------------------
// down, status, reset

export async function labDown(instance: string, log: Log = (l) => process.stderr.write(`${l}\n`)): Promise<void> {
  checkCanRun();
  checkInstanceName(instance);
  const p = instancePaths(instance);
  if (!existsSync(p.stateDir) && isEmpty(await listDebris(instance)) && !existsSync(p.libDir) && !hasCgroups(p)) {
    throw new LabError(`no lab named '${instance}' is up`);
  }
  const started = Date.now();
  const state = await readLabState(instance);
  const cleared = await withLock(p, () => clearInstance(p));
  await fs.rm(p.stateDir, { recursive: true, force: true });
  // The parents go too once no instance is left.
  await removeEmptyDirs(p);
  if (!cleared.found && !state) throw new LabError(`no lab named '${instance}' is up`);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (state) log(`lab: '${instance}' is down (${state.hosts.length} hosts stopped, everything removed) in ${seconds} s`);
  else log(`lab: '${instance}' was not fully up; cleared what an earlier run left (${cleared.description || 'state files'}) in ${seconds} s`);
}

export interface HostStatus {
  host: LabHost;
  running: boolean;
  sshd: boolean;
}

export async function labStatus(instance: string): Promise<{ state: LabState; hosts: HostStatus[] }> {
  checkInstanceName(instance);
  const state = await readLabState(instance);
  if (!state) throw new LabError(`no lab named '${instance}' is up`);
  const refs = await readRecords(instancePaths(instance).pidRecord);
  const hosts = await Promise.all(
    state.hosts.map(async (host) => {
      const ref = refs.find((r) => r.pid === host.pid);
      const running = !!ref && isSameProcess(ref);
      const sshd = running && (await waitForSsh(host.address, host.port, 0, () => true, host.name).then(() => true, () => false));
      return { host, running, sshd };
    }),
  );
  return { state, hosts };
}

/**
 * Restart one host with an empty upper dir and a new network namespace (a fresh filesystem and no
 * firewall rules: nothing a test installed, wrote or filtered survives), keeping its name, address
 * and host key. Updates lab.json with the new PID.
 */
export async function resetLabHost(instance: string, name: string): Promise<LabHost> {
  checkCanRun();
  const p = instancePaths(instance);
  return withLock(p, async () => {
    const state = await readLabState(instance);
    const host = state?.hosts.find((h) => h.name === name);
    if (!state || !host) throw new LabError(`lab '${instance}' has no host ${name}`);
    const refs = await readRecords(p.pidRecord);
    const mine = refs.filter((r) => r.what.endsWith(` ${name}`));
    await stopRecorded(instance, mine.filter(isSameProcess));
    // Keep the record file to live processes only, so it does not grow with every reset.
    const kept = refs.filter((r) => !mine.includes(r) && isSameProcess(r));
    await writeAtomic(p.pidRecord, kept.map(formatRecord).join(''));
    const index = state.hosts.indexOf(host) + 1;
    const base = await ensureBase(() => undefined, async () => [instance]);
    const layer = host.kind === 'systemd' ? await (await import('./systemd.js')).ensureSystemdLayer(base) : undefined;
    const subnet: Subnet = { cidr: state.subnet, bridgeAddress: state.bridgeAddress, prefixLength: 24 };
    const planned: PlannedHost = { name, index, kind: host.kind, address: host.address, netns: netnsName(instance, name), veth: vethName(instance, index) };
    // A fresh network namespace too: firewall rules (ufw's iptables, nftables), addresses and
    // routes a test left there would otherwise outlive the filesystem and surprise the next test.
    await deleteNetns(planned.netns);
    await deleteLink(planned.veth);
    await createHostNetworks(p.bridge, subnet, [planned]);
    // The machine still maps the address to the old eth0's MAC, for up to 30 s while the entry
    // stays REACHABLE: forget it, so the new host answers at once.
    await tryRun(['ip', 'neigh', 'flush', 'to', planned.address, 'dev', p.bridge]);
    const pid = await startHost(p, {
      instance, host: planned, base, subnet,
      hostKey: await ensureHostKey(name),
      clientPublicKey: await fs.readFile(`${state.keyFile}.pub`, 'utf8'),
      etcHosts: etcHostsText(name, state.hosts),
    }, layer, (ref) => appendRecord(p.pidRecord, ref));
    const updated: LabHost = { ...host, pid };
    const next: LabState = { ...state, hosts: state.hosts.map((h) => (h.name === name ? updated : h)) };
    await writeAtomic(p.labJson, `${JSON.stringify(next, null, 2)}\n`);
    return updated;
  });
}

/**
 * Power a systemd host on again after it rebooted itself (`reboot`, `shutdown -r`: systemd-nspawn
 * then exits, and nothing restarts it): the same filesystem, machine-id and network namespace, a
 * new boot (nspawn gives every boot its own boot_id). Waits for the old nspawn to be gone first.
 * For tests of the reboot module; a plain host has no init that could reboot.
 */
export async function bootLabHostAgain(instance: string, name: string, timeoutMs = 60_000): Promise<LabHost> {
  checkCanRun();
  const p = instancePaths(instance);
  const state = await readLabState(instance);
  const host = state?.hosts.find((h) => h.name === name);
  if (!state || !host) throw new LabError(`lab '${instance}' has no host ${name}`);
  if (host.kind !== 'systemd') throw new LabError(`${name} is not a systemd host: only those can reboot`);
  const deadline = Date.now() + timeoutMs;
  while (processStartTime(host.pid) !== undefined) {
    if (Date.now() > deadline) throw new LabError(`${name} did not go down within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return withLock(p, async () => {
    const refs = await readRecords(p.pidRecord);
    await writeAtomic(p.pidRecord, refs.filter(isSameProcess).map(formatRecord).join(''));
    const base = await ensureBase(() => undefined, async () => [instance]);
    const systemd = await import('./systemd.js');
    const layer = await systemd.ensureSystemdLayer(base);
    const dirs = hostDirs(instance, name);
    const runDir = path.dirname(dirs.upper);
    const { pid } = await systemd.startSystemdHost({
      name, netns: netnsName(instance, name), upper: dirs.upper, work: dirs.work, base, layer, runDir, cgroupParent: cgroupParent(instance), keepMachineId: true,
    });
    const start = processStartTime(pid);
    if (start !== undefined) await appendRecord(p.pidRecord, { pid, startTime: start, what: `systemd ${name}` });
    await systemd.waitSystemdReady({ name, pid, address: host.address, port: 22, runDir }, SYSTEMD_READY_TIMEOUT_MS);
    const updated: LabHost = { ...host, pid };
    const fresh = (await readLabState(instance)) ?? state;
    await writeAtomic(p.labJson, `${JSON.stringify({ ...fresh, hosts: fresh.hosts.map((h) => (h.name === name ? updated : h)) }, null, 2)}\n`);
    return updated;
  });
}
