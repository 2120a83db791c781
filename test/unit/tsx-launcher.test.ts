import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, test } from 'vitest';
import { launcherPipe, linkToLauncher } from '../../runner/tsx-launcher.js';
import { REPO_ROOT, TSX } from '../e2e/playbooks/parity/output.js';

const savedTmp = process.env.TMPDIR;
afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
});

/** The launcher's reading of its socket (tsx's cli.mjs bufferData): length-prefixed JSON. */
function parseFrames(bytes: Buffer): unknown[] {
  const out: unknown[] = [];
  for (let at = 0; at + 4 <= bytes.length; ) {
    const length = bytes.readInt32BE(at);
    out.push(JSON.parse(bytes.subarray(at + 4, at + 4 + length).toString()));
    at += 4 + length;
  }
  return out;
}

describe("tsx's launcher", () => {
  test('after a stop request the answer is sent at once and then repeated, in the frames the launcher reads', async () => {
    process.env.TMPDIR = mkdtempSync(path.join(tmpdir(), 'hw-launcher-'));
    mkdirSync(path.dirname(launcherPipe(4242)), { recursive: true });
    const received: Buffer[] = [];
    const server = createServer((c) => c.on('data', (d: Buffer) => received.push(d)));
    await new Promise<void>((resolve) => server.listen(launcherPipe(4242), resolve));
    try {
      const link = linkToLauncher(4242);
      await sleep(50);
      expect(received).toEqual([]);
      link.answer('SIGTERM');
      link.answer('SIGINT');
      await sleep(100);
      const frames = parseFrames(Buffer.concat(received));
      expect(frames.length).toBeGreaterThanOrEqual(5);
      expect(new Set(frames.map((f) => JSON.stringify(f)))).toEqual(new Set(['{"type":"signal","signal":"SIGTERM"}']));
    } finally {
      server.close();
    }
  });

  test('an answer that reached the launcher before it handled its own signal is not the last: it does not relay the signal', async () => {
    // The launcher stopped while a SIGTERM to the whole group reaches both: our first answers are
    // read before its signal handler opens its 30 ms wait, as on a loaded machine where it runs
    // late. Answered once (tsx's preflight alone), it would relay a second SIGTERM to us.
    const run = spawn(TSX, ['test/fixtures/launcher/stop.ts'], { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    run.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => run.on('exit', (code) => resolve(code)));
    while (!out.includes('ready')) await sleep(20);
    process.kill(run.pid!, 'SIGSTOP');
    process.kill(-run.pid!, 'SIGTERM');
    // The run has its SIGTERM and has answered (tsx's preflight once, we again and again) while the
    // launcher still holds its own, unhandled.
    while (!out.includes('stopping')) await sleep(10);
    await sleep(50);
    process.kill(run.pid!, 'SIGCONT');
    expect(await exited).toBe(99);
    expect(out).toContain('SIGTERMs: 1\n');
  });
});
