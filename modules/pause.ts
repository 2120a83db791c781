/**
 * pause: wait a number of seconds or minutes, or for Enter at a prompt, as Ansible's pause
 * action. It acts once for the whole play (the first host runs it, the others take its result).
 * A prompt is read only when the controller's stdin is a terminal; otherwise Ansible's warning
 * says it was not waited for (and a timed pause just waits). Ctrl-C interrupts the run as usual.
 *
 * The waiting happens in gather: it is the module's only asynchronous step, the wait touches no
 * host, and Ansible also pauses in check mode.
 */
import { createInterface } from 'node:readline/promises';
import { defineModule } from '../runner/module.js';
import type { TaskResult } from '../runner/module.types.js';
import { pauseDefinition, type PauseParams } from './pause.params.js';

export type { PauseParams } from './pause.params.js';

export interface PauseResult extends TaskResult {
  user_input: string;
  start: string;
  stop: string;
  delta: number;
  echo: boolean;
}

interface Paused {
  start: Date;
  stop: Date;
  input: string;
  warning?: string;
}

const NOT_INTERACTIVE = 'Not waiting for response to prompt as stdin is not interactive';

async function waitFor(p: PauseParams): Promise<Paused> {
  const start = new Date();
  const seconds = p.minutes !== undefined ? p.minutes * 60 : p.seconds;
  let input = '';
  let warning: string | undefined;
  if (seconds !== undefined) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, seconds) * 1000));
  } else if (process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    try {
      input = await rl.question(`${p.prompt ?? 'Press enter to continue, Ctrl+C to interrupt'}:`);
    } finally {
      rl.close();
    }
  } else {
    warning = NOT_INTERACTIVE;
  }
  return { start, stop: new Date(), input, ...(warning ? { warning } : {}) };
}

/** Python's str(datetime.now()): `2024-05-01 12:00:00.123456`, local time. */
function pyDatetime(d: Date): string {
  const z = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${z(d.getMonth() + 1)}-${z(d.getDate())} ${z(d.getHours())}:${z(d.getMinutes())}:${z(d.getSeconds())}.${z(d.getMilliseconds(), 3)}000`;
}

export const pause = defineModule<PauseParams, Paused, PauseResult>({
  ...pauseDefinition,
  gather: (p) => waitFor(p),
  plan(p, paused) {
    const elapsed = (paused.stop.getTime() - paused.start.getTime()) / 1000;
    const unit = p.minutes !== undefined ? 'minutes' : 'seconds';
    const shown = Math.round((unit === 'minutes' ? elapsed / 60 : elapsed) * 100) / 100;
    return {
      changed: false,
      actions: [],
      result: {
        rc: 0,
        stderr: '',
        // Python prints the rounded float: 1.0, 1.01.
        stdout: `Paused for ${Number.isInteger(shown) ? shown.toFixed(1) : shown} ${unit}`,
        start: pyDatetime(paused.start),
        stop: pyDatetime(paused.stop),
        delta: Math.floor(elapsed),
        echo: p.echo ?? true,
        user_input: paused.input,
        ...(paused.warning ? { warnings: [paused.warning] } : {}),
      },
    };
  },
});
