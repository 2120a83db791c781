/**
 * Splitting one command's output off a persistent shell session's stream. After each command the
 * session prints `\n<MARKER> <rc>\n` on stdout and `\n<MARKER>\n` on stderr (session.ts); the
 * leading newline is ours, so output without a trailing newline stays byte-exact. The marker is
 * random per session, so a command cannot print it by accident; text that only looks like it
 * (another marker, a prefix of this one) passes through as output.
 */

export class MarkedStream {
  readonly #needle: Buffer;
  /** Bytes held back because they may be the start of the terminator. */
  #tail: Buffer = Buffer.alloc(0);
  #done = false;
  #status: number | undefined;

  /**
   * @param withStatus the terminator carries the exit status (`\n<MARKER> <rc>\n`), else it is `\n<MARKER>\n`
   * @param emit receives the command's own bytes, in order
   */
  constructor(
    marker: string,
    private readonly withStatus: boolean,
    private readonly emit: (bytes: Buffer) => void,
  ) {
    this.#needle = Buffer.from(`\n${marker}${withStatus ? ' ' : '\n'}`, 'latin1');
  }

  get done(): boolean {
    return this.#done;
  }

  /** The exit status the terminator carried (-1 if it was unreadable); undefined until done. */
  get status(): number | undefined {
    return this.#status;
  }

  /** Feeds one chunk; returns the bytes after the terminator once it is complete (normally none). */
  feed(chunk: Buffer): Buffer | undefined {
    if (this.#done) return chunk;
    const buf = this.#tail.length ? Buffer.concat([this.#tail, chunk]) : chunk;
    const at = buf.indexOf(this.#needle);
    if (at < 0) {
      // Anything that could still become the terminator's start is kept for the next chunk.
      const keep = Math.min(buf.length, this.#needle.length - 1);
      if (buf.length > keep) this.emit(buf.subarray(0, buf.length - keep));
      this.#tail = Buffer.from(buf.subarray(buf.length - keep));
      return undefined;
    }
    if (at > 0) this.emit(buf.subarray(0, at));
    let end = at + this.#needle.length;
    if (this.withStatus) {
      const newline = buf.indexOf(0x0a, end);
      if (newline < 0) {
        this.#tail = Buffer.from(buf.subarray(at));
        return undefined;
      }
      const text = buf.toString('latin1', end, newline);
      this.#status = /^-?\d+$/.test(text) ? Number(text) : -1;
      end = newline + 1;
    }
    this.#done = true;
    this.#tail = Buffer.alloc(0);
    return buf.subarray(end);
  }
}
