/**
 * --json: one RunEvent per line, as the executor emitted it, for machines (jq, CI dashboards).
 * Secret values serialize as the mask (Secret.toJSON) and the whole line also goes through the
 * run's Masker, so a leaked value in stderr or a message is masked here too.
 */
import type { Reporter, RunEvent } from '../events.js';
import { Masker } from '../mask.js';
import type { OutputStream } from './text.js';

export class JsonReporter implements Reporter {
  readonly #out: OutputStream;
  readonly #masker: Masker;

  constructor(options: { stdout: OutputStream; masker?: Masker }) {
    this.#out = options.stdout;
    this.#masker = options.masker ?? new Masker();
  }

  emit(event: RunEvent): void {
    this.#out.write(`${this.#masker.mask(JSON.stringify(event))}\n`);
  }

  async close(): Promise<void> {}
}
