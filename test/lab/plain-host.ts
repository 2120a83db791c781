/**
 * Plain lab hosts: tini as PID 1 in their own PID/UTS/IPC/mount namespaces, over an overlay root.
 * The namespaces are entered by enter-host.sh; this file launches it detached (hosts outlive the
 * CLI that started them) and finds the host's PID 1 as seen from the machine.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { LabError, sleep } from './exec.js';
import { INIT_SCRIPT } from './host-files.js';
import { refOf, type ProcessRef } from './processes.js';

const ENTER_SCRIPT = fileURLToPath(new URL('./enter-host.sh', import.meta.url));

export interface PlainHostLaunch {
  name: string;
  netns: string;
  upper: string;
  work: string;
  root: string;
  base: string;
  logFile: string;
}

export interface Launched {
  /** `unshare`, which waits for the host and takes it down with it (--kill-child). */
  launcher: ProcessRef;
  /** tini, the host's PID 1. */
  init: ProcessRef;
}

export async function startPlainHost(h: PlainHostLaunch, onSpawn: (ref: ProcessRef) => Promise<void>): Promise<Launched> {
  await fs.mkdir(h.root, { recursive: true });
  const log = openSync(h.logFile, 'a');
  const child = spawn(
    'nsenter',
    [
      `--net=/run/netns/${h.netns}`,
      'unshare', '--mount', '--pid', '--uts', '--ipc', '--fork', '--kill-child', '--propagation', 'private',
      '/bin/sh', ENTER_SCRIPT, h.root, h.upper, h.work, h.base, h.name, INIT_SCRIPT,
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new LabError(`${h.name}: could not start nsenter`);
  const launcher = refOf(pid, `launcher ${h.name}`);
  await onSpawn(launcher);
  const initPid = await firstChild(pid, h.name, h.logFile);
  const init = refOf(initPid, `host ${h.name}`);
  await onSpawn(init);
  return { launcher, init };
}

async function firstChild(pid: number, name: string, logFile: string): Promise<number> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const children = await fs.readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => undefined);
    if (children === undefined) break; // the launcher is gone
    const first = Number(children.trim().split(/\s+/)[0]);
    if (first) return first;
    await sleep(5);
  }
  throw new LabError(`${name} did not start: ${await lastLine(logFile)}`);
}

async function lastLine(file: string): Promise<string> {
  const text = (await fs.readFile(file, 'utf8').catch(() => '')).trim();
  return text.split('\n').slice(-1)[0] || `no output (see ${file})`;
}

/** Resolve when something at address:port speaks SSH (sends its `SSH-2.0-` banner). */
export async function waitForSsh(address: string, port: number, timeoutMs: number, alive: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await sshBanner(address, port)) return;
    if (!alive()) throw new LabError(`${what} exited before its sshd answered`);
    if (Date.now() > deadline) throw new LabError(`${what}: sshd on ${address}:${port} did not answer within ${timeoutMs / 1000} s`);
    await sleep(25);
  }
}

function sshBanner(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port, timeout: 1000 });
    let data = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.startsWith('SSH-')) done(true);
    });
    socket.on('error', () => done(false));
    socket.on('timeout', () => done(false));
    socket.on('end', () => done(false));
  });
}
