/**
 * Stopping a run on request: Ctrl-C (SIGINT), SIGTERM, SIGHUP, and the death of the tsx launcher
 * that started us. Whichever arrives, the run stops starting new work, lets in-flight commands end
 * (a write either lands whole or not at all: apply.ts), prints the recap and exits 99, like
 * ansible-playbook. Before a run has started nothing has changed yet: exit 99 at once.
 *
 * Two details of tsx's launcher (node_modules/.bin/tsx) shape this:
 * - It relays a signal it receives to us and, when we do not acknowledge within ~30 ms, sends it
 *   again, then SIGKILLs us (tsx-launcher.ts). So a repeat within REPEAT_MS is the same request,
 *   not the user's second Ctrl-C; and a listener must be installed from the first moment (tsx's
 *   preflight exits 130 at once when the process has no listener of its own). To acknowledge in
 *   time on a loaded machine, the launcher is reniced to run after us, our event loop never holds on
 *   for long (large contents go a slice per turn: slices.ts), and after a stop request we keep
 *   acknowledging until we exit (bench/stop-trials.ts has the figures).
 * - SIGKILL of the launcher does not reach us: we would run on, changing hosts, with nobody to
 *   report to. We watch our parent and treat its death as SIGTERM.
 */
import { setPriority } from 'node:os';
import { isTsxLauncher, linkToLauncher, type LauncherLink } from './tsx-launcher.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** Signals closer together than this are one request (tsx's launcher re-sends after 30 ms). */
export const REPEAT_MS = 1_000;
/** tsx's launcher's niceness once we run: the lowest priority. */
const LAUNCHER_NICE = 19;
/** How often the parent is checked for having gone. */
const PARENT_POLL_MS = 250;

type OnInterrupt = (why: string) => void;

let current: OnInterrupt | undefined;
let armed = false;
let installed = false;
let firstAt: number | undefined;
let launcher: LauncherLink | undefined;

function onSignal(why: string): void {
  if (why === 'SIGINT' || why === 'SIGTERM') launcher?.answer(why);
  const now = Date.now();
  if (firstAt !== undefined && now - firstAt < REPEAT_MS) return;
  const second = firstAt !== undefined;
  firstAt = now;
  // A second request while stopping leaves at once (Ansible does the same).
  if (second || !current) {
    if (!current) process.stderr.write(' [ERROR]: User interrupted execution\n');
    process.exit(99);
  }
  current(why);
}

const listeners = new Map(SIGNALS.map((s) => [s, () => onSignal(s)]));

function install(): void {
  if (installed) return;
  installed = true;
  for (const [signal, listener] of listeners) process.on(signal, listener);
}

function uninstall(): void {
  if (!installed || armed) return;
  installed = false;
  for (const [signal, listener] of listeners) process.off(signal, listener);
}

/**
 * For a playbook file run as the entry point: listen from now on (a signal while loading exits 99),
 * and stop when the tsx launcher that started us dies.
 */
export function armProcessSignals(): void {
  armed = true;
  install();
  const parent = process.ppid;
  if (isTsxLauncher(parent)) {
    // The launcher's 30 ms are counted from when it runs again: at the lowest priority it runs after
    // us on a loaded machine, so our acknowledgement is there when it looks (bench/stop-trials.ts).
    // It has nothing else to do. (SCHED_IDLE was tried too: starved that far, it saw our exit late
    // and exited 130 after our recap.)
    launcher = linkToLauncher(parent);
    try {
      setPriority(parent, LAUNCHER_NICE);
    } catch {
      // Not ours to renice (another user's launcher).
    }
    setInterval(() => {
      if (process.ppid !== parent) onSignal('parent exited');
    }, PARENT_POLL_MS).unref();
  }
}

/** Calls `onInterrupt` on the first stop request, until the returned function is called. */
export function onStopRequest(onInterrupt: OnInterrupt): () => void {
  const previous = current;
  current = onInterrupt;
  firstAt = undefined;
  install();
  return () => {
    current = previous;
    if (!previous) uninstall();
  };
}
