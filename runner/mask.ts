/**
 * Defense in depth for secrets: the executor already masks no_log results and secret params, but
 * every reporter also passes its text through a Masker that knows the revealed value of each
 * Secret registered for the run (the -K become password, vault values). If a value slipped into a
 * command line, an error message or stderr, it is replaced by MASK before anything is printed.
 */
import { MASK, isSecret, type Secret } from './secret.js';

/** Values this short would mask ordinary words everywhere ("a", "no"); a password is longer. */
const MIN_LENGTH = 3;

export class Masker {
  readonly #values = new Set<string>();
  #pattern: RegExp | undefined;

  /** Register a secret (or a plain string known to be secret) for the rest of the run. */
  add(value: Secret<unknown> | string): this {
    const revealed = isSecret(value) ? value.reveal() : value;
    if (typeof revealed !== 'string') return this;
    // A file's content comes back from the host trimmed (command's stdout) and line by line
    // (stdout_lines, a diff): each of those forms is masked too.
    const forms = new Set([revealed, revealed.trim(), ...revealed.split(/\r?\n/).map((l) => l.trim())]);
    for (const form of forms) {
      if (form.length < MIN_LENGTH) continue;
      this.#values.add(form);
      // The same value as it appears inside JSON output ("pa\"ss" for pa"ss), so --json lines and
      // -v result dumps are covered too.
      this.#values.add(JSON.stringify(form).slice(1, -1));
    }
    this.#pattern = undefined;
    return this;
  }

  /**
   * Registers every Secret found in `value` (params, vars, loop items, nested anywhere), so a
   * secret is masked wherever it later shows up: a validate command's output, a later task's
   * stdout, an error, the `before` of a later --diff. A Secret holding an object masks its strings.
   */
  addSecretsIn(value: unknown, seen: Walked = new Set()): this {
    if (isSecret(value)) {
      const revealed = value.reveal();
      if (typeof revealed === 'string') this.add(revealed);
      else this.#addStrings(revealed, seen);
      return this;
    }
    if (typeof value !== 'object' || value === null || seen.has(value)) return this;
    seen.add(value);
    for (const v of Array.isArray(value) ? value : Object.values(value)) this.addSecretsIn(v, seen);
    return this;
  }

  #addStrings(value: unknown, seen: Walked): void {
    if (typeof value === 'string') this.add(value);
    else if (isSecret(value)) this.addSecretsIn(value, seen);
    else if (typeof value === 'object' && value !== null && !seen.has(value)) {
      seen.add(value);
      for (const v of Array.isArray(value) ? value : Object.values(value)) this.#addStrings(v, seen);
    }
  }

  get size(): number {
    return this.#values.size;
  }

  mask(text: string): string {
    if (this.#values.size === 0) return text;
    this.#pattern ??= new RegExp(
      // Longest first, so a secret that contains another is replaced whole.
      [...this.#values].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'),
      'g',
    );
    return text.replace(this.#pattern, MASK);
  }
}

/**
 * Objects a walk has been through. A WeakSet kept for a whole run lets each host's inventory vars
 * be walked without walking again what hosts share (the group layers, the `groups` magic variable
 * listing every host): otherwise N hosts cost N × N.
 */
export interface Walked {
  has(o: object): boolean;
  add(o: object): unknown;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
