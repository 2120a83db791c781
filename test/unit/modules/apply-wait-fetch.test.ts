/**
 * runner/apply.ts's timeout, wait and fetch on the real POSIX sh of this machine (LocalConnection,
 * temp dirs). The same actions are proven on lab hosts over ssh in test/e2e/apply-actions.test.ts.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyActions } from '../../../runner/apply.js';
import { LocalConnection } from '../../../runner/connection/local.js';
import { fetchStream } from '../../../runner/fetch.js';
import { sh } from '../../../runner/shell.js';

let dir: string;
const conn = new LocalConnection('local');
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hw-apply-wf-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});
const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

describe('RunAction.timeoutMs', () => {
  it('kills the command and says it timed out', async () => {
    const marker = path.join(dir, 'still-running');
    const out = await applyActions(conn, [{ kind: 'run', script: sh`sleep 3; touch ${marker}`, describe: 'slow step', timeoutMs: 1000 }]);
    expect(out).toMatchObject({ ok: false, failedAction: 0, msg: 'slow step timed out after 1 s and was killed' });
    await new Promise((r) => setTimeout(r, 2500));
    await expect(readdir(dir)).resolves.toEqual([]);
  });
  it('a command within its timeout succeeds', async () => {
    expect(await applyActions(conn, [{ kind: 'run', script: 'true', timeoutMs: 5000 }])).toEqual({ ok: true });
  });
});

describe('WaitAction', () => {
  it('retries on the host until the script succeeds', async () => {
    const counter = path.join(dir, 'n');
    // Succeeds on the third attempt.
    const script = sh`n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}; [ $n -ge 3 ]`;
    const out = await applyActions(conn, [{ kind: 'wait', script, describe: 'the third attempt', intervalMs: 100, timeoutMs: 5000 }]);
    expect(out).toEqual({ ok: true });
    expect(await readFile(counter, 'utf8')).toBe('3\n');
  });
  it('okCodes say which exit codes mean ready', async () => {
    const out = await applyActions(conn, [{ kind: 'wait', script: 'exit 7', describe: 'x', timeoutMs: 1000, okCodes: [0, 7] }]);
    expect(out).toEqual({ ok: true });
  });
  it('times out naming what it waited for, with the last attempt output and rc', async () => {
    const out = await applyActions(conn, [
      { kind: 'wait', script: 'echo "not yet: $$"; exit 3', describe: 'port 8080 to open', intervalMs: 200, timeoutMs: 1000 },
    ]);
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.msg).toMatch(/^timed out after 1 s waiting for port 8080 to open; last attempt rc=3: not yet: \d+$/);
  });
});

describe('FetchAction', () => {
  it('reads a binary file back, atomically, with its sha256', async () => {
    const src = path.join(dir, 'src.bin');
    const bytes = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.alloc(3 << 20, 0xab)]);
    await writeFile(src, bytes);
    const dest = path.join(dir, 'out', 'copy.bin');
    const out = await applyActions(conn, [{ kind: 'fetch', path: src, dest }]);
    expect(out).toEqual({ ok: true, result: { dest, checksum: sha256(bytes), size: bytes.length } });
    expect((await readFile(dest)).equals(bytes)).toBe(true);
    expect(await readdir(path.join(dir, 'out'))).toEqual(['copy.bin']);
  });
  it('a missing file fails clearly and leaves dest untouched', async () => {
    const dest = path.join(dir, 'dest');
    await writeFile(dest, 'old');
    const out = await applyActions(conn, [{ kind: 'fetch', path: path.join(dir, 'nope'), dest }]);
    expect(out).toMatchObject({ ok: false, msg: `fetching local:${path.join(dir, 'nope')} failed: no such file on the host` });
    expect(await readFile(dest, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['dest']);
  });
  it('a directory is refused', async () => {
    const out = await applyActions(conn, [{ kind: 'fetch', path: dir, dest: path.join(dir, 'd') }]);
    expect(out).toMatchObject({ ok: false, msg: `fetching local:${dir} failed: is a directory` });
  });
  it('fetchStream reads a command output; a failing command leaves no dest', async () => {
    const dest = path.join(dir, 'stream.txt');
    const ok = await applyActions(conn, [fetchStream('printf "a\\nb\\n"', dest, 'the listing')]);
    expect(ok).toEqual({ ok: true, result: { dest, checksum: sha256('a\nb\n'), size: 4 } });
    expect(await readFile(dest, 'utf8')).toBe('a\nb\n');
    const bad = path.join(dir, 'bad.txt');
    const failed = await applyActions(conn, [fetchStream('echo partial; echo oops >&2; exit 5', bad, 'the backup')]);
    expect(failed).toMatchObject({ ok: false, msg: 'fetching the backup failed: exit code 5: oops' });
    expect((await readdir(dir)).sort()).toEqual(['stream.txt']);
  });
});
