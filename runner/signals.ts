/**
 * Stopping a run on request: Ctrl-C (SIGINT), SIGTERM, SIGHUP, and the death of the parent that
 * started us (tsx's launcher, or the relay under it: runner/launcher-relay.ts). Whichever arrives,
 * the run stops starting new work, lets in-flight commands end (a write either lands whole or not at
 * all: apply.ts), prints the recap and exits 99, like ansible-playbook. Before a run has started
 * nothing has changed yet: exit 99 at once.
 *
 * - A terminal's Ctrl-C reaches us and, relayed, a moment later again (the relay, or tsx's launcher
 *   when we do not acknowledge within 30 ms). So a repeat within REPEAT_MS is the same request, not
 *   the user's second Ctrl-C.
 * - SIGKILL of our parent does not reach us: we would run on, changing hosts, with nobody to report
 *   to. We watch the parent and treat its death as SIGTERM.
 */
import { PARENT_POLL_MS, watchedParent } from './launcher-relay.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** Signals closer together than this are one request (a relayed copy follows within milliseconds). */
export const REPEAT_MS = 1_000;

type OnInterrupt = (why: string) => void;

let current: OnInterrupt | undefined;
let armed = false;
let installed = false;
let firstAt: number | undefined;

function onSignal(why: string): void {
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
 * and stop when the launcher or relay that started us dies.
 */
export function armProcessSignals(): void {
  armed = true;
  install();
  const parent = watchedParent();
  if (parent !== undefined) {
    const poll = setInterval(() => {
      if (process.ppid === parent) return;
      clearInterval(poll);
      onSignal('parent exited');
    }, PARENT_POLL_MS);
    poll.unref();
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
