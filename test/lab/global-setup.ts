/**
 * vitest global setup of the e2e project: starts lab instance `e2e` once per run and takes it down
 * at the end — also when tests fail, and when the run is interrupted (SIGINT/SIGTERM, or anything
 * that ends the process through process.exit).
 *
 * Hosts: HOSTWRIGHT_E2E_HOSTS plain ones (default 4) and HOSTWRIGHT_E2E_SYSTEMD systemd ones (default 1).
 * HOSTWRIGHT_E2E_LAB names the instance (default e2e), so two runs on one machine don't clear each other's.
 * Where the lab can't run (not Linux, not root) the reason is printed and the e2e tests are skipped
 * with it; under CI=true that is a failure instead.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { LOCK_HANDOVER_ENV, labDown, labUnavailableReason, labUp } from './lab.js';
import type { LabState } from './state.js';

declare module 'vitest' {
  interface ProvidedContext {
    lab: LabState;
    /** Why the lab did not start ('' when it did). */
    labUnavailable: string;
  }
}

export const E2E_INSTANCE = process.env.HOSTWRIGHT_E2E_LAB || 'e2e';

function hostCount(variable: string, fallback: number): number {
  const raw = process.env[variable];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${variable} must be a whole number, not '${raw}'`);
  return Number(raw);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const why = labUnavailableReason();
  if (why) {
    const message = `e2e: the lab did not start: ${why}. The e2e tests did not run.`;
    if (process.env.CI === 'true') throw new Error(`${message} (CI=true: this is a failure)`);
    log(`\n${message}\n`);
    project.provide('labUnavailable', why);
    return async () => undefined;
  }

  // Set once the lab is down (or being taken down by the exit handler).
  let down = false;
  // If the process ends before the teardown has finished (a run interrupted during start-up, the
  // tests, or the teardown itself), take the lab down synchronously on the way out: 'exit' handlers
  // can't await, so run the CLI and wait for it.
  const onExit = () => {
    if (down) return;
    down = true;
    const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
    const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
    // This process may hold the instance's lock (interrupted mid-up or mid-down): hand it over.
    spawnSync(tsx, [cli, 'down', '--name', E2E_INSTANCE], {
      stdio: 'inherit',
      env: { ...process.env, [LOCK_HANDOVER_ENV]: String(process.pid) },
    });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    log(`e2e: ${signal}: taking the lab down`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('exit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const stopWatching = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
  };
  let state: LabState;
  try {
    state = await labUp({
      instance: E2E_INSTANCE,
      plain: hostCount('HOSTWRIGHT_E2E_HOSTS', 4),
      systemd: hostCount('HOSTWRIGHT_E2E_SYSTEMD', 1),
      log,
    });
  } catch (e) {
    // A failed up has already removed what it started.
    down = true;
    stopWatching();
    throw e;
  }
  project.provide('lab', state);
  project.provide('labUnavailable', '');

  return async () => {
    try {
      if (!down) await labDown(E2E_INSTANCE, log);
    } finally {
      down = true;
      stopWatching();
    }
  };
}
