/**
 * Work over large contents (uploads of tens of MB) a slice per event-loop turn. One synchronous pass
 * over 45 MB holds the loop for 50-150 ms on a quiet machine and for several times that under load,
 * and a stop request must be answered in between: tsx's launcher waits 30 ms for our acknowledgement
 * of a Ctrl-C or SIGTERM, then SIGKILLs us (signals.ts).
 */
import { createHash } from 'node:crypto';

/** Bytes (or UTF-16 units) handled per turn: about a millisecond of hashing or encoding. */
export const SLICE = 1 << 20;

export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Large texts already encoded, for as long as their bytes live elsewhere: a task's gather runs when
 * it is observed ahead and again when it runs, so its content would be encoded (and its bytes
 * hashed: modules/_lib/target.ts memoises per buffer) two or three times. Held weakly, so the cache
 * keeps no buffer alive that nothing else holds. Callers must not change the bytes they get.
 */
const encoded = new Map<string, WeakRef<Buffer>>();
const forgetEncoded = new FinalizationRegistry<string>((text) => {
  if (encoded.get(text)?.deref() === undefined) encoded.delete(text);
});
/** Encodings under way. */
const encoding = new Map<string, Promise<Buffer>>();

/** `Buffer.from(text)` (UTF-8), a slice per turn: measured, then written in place (no concat). */
export async function utf8Bytes(text: string): Promise<Buffer> {
  if (text.length <= SLICE) return Buffer.from(text);
  const known = encoded.get(text)?.deref();
  if (known) return known;
  // The same content gathered for many hosts at once is encoded once.
  let pending = encoding.get(text);
  if (!pending) {
    pending = encodeInSlices(text).then((bytes) => {
      encoded.set(text, new WeakRef(bytes));
      forgetEncoded.register(bytes, text);
      return bytes;
    });
    encoding.set(text, pending);
    void pending.finally(() => encoding.delete(text));
  }
  return pending;
}

async function encodeInSlices(text: string): Promise<Buffer> {
  const ends: number[] = [];
  let size = 0;
  for (let at = 0; at < text.length; at = ends[ends.length - 1]!) {
    let end = Math.min(at + SLICE, text.length);
    // Never cut a surrogate pair: its halves alone would each encode as U+FFFD.
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    size += Buffer.byteLength(text.slice(at, end));
    ends.push(end);
    await nextTurn();
  }
  const bytes = Buffer.allocUnsafe(size);
  let offset = 0;
  let at = 0;
  for (const end of ends) {
    offset += bytes.write(text.slice(at, end), offset);
    at = end;
    if (at < text.length) await nextTurn();
  }
  return bytes;
}

/** The hex digest of `bytes`, a slice per turn. */
export async function digestHex(algorithm: 'sha1' | 'sha256', bytes: Buffer): Promise<string> {
  const hash = createHash(algorithm);
  for (let at = 0; at < bytes.length; at += SLICE) {
    hash.update(bytes.subarray(at, at + SLICE));
    if (at + SLICE < bytes.length) await nextTurn();
  }
  return hash.digest('hex');
}
