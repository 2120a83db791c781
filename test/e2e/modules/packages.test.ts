/**
 * apt (and the generic pkg) on a lab host: a real Debian package through the lab's apt-cacher-ng,
 * and a local repository (apt-repo.ts) for versions, upgrades, downgrades, recommends, purge,
 * autoremove and a kept conffile. Check mode predicts the transaction the run makes.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apt, pkg } from '../../../modules/index.js';
import { labHosts, resetHost, ssh } from '../../lab/testing.js';
import { REPO_SCRIPT } from './apt-repo.js';
import type { Connection } from '../../../runner/connection/types.js';
import { runCallOn } from '../../../runner/module-run.js';
import { converge, remote, run, session, type HostSession } from './harness.js';

let s: HostSession;
const versions = (names: string) => remote(s, `dpkg-query -W -f '\${Package} \${db:Status-Abbrev}\${Version}\\n' ${names} 2>/dev/null || true`);

beforeAll(async () => {
  const host = labHosts('plain')[0]!;
  await resetHost(host.name);
  s = await session(host);
  await remote(s, REPO_SCRIPT);
}, 120_000);
// Debian's source was switched off and packages installed: the next test files get a fresh host.
afterAll(async () => {
  if (s) await resetHost(s.host.name);
});

describe('apt', () => {
  test('update_cache refreshes through the apt proxy once (a change), then cache_valid_time keeps it; a Debian package and a pinned one converge', async () => {
    const refresh = await run(s, apt({ update_cache: true, cache_valid_time: 3600 }));
    expect(refresh).toMatchObject({ failed: false, changed: true, plan: { result: { cache_updated: true } } });
    expect(await remote(s, 'test -e /var/lib/apt/periodic/update-success-stamp && echo stamped')).toBe('stamped');
    const fresh = await run(s, apt({ update_cache: true, cache_valid_time: 3600 }), true);
    expect(fresh).toMatchObject({ changed: false, plan: { result: { cache_updated: false } } });

    const { check, first } = await converge(s, apt({ name: ['tree', 'hw-tool=1.*'], cache_valid_time: 3600 }));
    // The plan is apt's transaction, with versions, and that is the diff.
    expect(check.plan?.diffs?.[0]).toMatchObject({ before: '', before_header: 'packages (before)', after_header: 'packages (after)' });
    expect(check.plan?.diffs?.[0]?.after).toMatch(/^hw-lib 1\.0\nhw-tool 1\.0\ntree \S+\n$/);
    expect(first.plan?.result).toMatchObject({ cache_updated: false, installed: expect.arrayContaining(['hw-tool=1.0', 'hw-lib=1.0']) });
    expect(await versions('tree hw-tool hw-lib')).toMatch(/^hw-lib ii 1\.0\nhw-tool ii 1\.0\ntree ii \S+$/);
    // The rest uses only the local repository: with Debian's 60,000 packages out of the lists,
    // apt's solver (every simulation and run) takes a fraction of the time on a busy machine.
    await remote(s, `sed -i 's/^deb /#deb /' /etc/apt/sources.list && apt-get -q update >/dev/null`);
  });

  test('latest upgrades (with recommends), allow_downgrade goes back, a downgrade without it fails cleanly', async () => {
    await converge(s, apt({ name: 'hw-tool', state: 'latest', install_recommends: true }));
    expect(await versions('hw-tool hw-extra')).toBe('hw-extra ii 1.0\nhw-tool ii 2.0');
    const refused = await run(s, apt({ name: 'hw-tool=1.0' }));
    expect(refused.failed).toBe(true);
    expect(refused.msg).toMatch(/downgrade/i);
    expect(await versions('hw-tool')).toBe('hw-tool ii 2.0');
    const { check } = await converge(s, apt({ name: 'hw-tool=1.0', allow_downgrade: true }));
    expect(check.plan?.diffs?.[0]).toMatchObject({ before: 'hw-tool 2.0\n', after: 'hw-tool 1.0\n' });
    expect(await versions('hw-tool')).toBe('hw-tool ii 1.0');
  });

  test('absent with purge and autoremove; an existing config file is kept on upgrade', async () => {
    await converge(s, apt({ name: 'hw-conf=1.0' }));
    await remote(s, 'echo local >> /etc/hw-conf.conf');
    await converge(s, apt({ name: 'hw-conf', state: 'latest' }));
    expect(await versions('hw-conf')).toBe('hw-conf ii 1.1');
    expect(await remote(s, 'cat /etc/hw-conf.conf')).toBe('hw-conf 1.0\nlocal');

    await converge(s, apt({ name: ['hw-tool', 'hw-conf'], state: 'absent', purge: true, autoremove: true }));
    expect(await versions('hw-tool hw-conf hw-lib')).toBe('');
    expect(await remote(s, 'test -e /etc/hw-conf.conf || echo purged')).toBe('purged');
  });

  test('pkg picks apt from the facts', async () => {
    expect(s.facts.pkg_mgr).toBe('apt');
    await converge(s, pkg({ name: 'hw-lib' }));
    await converge(s, pkg({ name: 'hw-lib', state: 'absent' }));
  });

  test('an unknown package fails with a clear message and changes nothing', async () => {
    const before = await remote(s, 'dpkg -l | md5sum');
    const r = await run(s, apt({ name: ['hw-lib', 'no-such-package-hw'] }));
    expect(r).toMatchObject({ failed: true, msg: "No package matching 'no-such-package-hw' is available" });
    expect(await remote(s, 'dpkg -l | md5sum')).toBe(before);
    const v = await run(s, apt({ name: 'hw-lib=9.*' }));
    expect(v).toMatchObject({ failed: true, msg: 'no available installation candidate for hw-lib=9.*' });
  });

  test('waits for a held dpkg lock instead of failing at once', async () => {
    // Hold dpkg's frontend lock for 3 s, as another apt run would.
    const holder = ssh(s.host, `python3 -c "import fcntl,time; f=open('/var/lib/dpkg/lock-frontend','w'); fcntl.lockf(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(3)"`);
    await new Promise((r) => setTimeout(r, 1000));
    const r = await run(s, apt({ name: 'hw-lib', lock_timeout: 30 }));
    expect(r.failed, r.msg).toBe(false);
    expect((await holder).stdout).toBe('held\n');
    expect(await versions('hw-lib')).toBe('hw-lib ii 1.0');
  });

  test('on a converged host the task costs one command (its probe), also with a fresh cache_valid_time', async () => {
    await run(s, apt({ name: 'hw-lib', cache_valid_time: 3600 }));
    let count = 0;
    const counting: Connection = { host: s.conn.host, exec: (script, o) => (count++, s.conn.exec(script, o)), close: async () => {} };
    const { result } = await runCallOn(counting, apt({ name: ['hw-lib', 'tree'], cache_valid_time: 3600 }), { facts: s.facts });
    expect(result).toMatchObject({ failed: false, changed: false });
    expect(count).toBe(1);
  });

  test('bad parameters name the field at load time', () => {
    expect(apt({ name: 'Bad Name' }).issues.map((i) => i.field)).toEqual(['name']);
    expect(apt({ name: 'jq', state: 'installed' as 'present' }).issues.map((i) => i.field)).toEqual(['state']);
    expect(apt({ cache_valid_time: -1, update_cache: true }).issues.map((i) => i.field)).toEqual(['cache_valid_time']);
    expect(apt({}).issues.map((i) => i.field)).toEqual(['name']);
  });
});
