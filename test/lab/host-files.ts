/**
 * Per-host files, written straight into a host's overlay upper dir before it is mounted: host key,
 * authorized_keys, hostname, /etc/hosts, the apt proxy and the init script. Shared by plain and
 * systemd hosts.
 *
 * A directory present in the upper dir hides the lower one's owner and mode, so every directory
 * created here copies them from the base (e.g. /home/deploy/.ssh stays deploy's, mode 0700).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DEPLOY_USER, OPS_USER } from './base.js';
import type { HostKey } from './keys.js';

export const INIT_SCRIPT = '/usr/local/sbin/hostwright-lab-init';
/** Not 3142: a packaged apt-cacher-ng on the machine may hold *:3142, which would block a bind to the bridge. */
export const APT_PROXY_PORT = 3149;

export interface HostFilesInput {
  instance: string;
  name: string;
  upper: string;
  base: string;
  hostKey: HostKey;
  /** The lab client's public key line. */
  clientPublicKey: string;
  etcHosts: string;
  /** Machine's address on the bridge, where the apt proxy listens. */
  bridgeAddress: string;
}

/** Plain hosts: tini runs this as its only child. Services are started the SysV way, as apt would. */
export const INIT_SCRIPT_TEXT = `#!/bin/sh
# Started by tini (PID 1) in a Hostwright lab host: start what a server runs, then idle.
# A service (even sshd) may be restarted by tests; the host lives as long as this script.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
/etc/init.d/cron start >/dev/null
/etc/init.d/ssh start >/dev/null
exec sleep infinity
`;

interface Owner {
  uid: number;
  gid: number;
}

export async function writeHostFiles(h: HostFilesInput): Promise<void> {
  const passwd = await fs.readFile(path.join(h.base, 'etc/passwd'), 'utf8');
  const owner = (user: string): Owner => {
    const line = passwd.split('\n').find((l) => l.startsWith(`${user}:`));
    if (!line) throw new Error(`user ${user} is missing from the base rootfs`);
    const [, , uid, gid] = line.split(':');
    return { uid: Number(uid), gid: Number(gid) };
  };
  const root: Owner = { uid: 0, gid: 0 };
  const put = (rel: string, content: string, mode: number, who: Owner = root) => writeUpperFile(h.upper, h.base, rel, content, mode, who);
  const authorized = `${h.clientPublicKey.trim()}\n`;
  await put('etc/hostname', `${h.name}\n`, 0o644);
  await put('etc/hosts', h.etcHosts, 0o644);
  await put('etc/machine-id', `${machineId(h.instance, h.name)}\n`, 0o444);
  await put('etc/ssh/ssh_host_ed25519_key', h.hostKey.privateKey, 0o600);
  await put('etc/ssh/ssh_host_ed25519_key.pub', `${h.hostKey.publicKey}\n`, 0o644);
  await put('root/.ssh/authorized_keys', authorized, 0o600);
  await put(`home/${DEPLOY_USER}/.ssh/authorized_keys`, authorized, 0o600, owner(DEPLOY_USER));
  await put(`home/${OPS_USER}/.ssh/authorized_keys`, authorized, 0o600, owner(OPS_USER));
  await put('etc/apt/apt.conf.d/00hostwright-lab-proxy', `Acquire::http::Proxy "http://${h.bridgeAddress}:${APT_PROXY_PORT}";\n`, 0o644);
  await put(INIT_SCRIPT.slice(1), INIT_SCRIPT_TEXT, 0o755);
}

/** Stable per host name and instance, unique across hosts (dbus and systemd want one). */
export function machineId(instance: string, name: string): string {
  return createHash('sha256').update(`hostwright-lab ${instance} ${name}`).digest('hex').slice(0, 32);
}

async function writeUpperFile(upper: string, base: string, rel: string, content: string, mode: number, who: Owner): Promise<void> {
  const parts = path.dirname(rel).split('/').filter((p) => p && p !== '.');
  for (let i = 1; i <= parts.length; i++) {
    const dir = parts.slice(0, i).join('/');
    const target = path.join(upper, dir);
    const lower = await fs.stat(path.join(base, dir)).catch(() => undefined);
    try {
      await fs.mkdir(target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw e;
    }
    await fs.chmod(target, lower ? lower.mode & 0o7777 : 0o755);
    await fs.chown(target, lower?.uid ?? 0, lower?.gid ?? 0);
  }
  const file = path.join(upper, rel);
  await fs.writeFile(file, content, { mode });
  await fs.chmod(file, mode);
  await fs.chown(file, who.uid, who.gid);
}
