import { spawn } from 'node:child_process';
import { afterAll, describe, expect, test } from 'vitest';
import { deploy } from '../../../modules/index.js';
import { labHosts, resetHost, sshArgs } from '../../lab/testing.js';
import { makeRepo } from './git-fixture.js';
import { converge, remote, run, scratch, session } from './harness.js';

const BARE = '/srv/git/app.git';

// A repository and releases were left on the first host: the next test files get it fresh.
afterAll(async () => {
  await resetHost(labHosts('plain')[0]!.name);
});

describe('deploy (releases and rollback) on a lab host', () => {
  test('deploy A, then B, then roll back: A is live, the log says so; keep_releases removes the oldest', async () => {
    const s = await session(labHosts('plain')[0]!);
    const c = await makeRepo(s.host, BARE);
    const app = await scratch(s, 'deploy-app');
    const [a, b, d] = [c.one.slice(0, 12), c.two.slice(0, 12), c.three.slice(0, 12)];

    const first = await converge(s, deploy({ path: app, repo: BARE, version: 'v1' }));
    expect(first.check.plan?.result).toEqual({ live: a, previous: null, commit: c.one, removed: [], releases: [a] });
    expect(first.check.plan?.diffs).toEqual([{ before: '', after: `releases/${a}\n`, before_header: `${app}/current`, after_header: `${app}/current` }]);
    expect(await remote(s, `readlink ${app}/current; ${app}/current/bin/app.sh`)).toBe(`releases/${a}\napp one`);

    const second = await converge(s, deploy({ path: app, repo: BARE, version: 'main' }));
    expect(second.first.plan?.result).toMatchObject({ live: b, previous: a, removed: [], releases: [a, b] });

    const back = await run(s, deploy({ path: app, repo: BARE, state: 'rollback' }));
    expect(back).toMatchObject({ changed: true, failed: false });
    expect(back.plan?.nonIdempotent).toBe(true);
    expect(back.plan?.result).toMatchObject({ live: a, previous: b, commit: c.one });
    expect(await remote(s, `readlink ${app}/current; git -C ${app}/current rev-parse HEAD`)).toBe(`releases/${a}\n${c.one}`);
    const log = (await remote(s, `cat ${app}/revisions.log`)).split('\n').map((l) => l.replace(/^\S+ /, ''));
    expect(log).toEqual([
      `deployed release=${a} commit=${c.one} previous=-`,
      `deployed release=${b} commit=${c.two} previous=${a}`,
      `rolled-back release=${a} commit=${c.one} previous=${b}`,
    ]);
    // Nothing older than A: a second step back is refused and changes nothing.
    const tooFar = await run(s, deploy({ path: app, repo: BARE, state: 'rollback' }));
    expect(tooFar.msg).toMatch(/^cannot roll back 1 release\(s\)/);

    // A third release with keep_releases 2: the oldest (A, no longer live after the switch) goes.
    const third = await converge(s, deploy({ path: app, repo: BARE, version: 'dev', keep_releases: 2 }));
    expect(third.first.plan?.result).toEqual({ live: d, previous: a, commit: c.three, removed: [a], releases: [b, d] });
    expect(await remote(s, `ls ${app}/releases; readlink ${app}/current`)).toBe(`${[b, d].sort().join('\n')}\nreleases/${d}`);
    // Rolling back two steps from D is refused (B alone is older); one step works.
    expect((await run(s, deploy({ path: app, repo: BARE, state: 'rollback', steps: 2 }))).failed).toBe(true);
    expect((await run(s, deploy({ path: app, repo: BARE, state: 'rollback' }))).plan?.result).toMatchObject({ live: b });
  });

  test('current is never missing while switching 100 times (watched in a tight loop on the host)', async () => {
    const s = await session(labHosts('plain')[0]!);
    await makeRepo(s.host, BARE);
    const app = await scratch(s, 'deploy-switch');
    await run(s, deploy({ path: app, repo: BARE, version: 'v1' }));
    await run(s, deploy({ path: app, repo: BARE, version: 'main' }));

    // The watcher counts its checks and every moment `current` (or its target) was missing.
    const watcher = spawn('ssh', [
      ...sshArgs(s.host),
      '--',
      `cd ${app}; n=0; miss=0; while [ ! -e stop ]; do n=$((n+1)); [ -e current ] || miss=$((miss+1)); done; echo "$n $miss"`,
    ]);
    let out = '';
    watcher.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const done = new Promise<void>((resolve) => watcher.on('close', () => resolve()));
    await remote(s, `sleep 0.2`);

    for (let i = 0; i < 100; i++) {
      const r = await run(s, deploy({ path: app, repo: BARE, version: i % 2 === 0 ? 'v1' : 'main' }));
      expect(r, r.msg).toMatchObject({ changed: true, failed: false });
    }
    await remote(s, `touch ${app}/stop`);
    await done;
    const [checks, missing] = out.trim().split(' ').map(Number);
    expect(checks).toBeGreaterThan(1000);
    expect(missing).toBe(0);
    expect(await remote(s, `grep -c ' deployed ' ${app}/revisions.log; ls -A ${app}`)).toBe('102\ncurrent\nreleases\nrevisions.log\nstop');
  });

  test('an unreachable remote leaves the live release alone; bad params fail at load time naming the field', async () => {
    const s = await session(labHosts('plain')[0]!);
    await makeRepo(s.host, BARE);
    const app = await scratch(s, 'deploy-fail');
    await run(s, deploy({ path: app, repo: BARE, version: 'v1' }));
    const before = await remote(s, `readlink ${app}/current; ls ${app}/releases; cat ${app}/revisions.log`);
    const r = await run(s, deploy({ path: app, repo: '/srv/git/missing.git', version: 'main' }));
    expect(r.msg).toMatch(/^Failed to reach the repository \/srv\/git\/missing\.git: fatal: /);
    expect(await remote(s, `readlink ${app}/current; ls ${app}/releases; cat ${app}/revisions.log`)).toBe(before);
    const fields = (p: Record<string, unknown>) => run(s, deploy(p as never)).then((x) => x.issues.map((i) => i.field));
    expect(await fields({ path: app, repo: BARE, state: 'rolback' })).toEqual(['state']);
    expect(await fields({ path: 'relative', repo: BARE })).toEqual(['path']);
    expect(await fields({ path: app, repo: BARE, keep_releases: 0 })).toEqual(['keep_releases']);
    expect(await fields({ path: app, repo: BARE, release: '../x' })).toEqual(['release']);
  });
});
