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
import type { JSONSchemaType } from 'ajv';
import { defineModule } from '../runner/module.js';
import type { TaskResult } from '../runner/module.types.js';

export interface PauseParams {
  /** Minutes to wait. Exclusive with `seconds`. @default none */
  minutes?: number;
  /** Seconds to wait (at least 1, as Ansible). Exclusive with `minutes`. @default none */
  seconds?: number;
  /** Text shown when asking for input; without a duration, the pause waits for Enter. @default none */
  prompt?: string;
  /** Echo what is typed at the prompt. @default true */
  echo?: boolean;
}

export interface PauseResult extends TaskResult {
  user_input: string;
  start: string;
  stop: string;
  delta: number;
  echo: boolean;
}

const schema: JSONSchemaType<PauseParams> = {
  type: 'object',
  properties: {
    minutes: { type: 'number', nullable: true, minimum: 0 },
    seconds: { type: 'number', nullable: true, minimum: 0 },
    prompt: { type: 'string', nullable: true },
    echo: { type: 'boolean', nullable: true, default: true },
  },
  required: [],
  additionalProperties: false,
};

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
  name: 'pause',
  schema,
  bypassHostLoop: true,
  check: (p) => (p.minutes !== undefined && p.seconds !== undefined ? [{ field: '', message: 'parameters are mutually exclusive: minutes|seconds' }] : []),
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
