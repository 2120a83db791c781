/**
 * Paths are any bytes but NUL: a newline in a dest, a directory name or a link target must
 * round-trip exactly through the probes (NUL-delimited records, modules/_lib/probe.ts), never be
 * cut at the newline (which once wrote `/srv/nl/app.conf` for dest `/srv/nl/app.conf\n.bak`).
 * Run on this machine's sh through a LocalConnection.
 */
import { mkdir, mkdtemp, readFile, readdir, readlink, rm, stat as fsStat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copy, file } from '../../../modules/index.js';
import { CONTENT_MARK, parseProbe } from '../../../modules/_lib/probe.js';
import { LocalConnection } from '../../../runner/connection/local.js';
import { gatherFacts } from '../../../runner/facts.js';
import type { Facts } from '../../../runner/facts.types.js';
import { runCallOn } from '../../../runner/module-run.js';

let dir: string;
let facts: Facts;
const local = new LocalConnection('local');

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hw-newline-'));
  facts = await gatherFacts(local);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await local.close();
});

describe('paths with newlines round-trip', () => {
  it('copy writes exactly the dest it was given, then finds it unchanged', async () => {
    await mkdir(path.join(dir, 'nl'));
    const dest = path.join(dir, 'nl', 'app.conf\n.bak');
    const first = (await runCallOn(local, copy({ dest, content: 'x\n' }), { facts })).result;
    expect(first).toMatchObject({ failed: false, changed: true });
    expect(await readdir(path.join(dir, 'nl'))).toEqual(['app.conf\n.bak']);
    expect(await readFile(dest, 'utf8')).toBe('x\n');
    expect((await runCallOn(local, copy({ dest, content: 'x\n' }), { facts })).result).toMatchObject({ failed: false, changed: false });
  });

  it('file: a directory whose missing parents have newlines and a trailing newline', async () => {
    const target = path.join(dir, 'a\nb', 'c\n');
    expect((await runCallOn(local, file({ path: target, state: 'directory' }), { facts })).result).toMatchObject({ failed: false, changed: true });
    expect((await fsStat(target)).isDirectory()).toBe(true);
    expect((await runCallOn(local, file({ path: target, state: 'directory' }), { facts })).result).toMatchObject({ failed: false, changed: false });
  });

  it('file: a link target ending in a newline is read back as written (idempotent)', async () => {
    const link = path.join(dir, 'link');
    const src = `${dir}/target\n::content::\n`;
    expect((await runCallOn(local, file({ path: link, src, state: 'link', force: true }), { facts })).result).toMatchObject({ failed: false, changed: true });
    expect(await readlink(link)).toBe(src);
    expect((await runCallOn(local, file({ path: link, src, state: 'link', force: true }), { facts })).result).toMatchObject({ failed: false, changed: false });
  });

  it('parseProbe: NUL records keep newlines and text that looks like the content mark', () => {
    const out = Buffer.from(`\0path /a\n${CONTENT_MARK}\nb\0stat absent\n\0missing /x\n\0\0missing /\0${CONTENT_MARK}\nbytes\n`);
    const parsed = parseProbe(out);
    expect(parsed.fields.get('path')).toBe(`/a\n${CONTENT_MARK}\nb`);
    expect(parsed.fields.get('stat')).toBe('absent');
    expect(parsed.records.filter(([k]) => k === 'missing').map(([, v]) => v)).toEqual(['/x\n', '/']);
    expect(parsed.content?.toString()).toBe('bytes\n');
  });
});
