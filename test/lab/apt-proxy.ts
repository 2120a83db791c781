/**
 * apt-cacher-ng for one lab instance, listening on the bridge address only, with its own config,
 * socket, logs and cache (two instances run side by side). It has no remapping rules: a host's
 * request for http://<mirror>/debian/... is fetched from that mirror (the machine's own, written
 * into the base's sources.list), and the second host's install of a package is served locally.
 * apt-cacher-ng refuses ports other than 80 and 443 ("prohibited port"): a test serving an apt
 * repository from a lab host on another port sets `Acquire::http::Proxy::<address> "DIRECT";` in
 * the client host (test/e2e/modules/apt_repository.test.ts).
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { LabError, sleep } from './exec.js';
import { APT_PROXY_PORT } from './host-files.js';
import type { InstancePaths } from './paths.js';
import { isSameProcess, refOf, type ProcessRef } from './processes.js';

export function aptProxyConfig(p: InstancePaths, bindAddress: string): string {
  return [
    `CacheDir: ${p.aptCacheDir}`,
    `LogDir: ${path.join(p.aptProxyDir, 'log')}`,
    'SupportDir: /usr/lib/apt-cacher-ng',
    `BindAddress: ${bindAddress}`,
    `Port: ${APT_PROXY_PORT}`,
    `SocketPath: ${path.join(p.aptProxyDir, 'socket')}`,
    'ForeGround: 1',
    'ExThreshold: 4',
    'ReportPage: acng-report.html',
    '',
  ].join('\n');
}

export async function startAptProxy(p: InstancePaths, bindAddress: string, onSpawn: (ref: ProcessRef) => Promise<void>): Promise<ProcessRef> {
  await fs.mkdir(path.join(p.aptProxyDir, 'log'), { recursive: true });
  await fs.mkdir(p.aptCacheDir, { recursive: true });
  await fs.writeFile(path.join(p.aptProxyDir, 'acng.conf'), aptProxyConfig(p, bindAddress));
  const logFile = path.join(p.aptProxyDir, 'log', 'daemon.log');
  const log = openSync(logFile, 'a');
  const child = spawn('apt-cacher-ng', ['-c', p.aptProxyDir], { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new LabError('could not start apt-cacher-ng (is it installed?)');
  const ref = refOf(child.pid, 'apt-cacher-ng');
  await onSpawn(ref);
  const deadline = Date.now() + 10_000;
  while (!(await listening(bindAddress, APT_PROXY_PORT))) {
    if (!isSameProcess(ref)) throw new LabError(`apt-cacher-ng exited at start (see ${logFile})`);
    if (Date.now() > deadline) throw new LabError(`apt-cacher-ng did not listen on ${bindAddress}:${APT_PROXY_PORT} (see ${logFile})`);
    await sleep(25);
  }
  return ref;
}

function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 1000 }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
    s.on('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}
