/** A counting semaphore: at most `max` tasks at once, the rest wait in arrival order. */
export class Limit {
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  constructor(readonly max: number) {}

  /** Tasks running now (for -vvvv's channel use). */
  get active(): number {
    return this.#active;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.max) await new Promise<void>((r) => this.#waiting.push(r));
    else this.#active++;
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next(); // the slot passes straight to the next waiter
      else this.#active--;
    }
  }
}

/**
 * Commands at once on one host's connection: OpenSSH's default MaxSessions is 10, one of which the
 * shell session holds. The local connection keeps the same bound.
 */
export const CHANNELS_PER_CONNECTION = 8;
