/** A source a plugin could not read; `line` lets the loader point at it. */
export class ParseFailure extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
    /** For YAML: the keys leading to the entry at fault, to find its line. */
    readonly keyPath?: string[],
  ) {
    super(message);
  }
}
