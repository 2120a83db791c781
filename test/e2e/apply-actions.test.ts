/**
 * The runner's timeout, wait and fetch actions over real ssh on a lab host: the command is killed
 * on the host (not only abandoned), a wait retries on the host as one command and fails naming
 * what it awaited, a fetch streams a large binary file back and verifies it, through sudo too.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyActions } from '../../runner/apply.js';
import { fetchStream } from '../../runner/fetch.js';
import { defineModule } from '../../runner/module.js';
import { sh } from '../../runner/shell.js';
import { labHosts } from '../lab/testing.js';
import { remote, run, scratch, session, type HostSession } from './modules/harness.js';

let local: string;
beforeAll(async () => {
  local = await mkdtemp(path.join(tmpdir(), 'hw-e2e-fetch-'));
});
afterAll(async () => {
  await rm(local, { recursive: true, force: true });
});

/** A module whose plan starts something on the host and waits for it: a wait as a plan step. */
const startAndWait = defineModule<{ dir: string; timeoutMs: number }, null>({
  name: 'start_and_wait',
  schema: {
    type: 'object',
    properties: { dir: { type: 'string' }, timeoutMs: { type: 'number' } },
    required: ['dir', 'timeoutMs'],
    additionalProperties: false,
  },
  gather: async () => null,
  plan: (p) => ({
    changed: true,
    actions: [
      // Ready two seconds later, in the background, like a service coming up.
      { kind: 'run', script: sh`(sleep 2; touch ${p.dir}/ready) >/dev/null 2>&1 &` },
      { kind: 'wait', script: sh`test -e ${p.dir}/ready`, describe: `${p.dir}/ready to exist`, intervalMs: 250, timeoutMs: p.timeoutMs },
    ],
  }),
});

describe('runner actions on a lab host', () => {
  let s: HostSession;
  beforeAll(async () => {
    s = await session(labHosts('plain')[0]!);
  });

  test('RunAction.timeoutMs kills the command on the host', async () => {
    const dir = await scratch(s, 'timeout');
    const out = await applyActions(s.conn, [{ kind: 'run', script: sh`echo $$ > ${dir}/pid; sleep 30; touch ${dir}/done`, describe: 'slow', timeoutMs: 1000 }]);
    expect(out).toMatchObject({ ok: false, msg: 'slow timed out after 1 s and was killed' });
    const pid = await remote(s, `cat ${dir}/pid`);
    // Killed on the host: the process is gone, and never reached the end of its script.
    expect(await remote(s, `kill -0 ${pid} 2>/dev/null && echo alive || echo gone`)).toBe('gone');
    expect(await remote(s, `test -e ${dir}/done && echo done || echo no`)).toBe('no');
  });

  test('a wait step in a plan waits on the host until ready', async () => {
    const dir = await scratch(s, 'wait-ok');
    const r = await run(s, startAndWait({ dir, timeoutMs: 15_000 }));
    expect(r.failed, r.msg).toBe(false);
    expect(await remote(s, `test -e ${dir}/ready && echo yes`)).toBe('yes');
  });

  test('a wait that runs out of time names what it awaited and the last output', async () => {
    const dir = await scratch(s, 'wait-timeout');
    const r = await run(s, startAndWait({ dir, timeoutMs: 1000 }));
    expect(r.failed).toBe(true);
    expect(r.msg).toBe(`timed out after 1 s waiting for ${dir}/ready to exist; last attempt rc=1`);
    const port = await applyActions(s.conn, [
      { kind: 'wait', script: 'echo "connect to port 9 refused"; exit 2', describe: 'port 9', intervalMs: 300, timeoutMs: 1000 },
    ]);
    expect(port).toMatchObject({ ok: false, msg: 'timed out after 1 s waiting for port 9; last attempt rc=2: connect to port 9 refused' });
  });

  test('fetch streams a 32 MiB binary file back, verified, through sudo', async () => {
    const dir = await scratch(s, 'fetch');
    await remote(s, `head -c 33554432 /dev/urandom > ${dir}/blob && chmod 0600 ${dir}/blob`);
    const hostSum = (await remote(s, `sha256sum ${dir}/blob`)).split(' ')[0];
    const deploy = await session(labHosts('plain')[0]!, 'deploy');
    const dest = path.join(local, 'blob');
    // As deploy the file is unreadable; through sudo it is read as root.
    const refused = await applyActions(deploy.conn, [{ kind: 'fetch', path: `${dir}/blob`, dest }]);
    expect(refused).toMatchObject({ ok: false, msg: `fetching ${deploy.host.name}:${dir}/blob failed: not readable` });
    const out = await applyActions(deploy.conn, [{ kind: 'fetch', path: `${dir}/blob`, dest }], { become: { user: 'root' } });
    expect(out).toEqual({ ok: true, result: { dest, checksum: hostSum, size: 33554432 } });
    const bytes = await readFile(dest);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(hostSum);
    expect(await readdir(local)).toEqual(['blob']);
  });

  test('fetchStream copies a backup off the host; a failing one leaves nothing', async () => {
    const dir = await scratch(s, 'fetch-stream');
    await remote(s, `mkdir -p ${dir}/data && echo one > ${dir}/data/a && echo two > ${dir}/data/b`);
    const dest = path.join(local, 'backup.tar');
    const out = await applyActions(s.conn, [fetchStream(sh`tar -C ${dir} -cf - data`, dest, 'the data backup')]);
    expect(out.ok).toBe(true);
    const listing = await remote(s, `tar -C ${dir} -cf - data | tar -tf - | sort`);
    expect(listing).toBe('data/\ndata/a\ndata/b');
    expect((await readFile(dest)).length).toBe(out.result?.size);
    const failed = await applyActions(s.conn, [fetchStream(sh`tar -C ${dir} -cf - missing`, path.join(local, 'bad.tar'), 'the missing backup')]);
    expect(failed.ok).toBe(false);
    if (!failed.ok) expect(failed.msg).toMatch(/^fetching the missing backup failed: exit code 2: tar: missing: Cannot stat/);
    expect((await readdir(local)).sort()).toEqual(['backup.tar', 'blob']);
  });
});
