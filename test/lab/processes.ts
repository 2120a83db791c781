/**
 * Processes the lab started, identified by PID *and* start time (field 22 of /proc/PID/stat), so a
 * recorded PID that the kernel has since given to an unrelated process is never signalled.
 */
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { sleep } from './exec.js';

export interface ProcessRef {
  pid: number;
  /** Clock ticks since boot at which the process started. */
  startTime: number;
  /** What it is, for messages: `host lab01`, `apt-cacher-ng`. */
  what: string;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Start time of a live process, or undefined if there is none (or it is a zombie). */
export function processStartTime(pid: number): number | undefined {
  try {
    return parseStatStartTime(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/PID/stat; the command name (field 2) may contain spaces and parentheses. Zombies: undefined. */
export function parseStatStartTime(stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  const start = Number(fields[19]);
  return Number.isFinite(start) ? start : undefined;
}

export function isSameProcess(ref: ProcessRef): boolean {
  return processStartTime(ref.pid) === ref.startTime;
}

export function refOf(pid: number, what: string): ProcessRef {
  const startTime = processStartTime(pid);
  if (startTime === undefined) throw new Error(`${what} (pid ${pid}) exited at once`);
  return { pid, startTime, what };
}

export function formatRecord(ref: ProcessRef): string {
  return `${ref.pid} ${ref.startTime} ${ref.what}\n`;
}

export function parseRecords(text: string): ProcessRef[] {
  const refs: ProcessRef[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+) (\d+) (.+)$/.exec(line.trim());
    if (m) refs.push({ pid: Number(m[1]), startTime: Number(m[2]), what: m[3]! });
  }
  return refs;
}

export async function appendRecord(file: string, ref: ProcessRef): Promise<void> {
  await fs.appendFile(file, formatRecord(ref));
}

export async function readRecords(file: string): Promise<ProcessRef[]> {
  return parseRecords(await fs.readFile(file, 'utf8').catch(() => ''));
}

/** Signal the processes that are still the ones recorded; wait for them to go; SIGKILL stragglers. */
export async function stopProcesses(refs: readonly ProcessRef[], timeoutMs: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const live = refs.filter(isSameProcess);
  for (const ref of live) signalQuietly(ref.pid, signal);
  const deadline = Date.now() + timeoutMs;
  while (live.some(isSameProcess) && Date.now() < deadline) await sleep(20);
  for (const ref of live.filter(isSameProcess)) signalQuietly(ref.pid, 'SIGKILL');
  while (live.some(isSameProcess)) await sleep(20);
}

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Run `fn` holding `lock`, a file with the holder's PID: one build at a time across processes (the
 * CLI's lab and the test suite's may start together). A lock whose holder is gone (killed mid-build)
 * is taken over; `onWait` is told once when another live process holds it.
 */
export async function withPidFileLock<T>(lock: string, onWait: (holder: number) => void, fn: () => Promise<T>): Promise<T> {
  await fs.mkdir(path.dirname(lock), { recursive: true });
  let waited = false;
  for (;;) {
    try {
      await fs.writeFile(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number((await fs.readFile(lock, 'utf8').catch(() => '')).trim());
      if (!holder || !processAlive(holder)) {
        await fs.rm(lock, { force: true });
        continue;
      }
      if (!waited) onWait(holder);
      waited = true;
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lock, { force: true });
  }
}
