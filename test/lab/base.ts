/**
 * The base root filesystem every lab host uses as its overlay lowerdir: Debian bookworm minbase
 * plus what a managed server has (sshd, sudo, cron, git, ...) and python3 so the real Ansible can run
 * against the same hosts. Built once with debootstrap and cached; a marker holding the recipe's
 * version is written last, and the finished tree is renamed into place, so a killed or outdated
 * build is never taken for a good one.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { LabError, run, tryRun } from './exec.js';
import { FALLBACK_MIRROR, findDebianMirror } from './mirror.js';
import { BASE_DIR, CACHE_DIR } from './paths.js';
import { withPidFileLock } from './processes.js';

export const SUITE = 'bookworm';
export const BASE_PACKAGES = [
  'openssh-server', 'sudo', 'cron', 'git', 'tar', 'gzip', 'iproute2', 'procps', 'ca-certificates', 'tini',
  'python3', 'init-system-helpers', 'less', 'xz-utils',
];
/** Accounts made in the base: `deploy` sudoes without a password, `ops` with this one. */
export const DEPLOY_USER = 'deploy';
export const OPS_USER = 'ops';
export const OPS_PASSWORD = 'hostwright-ops';

/** Bump when anything below changes: a base with another version is rebuilt. */
const RECIPE_REVISION = 1;
export const BASE_RECIPE = `hostwright-lab-base r${RECIPE_REVISION} ${SUITE} minbase ${BASE_PACKAGES.join(',')}`;
export const BASE_MARKER = '.hostwright-lab-base';
/** Files whose absence means the cache was damaged after it was built. */
const REQUIRED_FILES = ['usr/sbin/sshd', 'usr/bin/tini', 'usr/bin/python3', 'usr/bin/sudo', 'etc/passwd', 'bin/sh'];

export type BaseStatus = { ok: true } | { ok: false; reason: string };

export async function checkBase(dir = BASE_DIR): Promise<BaseStatus> {
  let marker: string;
  try {
    marker = (await fs.readFile(path.join(dir, BASE_MARKER), 'utf8')).trim();
  } catch {
    return { ok: false, reason: existsSync(dir) ? 'its completion marker is missing (partial or broken build)' : 'not built yet' };
  }
  if (marker !== BASE_RECIPE) return { ok: false, reason: `it was built by another recipe (${marker.split(' ').slice(0, 2).join(' ')})` };
  const missing = REQUIRED_FILES.filter((f) => !existsSync(path.join(dir, f)));
  if (missing.length > 0) return { ok: false, reason: `it is damaged (missing ${missing.join(', ')})` };
  return { ok: true };
}

export async function machineMirror(): Promise<string> {
  const files: string[] = [];
  for (const f of ['/etc/apt/sources.list', ...(await listDir('/etc/apt/sources.list.d')).map((n) => `/etc/apt/sources.list.d/${n}`)]) {
    if (f.endsWith('.list') || f.endsWith('.sources')) files.push(await fs.readFile(f, 'utf8').catch(() => ''));
  }
  return findDebianMirror(files, SUITE) ?? FALLBACK_MIRROR;
}

/**
 * Make sure a good base exists, building it if not. `busyInstances` names running lab instances:
 * a base in use as a lowerdir must not change under them, so then a rebuild is refused.
 */
export async function ensureBase(
  log: (line: string) => void,
  busyInstances: () => Promise<string[]>,
  dir = BASE_DIR,
): Promise<string> {
  const status = await checkBase(dir);
  if (status.ok) return dir;
  const busy = await busyInstances();
  if (busy.length > 0) {
    throw new LabError(`the base rootfs needs a rebuild (${status.reason}) but lab ${busy.join(', ')} is using it; run \`npm run lab -- down --name ${busy[0]}\` first`);
  }
  await withBuildLock(dir, log, async () => {
    const again = await checkBase(dir);
    if (again.ok) return; // another process built it while we waited
    log(`lab: base rootfs at ${dir}: ${again.reason}; building it (debootstrap, about a minute)`);
    const started = Date.now();
    await buildBase(dir, log);
    log(`lab: base rootfs built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  });
  return dir;
}

async function buildBase(dir: string, log: (line: string) => void): Promise<void> {
  const mirror = await machineMirror();
  const tmp = `${dir}.tmp-${process.pid}`;
  const logFile = path.join(CACHE_DIR, 'base-build.log');
  await fs.rm(tmp, { recursive: true, force: true });
  log(`lab: debootstrap ${SUITE} from ${mirror} (log: ${logFile})`);
  const result = await tryRun(
    ['debootstrap', '--variant=minbase', `--include=${BASE_PACKAGES.join(',')}`, SUITE, tmp, mirror],
    { timeoutMs: 20 * 60_000 },
  );
  await fs.writeFile(logFile, result.stdout + result.stderr);
  if (result.code !== 0) {
    await fs.rm(tmp, { recursive: true, force: true });
    const why = result.stdout.trim().split('\n').filter((l) => l.startsWith('E:')).slice(-1)[0] ?? `exit ${result.code}`;
    throw new LabError(`debootstrap failed: ${why} (see ${logFile})`);
  }
  await configureBase(tmp, mirror);
  await fs.writeFile(path.join(tmp, BASE_MARKER), `${BASE_RECIPE}\n`);
  // Swap in atomically: the old tree is moved aside first and deleted only after the new one is in place.
  const old = `${dir}.old-${process.pid}`;
  if (existsSync(dir)) await fs.rename(dir, old);
  await fs.rename(tmp, dir);
  await fs.rm(old, { recursive: true, force: true });
}

/** What debootstrap doesn't do: users, sudo rules, sshd settings, no host keys, apt sources. */
async function configureBase(root: string, mirror: string): Promise<void> {
  const w = (rel: string, content: string, mode = 0o644) => writeAt(root, rel, content, mode);
  await run(['chroot', root, '/bin/sh', '-euc', [
    `useradd --create-home --shell /bin/bash ${DEPLOY_USER}`,
    `useradd --create-home --shell /bin/bash ${OPS_USER}`,
    `echo '${OPS_USER}:${OPS_PASSWORD}' | chpasswd`,
    `install -d -m 700 /root/.ssh`,
    `install -d -m 700 -o ${DEPLOY_USER} -g ${DEPLOY_USER} /home/${DEPLOY_USER}/.ssh`,
    `install -d -m 700 -o ${OPS_USER} -g ${OPS_USER} /home/${OPS_USER}/.ssh`,
    // Every host gets its own key (written into its upper dir); none may be shared through the base.
    'rm -f /etc/ssh/ssh_host_*',
    'apt-get clean',
    'rm -rf /var/lib/apt/lists/* /var/log/*.log /var/log/apt/* /etc/hostname /etc/machine-id',
  ].join('\n')]);
  await w('etc/sudoers.d/hostwright-lab', `${DEPLOY_USER} ALL=(ALL:ALL) NOPASSWD: ALL\n${OPS_USER} ALL=(ALL:ALL) ALL\n`, 0o440);
  await w('etc/ssh/sshd_config.d/hostwright-lab.conf', [
    '# Lab hosts: key-only logins, no DNS lookups, and room for many parallel connections/channels.',
    'HostKey /etc/ssh/ssh_host_ed25519_key',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UseDNS no',
    'MaxStartups 200:30:400',
    'MaxSessions 64',
    '',
  ].join('\n'));
  // Package installs start their services, as on a real server (there is no init system to ask).
  await w('usr/sbin/policy-rc.d', '#!/bin/sh\nexit 0\n', 0o755);
  await w('etc/apt/sources.list', `deb ${mirror.replace(/^https:/, 'http:')} ${SUITE} main\n`);
  // No DNS on the lab network: lookups fail at once instead of timing out. apt goes through the proxy.
  await w('etc/resolv.conf', '');
  await w('etc/machine-id', '');
}

async function writeAt(root: string, rel: string, content: string, mode: number): Promise<void> {
  const file = path.join(root, rel);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.rm(file, { force: true });
  await fs.writeFile(file, content, { mode });
  await fs.chmod(file, mode);
}

async function listDir(dir: string): Promise<string[]> {
  return fs.readdir(dir).catch(() => []);
}

/** The build lock, and the leftovers of builds that were killed half-way cleared under it. */
async function withBuildLock(dir: string, log: (line: string) => void, fn: () => Promise<void>): Promise<void> {
  const onWait = (holder: number) => log(`lab: waiting for process ${holder}, which is building the base rootfs`);
  await withPidFileLock(path.join(CACHE_DIR, 'build.lock'), onWait, async () => {
    const parent = path.dirname(dir);
    const leftover = new RegExp(`^${path.basename(dir).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(tmp|old)-\\d+$`);
    for (const name of await listDir(parent)) {
      if (leftover.test(name)) await fs.rm(path.join(parent, name), { recursive: true, force: true });
    }
    await fn();
  });
}
