/**
 * tsx's launcher (node_modules/.bin/tsx) as a run it started sees it. The launcher spawns the run as
 * its child and listens on a unix socket, `$TMPDIR/tsx-<euid>/<launcher pid>.pipe`, for messages:
 * a 4-byte big-endian length, then JSON. On SIGINT or SIGTERM it waits 30 ms for the child's
 * `{"type":"signal","signal":…}`; without one it relays the signal to the child, waits 30 ms more,
 * then SIGKILLs it and exits 130/143, no recap (tsx 4's relaySignals). A message counts only while
 * such a wait is open. tsx's own preflight in the child answers once per signal, and on a loaded
 * machine that one answer is lost when it reaches the launcher before the launcher has handled its
 * signal (reniced, it handles it after us): then the relay's 30 ms decide. So after a stop request
 * we answer again every few ms until we exit. A launcher that runs late reads an answer that is
 * waiting on its socket before it acts on its expired wait (checked with a starved process:
 * pending data on an open connection is read before an overdue timer fires), so whenever it looks
 * after our first answer, one is there.
 */
import { readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';

/** How often the answer is repeated while the run stops. */
const ANSWER_EVERY_MS = 5;

export function isTsxLauncher(pid: number): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.some((a) => /[/\\]tsx[/\\]dist[/\\]cli\.m?js$|[/\\]\.bin[/\\]tsx$/.test(a));
  } catch {
    // No /proc (not Linux) or the parent is already gone: nothing to watch.
    return false;
  }
}

/** Where tsx's launcher with this pid listens (tsx's client.cjs getPipePath, on a POSIX system). */
export function launcherPipe(pid: number): string {
  const user = process.geteuid ? process.geteuid() : userInfo().username;
  return path.join(tmpdir(), `tsx-${user}`, `${pid}.pipe`);
}

/** One message as the launcher reads it. */
function launcherMessage(message: object): Buffer {
  const json = Buffer.from(JSON.stringify(message));
  const length = Buffer.alloc(4);
  length.writeInt32BE(json.length, 0);
  return Buffer.concat([length, json]);
}

export interface LauncherLink {
  /** From now until this process exits, tell the launcher `signal` has reached us. */
  answer(signal: 'SIGINT' | 'SIGTERM'): void;
}

/**
 * Connects now, at start-up, so that answering costs no connection when the machine is loaded. A
 * launcher that cannot be reached (another tsx version, no socket) leaves the answers unsent.
 */
export function linkToLauncher(pid: number): LauncherLink {
  const socket = createConnection(launcherPipe(pid));
  socket.on('error', () => socket.destroy());
  socket.unref();
  let answering = false;
  return {
    answer(signal) {
      if (answering) return;
      answering = true;
      const message = launcherMessage({ type: 'signal', signal });
      const send = () => void (socket.writable && socket.write(message));
      send();
      setInterval(send, ANSWER_EVERY_MS).unref();
    },
  };
}
