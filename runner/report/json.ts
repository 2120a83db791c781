/**
 * --json: one RunEvent per line, as the executor emitted it, for machines (jq, CI dashboards).
 * Secret values serialize as the mask (Secret.toJSON) and the whole line also goes through the
 * run's Masker, so a leaked value in stderr or a message is masked here too.
 * Each line also carries `time` (ISO 8601, when it was written); the recap carries `elapsedMs`
 * (since the reporter started, i.e. the run), host results their own `durationMs`.
 */
import type { Reporter, RunEvent } from '../events.js';
import { Masker } from '../mask.js';
import type { OutputStream } from './text.js';

export class JsonReporter implements Reporter {
  readonly #out: OutputStream;
  readonly #masker: Masker;
  readonly #startedAt: number;

  constructor(options: { stdout: OutputStream; masker?: Masker; startedAt?: number }) {
    this.#out = options.stdout;
    this.#masker = options.masker ?? new Masker();
    this.#startedAt = options.startedAt ?? performance.now();
  }

  emit(event: RunEvent): void {
    const elapsed = event.type === 'recap' ? { elapsedMs: Math.round(performance.now() - this.#startedAt) } : {};
    const line = { ...event, ...elapsed, time: new Date().toISOString() };
    this.#out.write(`${this.#masker.mask(JSON.stringify(line))}\n`);
  }

  async close(): Promise<void> {}
}
