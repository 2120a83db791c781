/**
 * A value that must never reach the terminal, a log, JSON output or an error message.
 * Every way of turning it into text yields the mask; only `reveal()` gives the value, and only the
 * code that needs it (the sudo password writer, a file upload) calls that.
 */
export const MASK = '********';

export class Secret<T = string> {
  readonly #value: T;
  constructor(value: T) {
    this.#value = value;
  }
  reveal(): T {
    return this.#value;
  }
  toString(): string {
    return MASK;
  }
  toJSON(): string {
    return MASK;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return MASK;
  }
  /** The brand the parameter validators check (runner/validator.ts's SECRET_BRAND): they cannot use instanceof. */
  get [Symbol.for('hostwright.secret')](): true {
    return true;
  }
}

export function secret<T>(value: T): Secret<T> {
  return new Secret(value);
}

export function isSecret(value: unknown): value is Secret<unknown> {
  return value instanceof Secret;
}
