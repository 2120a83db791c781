import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MarkedStream } from '../../../runner/connection/marker.js';

const MARKER = 'a3f1c0de5eed4b1e9f00112233445566';

/** Feeds `chunks` and returns what the stream passed on, its status and the bytes after its end. */
function parse(chunks: (string | Buffer)[], withStatus = true) {
  const got: Buffer[] = [];
  const stream = new MarkedStream(MARKER, withStatus, (b) => got.push(Buffer.from(b)));
  let rest: Buffer | undefined;
  for (const c of chunks) {
    const r = stream.feed(Buffer.isBuffer(c) ? c : Buffer.from(c, 'latin1'));
    if (r !== undefined) rest = r;
  }
  return { output: Buffer.concat(got), done: stream.done, status: stream.status, rest };
}

/** Every way of cutting `text` in two, plus one byte at a time. */
function splits(text: Buffer): Buffer[][] {
  const cuts = Array.from({ length: text.length + 1 }, (_, i) => [text.subarray(0, i), text.subarray(i)]);
  return [...cuts, Array.from(text, (b) => Buffer.from([b]))];
}

describe('MarkedStream', () => {
  it('ends stdout at the marker, with the exit status, stripping only the marker line', () => {
    expect(parse([`hello\n\n${MARKER} 0\n`])).toMatchObject({ done: true, status: 0 });
    expect(parse([`hello\n\n${MARKER} 0\n`]).output.toString()).toBe('hello\n');
    expect(parse([`\n${MARKER} 3\n`]).output.length).toBe(0);
    expect(parse([`\n${MARKER} 255\n`]).status).toBe(255);
  });

  it('keeps output that has no trailing newline, and output that is only newlines', () => {
    expect(parse([`no newline\n${MARKER} 1\n`]).output.toString()).toBe('no newline');
    expect(parse([`\n\n\n${MARKER} 0\n`]).output.toString()).toBe('\n\n');
  });

  it('finds the terminator wherever the chunks are cut', () => {
    const text = Buffer.from(`line one\nline two\n${MARKER} 42\n`, 'latin1');
    for (const chunks of splits(text)) {
      const r = parse(chunks);
      expect(r).toMatchObject({ done: true, status: 42 });
      expect(r.output.toString()).toBe('line one\nline two');
    }
  });

  it('is not done until the status line is complete', () => {
    const r = parse([`x\n${MARKER} 1`]);
    expect(r.done).toBe(false);
    expect(r.output.toString()).toBe('x');
    expect(parse([`x\n${MARKER} 1`, '7\n']).status).toBe(17);
  });

  it('passes binary output through byte for byte, whatever the chunking', () => {
    const payload = Buffer.concat([randomBytes(70_000), Buffer.from([0, 10, 13, 10, 255, 0])]);
    const whole = Buffer.concat([payload, Buffer.from(`\n${MARKER} 0\n`, 'latin1')]);
    for (const size of [1_000, 4_093, 32_768]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < whole.length; i += size) chunks.push(whole.subarray(i, i + size));
      expect(parse(chunks).output.equals(payload)).toBe(true);
    }
  });

  it('treats text that only looks like the marker as output', () => {
    const other = 'ffffffffffffffffffffffffffffffff';
    const lookalikes = `\n${other} 0\n${MARKER}\n${MARKER.slice(0, 20)} 1\n\n${MARKER}x 2\n`;
    for (const chunks of splits(Buffer.from(`${lookalikes}\n${MARKER} 5\n`, 'latin1'))) {
      const r = parse(chunks);
      expect(r.output.toString('latin1')).toBe(lookalikes);
      expect(r.status).toBe(5);
    }
  });

  it('ends stderr at a marker line without a status', () => {
    const text = Buffer.from(`oops\n\n${MARKER}\n`, 'latin1');
    for (const chunks of splits(text)) {
      const r = parse(chunks, false);
      expect(r.done).toBe(true);
      expect(r.status).toBeUndefined();
      expect(r.output.toString()).toBe('oops\n');
    }
    // the stdout terminator's status separator does not end stderr
    expect(parse([`\n${MARKER} 0\n`], false).done).toBe(false);
  });

  it('hands back what follows the terminator', () => {
    const r = parse([`a\n${MARKER} 0\nstray`]);
    expect(r.rest?.toString()).toBe('stray');
  });

  it('reports an unreadable status as -1', () => {
    expect(parse([`\n${MARKER} x\n`]).status).toBe(-1);
  });
});
