/**
 * runner/relay.ts (RelayAction) between two LocalConnections on this machine's POSIX sh: bytes
 * stream from one command into another through the runner, whichever side fails is named, and a
 * sink that stops reading kills the source. Proven between two lab hosts over ssh in
 * test/e2e/modules/backup-copy.test.ts.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyActions } from '../../../runner/apply.js';
import { LocalConnection } from '../../../runner/connection/local.js';
import { sh } from '../../../runner/shell.js';

let dir: string;
const here = new LocalConnection('here');
const there = new LocalConnection('there');
const peer = async (host: string) => {
  if (host !== 'there') throw new Error(`${host} is not a host of the inventory`);
  return { conn: there };
};
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hw-relay-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('RelayAction', () => {
  it('streams a command\'s output into a command on the other host; the sink\'s output feeds the result', async () => {
    const src = path.join(dir, 'src');
    const out = path.join(dir, 'out');
    // 20 MB: far more than the relay buffers, so backpressure has to work for it to finish whole.
    await applyActions(here, [{ kind: 'run', script: sh`head -c 20000000 /dev/urandom > ${src}` }]);
    const r = await applyActions(here, [{ kind: 'relay', to: 'there', source: sh`cat ${src}`, sink: sh`cat > ${out} && wc -c < ${out}`, describe: 'copy', result: (x) => ({ size: Number(x.stdout) }) }], { peer });
    expect(r).toEqual({ ok: true, result: { size: 20000000 } });
    const [a, b] = await Promise.all([readFile(src), readFile(out)]);
    expect(createHash('sha256').update(b).digest('hex')).toBe(createHash('sha256').update(a).digest('hex'));
  });

  it('a source that fails ends the sink\'s input: the sink sees a short input, and both sides are named', async () => {
    const r = await applyActions(here, [{ kind: 'relay', to: 'there', source: 'printf abc; echo broken >&2; exit 3', sink: 'n=$(wc -c); [ "$n" -eq 10 ] || { echo "got $n bytes" >&2; exit 1; }', describe: 'copy of x to there' }], { peer });
    expect(r).toMatchObject({ ok: false, msg: 'copy of x to there failed on there (rc=1): got 3 bytes (on here: broken)' });
  });

  it('a sink that stops reading kills the source (no hang), and its failure is the message', async () => {
    const marker = path.join(dir, 'source-finished');
    const r = await applyActions(here, [{ kind: 'relay', to: 'there', source: sh`head -c 200000000 /dev/zero; touch ${marker}`, sink: 'head -c 10 >/dev/null; echo refused >&2; exit 4', describe: 'copy' }], { peer });
    expect(r).toMatchObject({ ok: false, msg: 'copy failed on there (rc=4): refused' });
    await expect(readFile(marker)).rejects.toThrow();
  });

  it('no source: the sink runs alone on the other host; an unknown host or no peers fails naming it', async () => {
    const flag = path.join(dir, 'pruned');
    expect(await applyActions(here, [{ kind: 'relay', to: 'there', sink: sh`touch ${flag}`, describe: 'prune' }], { peer })).toEqual({ ok: true });
    await expect(readFile(flag, 'utf8')).resolves.toBe('');
    expect(await applyActions(here, [{ kind: 'relay', to: 'elsewhere', sink: 'true', describe: 'prune' }], { peer })).toMatchObject({ ok: false, msg: 'prune failed: elsewhere is not a host of the inventory' });
    expect(await applyActions(here, [{ kind: 'relay', to: 'there', sink: 'true', describe: 'prune' }])).toMatchObject({ ok: false, msg: 'prune: this run holds no connection to other hosts' });
  });
});
