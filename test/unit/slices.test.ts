import crypto, { createHash } from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { describe, expect, test, vi } from 'vitest';
import { digestHex, SLICE, utf8Bytes } from '../../runner/slices.js';
import { hashAhead, sha1 } from '../../modules/_lib/target.js';

/** How many other event-loop turns ran while `work` did: the point of slicing. */
async function turnsDuring(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let done = false;
  const tick = (): void => {
    if (done) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  await work();
  done = true;
  return turns;
}

describe('large contents a slice per turn (runner/slices.ts)', () => {
  test('utf8Bytes equals Buffer.from, with multi-byte characters and a surrogate pair across every slice boundary', async () => {
    // '😀' is a surrogate pair; placed so that one pair straddles the first slice's end.
    const texts = [
      '',
      'short',
      'x'.repeat(SLICE * 3 + 7),
      'é'.repeat(SLICE + 1),
      'a'.repeat(SLICE - 1) + '😀' + 'b'.repeat(SLICE) + '€😀',
      ('ab😀€\n').repeat(SLICE / 2),
    ];
    for (const text of texts) {
      const bytes = await utf8Bytes(text);
      expect(bytes.equals(Buffer.from(text)), `length ${text.length}`).toBe(true);
    }
  });

  test('digestHex equals one createHash over the whole', async () => {
    const bytes = Buffer.from('0123456789abcdef'.repeat(SLICE / 8 + 3));
    for (const algorithm of ['sha1', 'sha256'] as const) {
      expect(await digestHex(algorithm, bytes)).toBe(createHash(algorithm).update(bytes).digest('hex'));
    }
  });

  test('other work runs between the slices of a large content, and not for a small one', async () => {
    const big = 'y'.repeat(SLICE * 6);
    expect(await turnsDuring(() => utf8Bytes(big))).toBeGreaterThanOrEqual(6);
    const bytes = Buffer.from(big);
    expect(await turnsDuring(() => digestHex('sha256', bytes))).toBeGreaterThanOrEqual(5);
    expect(await turnsDuring(() => utf8Bytes('small'))).toBe(0);
  });

  test('a large text gathered again, or for many hosts at once, is encoded once and its bytes hashed once', async () => {
    const text = 'w'.repeat(SLICE * 3);
    // slices.ts and target.ts call node:crypto's createHash by its named export: counted through
    // the builtin's exports object, synced into the named bindings.
    const spy = vi.spyOn(crypto, 'createHash');
    syncBuiltinESMExports();
    try {
      const [a, b] = await Promise.all([utf8Bytes(text), utf8Bytes(text)]);
      expect(a).toBe(b);
      expect(a.equals(Buffer.from(text))).toBe(true);
      expect(await turnsDuring(() => utf8Bytes(text))).toBe(0);
      expect(await utf8Bytes(text)).toBe(a);
      await Promise.all([hashAhead(a), hashAhead(b), hashAhead(a)]);
      expect(spy.mock.calls.filter(([algorithm]) => algorithm === 'sha1')).toHaveLength(1);
      expect(sha1(a)).toBe(createHash('sha1').update(a).digest('hex'));
    } finally {
      spy.mockRestore();
      syncBuiltinESMExports();
    }
  });

  test("a content hashed ahead is what sha1() returns, without hashing it again", async () => {
    const bytes = Buffer.from('z'.repeat(SLICE * 2 + 1));
    expect(await turnsDuring(() => hashAhead(bytes))).toBeGreaterThanOrEqual(2);
    const expected = createHash('sha1').update(bytes).digest('hex');
    expect(sha1(bytes)).toBe(expected);
    // The memo is per buffer: a changed copy is hashed anew.
    const other = Buffer.from(bytes);
    other[0] = 0x41;
    expect(sha1(other)).not.toBe(expected);
  });
});
