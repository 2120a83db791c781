/**
 * Under tsx's launcher (`npx tsx playbook.ts`), the process the launcher started does not run the
 * playbook: it starts the same command again as its child, with the same terminal, and stays idle,
 * relaying stop requests to it and passing its exit code back.
 *
 * Why: the launcher (node_modules/tsx/dist/cli.mjs, relaySignals) answers a SIGINT or SIGTERM it
 * receives by waiting 30 ms for its child to report the same signal over tsx's IPC socket (tsx's
 * preflight does that from a signal listener, so from the main thread's event loop), then sending
 * the signal to the child, waiting 30 ms more, and then SIGKILLing it and exiting 128+n. A process
 * busy uploading on a loaded machine is often not scheduled within those 30 ms, so Ctrl-C or SIGTERM
 * ended the run with no recap (exit 130/143). An idle process is woken at once by the signal, so it
 * acknowledges in time; the run goes on in the child, which stops as on any stop request (recap,
 * exit 99). Idle is not enough on a machine loaded enough that any process can wait tens of ms for a
 * CPU (measured: 1 of 10 trials at load 14), so the launcher is also reniced to the lowest priority:
 * its 30 ms then end when it gets a CPU again, after we did (0 of 60 at load 14-19). Should the
 * launcher still kill us, the child sees its parent gone and stops the same way (runner/signals.ts).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants, setPriority } from 'node:os';

/** Set in the child's environment: the pid of the relay that started it. */
const RELAY_ENV = 'HOSTWRIGHT_RELAY_PID';
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** The launcher's niceness from the start (the lowest priority). */
const LAUNCHER_NICE = 19;
/** How often the launcher is checked for having gone. */
export const PARENT_POLL_MS = 250;

/** In the run's process: the pid of the relay that started it, if one did. */
const relayPid = Number(process.env[RELAY_ENV]) || undefined;
// Not passed on to what the playbook starts (local commands, hooks).
delete process.env[RELAY_ENV];

/**
 * The parent whose death means "stop": tsx's launcher when it started us directly, or the relay
 * that started us. Undefined when neither (node --import tsx, npx hostwright, a test runner).
 */
export function watchedParent(): number | undefined {
  const parent = process.ppid;
  return parent === relayPid || (relayPid === undefined && isTsxLauncher(parent)) ? parent : undefined;
}

/**
 * When tsx's launcher started this process (and not as the relay's child), start the run as a
 * child and relay to it: returns true, and this process must not run the playbook itself.
 */
export function relayUnderTsxLauncher(): boolean {
  const launcher = process.ppid;
  if (relayPid !== undefined || !isTsxLauncher(launcher)) return false;
  // The launcher's 30 ms are counted from when it runs: at the lowest priority it runs after us
  // on a loaded machine, so our answer is there when it looks. It has nothing else to do.
  try {
    setPriority(launcher, LAUNCHER_NICE);
  } catch {
    // Not ours to renice (another user's launcher): the relay alone must do.
  }
  // The same node, tsx hooks (execArgv) and playbook arguments; stdio is the terminal itself.
  const run = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [RELAY_ENV]: String(process.pid) },
  });
  const relay = (signal: NodeJS.Signals) => run.kill(signal);
  // tsx's preflight listener (prepended) acknowledges to the launcher before this one runs. A
  // terminal's Ctrl-C reaches the run directly too; it takes a repeat within a second as one request.
  for (const signal of SIGNALS) process.on(signal, () => relay(signal));
  const poll = setInterval(() => {
    if (process.ppid === launcher) return;
    clearInterval(poll);
    relay('SIGTERM');
  }, PARENT_POLL_MS);
  poll.unref();
  run.on('error', (error) => {
    process.stderr.write(`ERROR! could not start the playbook's process: ${error.message}\n`);
    process.exit(1);
  });
  run.on('exit', (code, signal) => {
    if (code !== null) process.exit(code);
    // Killed by a stop request before it listened for one (still loading): nothing had started,
    // so it is an interrupted run like any other (runner/signals.ts).
    if (SIGNALS.includes(signal as (typeof SIGNALS)[number])) {
      process.stderr.write(' [ERROR]: User interrupted execution\n');
      process.exit(99);
    }
    process.exit(128 + (constants.signals[signal!] ?? 0));
  });
  return true;
}

function isTsxLauncher(pid: number): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.some((a) => /[/\\]tsx[/\\]dist[/\\]cli\.m?js$|[/\\]\.bin[/\\]tsx$/.test(a));
  } catch {
    // No /proc (not Linux) or the parent is already gone: nothing to relay or watch.
    return false;
  }
}
