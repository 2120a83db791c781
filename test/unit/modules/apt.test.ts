/** The apt backend from recorded dpkg-query, apt-cache policy and apt-get -s output (no host). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { apt, applyScript, aptRequest, cacheStaleIf, parseStatusOutput, planApt, type AptParams, type AptState } from '../../../modules/packages/apt.js';
import { compareVersions, fnmatch, parseSimulation } from '../../../modules/packages/apt-parse.js';

// Recorded on a Debian 12 machine (jq installed from bookworm, a security update available).
const STATUS = `stale no
::dpkg::
jq\tii \t1.6-2.1+deb12u1
tree\trc \t2.1.0-1
::policy::
jq:
  Installed: 1.6-2.1+deb12u1
  Candidate: 1.6-2.1+deb12u3
  Version table:
     1.6-2.1+deb12u3 500
        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
     1.6-2.1+deb12u2 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
 *** 1.6-2.1+deb12u1 100
        100 /var/lib/dpkg/status
tree:
  Installed: (none)
  Candidate: 2.1.0-1
  Version table:
     2.1.0-1 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
`;
// Recorded: apt-get -s install jq (an upgrade pulling libjq1), and a removal with --purge.
const SIM_UPGRADE = `Reading package lists...
Building dependency tree...
Inst jq [1.6-2.1+deb12u1] (1.6-2.1+deb12u3 Debian-Security:12/oldstable-security [amd64]) []
Inst libjq1 [1.6-2.1+deb12u1] (1.6-2.1+deb12u3 Debian-Security:12/oldstable-security [amd64])
Conf jq (1.6-2.1+deb12u3 Debian-Security:12/oldstable-security [amd64])
Conf libjq1 (1.6-2.1+deb12u3 Debian-Security:12/oldstable-security [amd64])
`;
const SIM_INSTALL = `Inst tree (2.1.0-1 Debian:12.15/oldstable [amd64])
Inst hw-lib (1.0 localhost [all])
Inst hw-tool (1.0 localhost [all])
Conf tree (2.1.0-1 Debian:12.15/oldstable [amd64])
`;

const status = parseStatusOutput(STATUS);
const request = (p: AptParams) => aptRequest(p, Array.isArray(p.name) ? p.name : [p.name!], status.dpkg, status.policy);

describe('apt cache staleness (run by sh)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hw-apt-stamp-'));
  const stamp = path.join(dir, 'update-success-stamp');
  const stale = (valid: number): string =>
    execFileSync('sh', ['-c', [...cacheStaleIf(valid, stamp), 'echo yes; else echo no; fi'].join('\n')]).toString().trim();

  it('update_cache alone refreshes even when the stamp was touched this very second, as Ansible does', () => {
    writeFileSync(stamp, '');
    expect(stale(0)).toBe('yes');
    expect(stale(3600)).toBe('no');
  });

  it('cache_valid_time refreshes an older stamp, and refreshes when there is none', () => {
    const twoHoursAgo = Date.now() / 1000 - 7200;
    utimesSync(stamp, twoHoursAgo, twoHoursAgo);
    expect(stale(3600)).toBe('yes');
    expect(stale(10_000)).toBe('no');
    rmSync(dir, { recursive: true });
    expect(stale(3600)).toBe('yes');
  });
});

describe('apt parsers', () => {
  it('reads dpkg status and the policy with its version table', () => {
    expect(status.stale).toBe(false);
    expect(status.dpkg.get('jq')).toEqual({ abbrev: 'ii', version: '1.6-2.1+deb12u1' });
    expect(status.policy.get('jq')).toEqual({ installed: '1.6-2.1+deb12u1', candidate: '1.6-2.1+deb12u3', versions: ['1.6-2.1+deb12u3', '1.6-2.1+deb12u2', '1.6-2.1+deb12u1'] });
    expect(status.policy.get('tree')).toEqual({ candidate: '2.1.0-1', versions: ['2.1.0-1'] });
  });
  it('reads a stale cache refreshed into a private lists directory, and a failed refresh', () => {
    expect(parseStatusOutput('stale yes\nlists /tmp/.hostwright-apt.X\n::dpkg::\n::policy::\n')).toMatchObject({ stale: true, lists: '/tmp/.hostwright-apt.X' });
    expect(parseStatusOutput('stale yes\nlists /tmp/x\nupdatefail E: Failed to fetch http://x/InRelease 404 \n').updateError).toBe('E: Failed to fetch http://x/InRelease 404');
  });
  it('reads simulations: upgrades with the old version, new installs, removals', () => {
    expect(parseSimulation(SIM_UPGRADE)).toEqual([
      { op: 'upgrade', name: 'jq', from: '1.6-2.1+deb12u1', to: '1.6-2.1+deb12u3' },
      { op: 'upgrade', name: 'libjq1', from: '1.6-2.1+deb12u1', to: '1.6-2.1+deb12u3' },
    ]);
    expect(parseSimulation(SIM_INSTALL).map((s) => `${s.op} ${s.name} ${s.to}`)).toEqual(['install tree 2.1.0-1', 'install hw-lib 1.0', 'install hw-tool 1.0']);
    expect(parseSimulation('Purg jq [1.6-2.1+deb12u1]\nRemv libjq1 [1.6-2.1+deb12u1]\n')).toEqual([
      { op: 'purge', name: 'jq', from: '1.6-2.1+deb12u1' },
      { op: 'remove', name: 'libjq1', from: '1.6-2.1+deb12u1' },
    ]);
    expect(parseSimulation('Inst hw-tool [2.0] (1.0 localhost [all])\n')[0]?.op).toBe('downgrade');
  });
  it('compares Debian versions and matches version patterns like fnmatch', () => {
    expect(compareVersions('1.6-2.1+deb12u3', '1.6-2.1+deb12u1')).toBeGreaterThan(0);
    expect(compareVersions('1.0~rc1', '1.0')).toBeLessThan(0);
    expect(compareVersions('1:0.9', '2.0')).toBeGreaterThan(0);
    expect(compareVersions('2.10', '2.9')).toBeGreaterThan(0);
    expect(fnmatch('1.22.1-9', '1.22*')).toBe(true);
    expect(fnmatch('1.23.0-1', '1.22*')).toBe(false);
    expect(fnmatch('1.0', '1.[0-2]')).toBe(true);
  });
});

describe('apt request (what to ask apt-get for)', () => {
  const cases: { name: string; p: AptParams; want: ReturnType<typeof aptRequest> }[] = [
    { name: 'present and installed: nothing', p: { name: 'jq' }, want: undefined },
    { name: 'latest with a newer candidate: install (upgrades)', p: { name: 'jq', state: 'latest' }, want: { verb: 'install', args: ['jq'] } },
    { name: 'a pattern the installed version matches: nothing', p: { name: 'jq=1.6*' }, want: undefined },
    { name: 'an exact older version: pinned', p: { name: 'jq=1.6-2.1+deb12u2' }, want: { verb: 'install', args: ['jq=1.6-2.1+deb12u2'] } },
    { name: 'a pattern picks the candidate when it matches', p: { name: 'tree=2.*' }, want: { verb: 'install', args: ['tree=2.1.0-1'] } },
    { name: 'config files only is not installed', p: { name: 'tree' }, want: { verb: 'install', args: ['tree'] } },
    { name: 'absent of an installed package', p: { name: ['jq', 'tree'], state: 'absent' }, want: { verb: 'remove', args: ['jq'] } },
    { name: 'absent + purge also takes config-only packages', p: { name: ['jq', 'tree'], state: 'absent', purge: true }, want: { verb: 'remove', args: ['jq', 'tree'] } },
    { name: 'autoremove alone', p: { name: [], autoremove: true }, want: { verb: 'autoremove', args: [] } },
    { name: 'an unknown package', p: { name: 'nope' }, want: { failed: "No package matching 'nope' is available" } },
    { name: 'a version nobody has', p: { name: 'jq=9*' }, want: { failed: 'no available installation candidate for jq=9*' } },
  ];
  for (const c of cases) it(c.name, () => expect(request(c.p)).toEqual(c.want));
});

describe('apt plan', () => {
  const st = (over: Partial<AptState>): AptState => ({ cacheStale: false, dpkg: status.dpkg, policy: status.policy, steps: [], ...over });
  it('the transaction is the diff, and one apt-get call does it, non-interactive, keeping config files, waiting for the lock', () => {
    const p: AptParams = { name: 'jq', state: 'latest', lock_timeout: 120 };
    const plan = planApt(p, st({ request: { verb: 'install', args: ['jq'] }, steps: parseSimulation(SIM_UPGRADE) }));
    expect(plan.changed).toBe(true);
    expect(plan.diffs).toEqual([{ before: 'jq 1.6-2.1+deb12u1\nlibjq1 1.6-2.1+deb12u1\n', after: 'jq 1.6-2.1+deb12u3\nlibjq1 1.6-2.1+deb12u3\n', before_header: 'packages (before)', after_header: 'packages (after)' }]);
    expect(plan.result).toMatchObject({ upgraded: ['jq=1.6-2.1+deb12u3', 'libjq1=1.6-2.1+deb12u3'], cache_updated: false });
    const script = (plan.actions[0] as { script: string }).script;
    expect(script).toContain('export DEBIAN_FRONTEND=noninteractive');
    expect(script).toContain('apt-get -y -q -o DPkg::Lock::Timeout="$left" -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold install jq');
    expect(script).toContain('deadline=$(($(date +%s) + 120))');
    expect(script).not.toContain('apt-get -q update');
  });
  it('a stale cache alone is a change: update, then stamp', () => {
    const plan = planApt({ update_cache: true }, st({ cacheStale: true }));
    expect(plan).toMatchObject({ changed: true, result: { cache_updated: true } });
    expect((plan.actions[0] as { script: string }).script).toContain('touch /var/lib/apt/periodic/update-success-stamp');
    expect(planApt({ update_cache: true, cache_valid_time: 60 }, st({}))).toMatchObject({ changed: false, actions: [] });
  });
  it('options follow the parameters', () => {
    const s = applyScript({ install_recommends: false, allow_downgrade: true, autoremove: true }, false, { verb: 'install', args: ['a=1'] });
    expect(s).toContain('-o APT::Install-Recommends=no --allow-downgrades --auto-remove install a=1');
    expect(applyScript({ state: 'absent', purge: true }, false, { verb: 'remove', args: ['a'] })).toContain('--purge remove a');
  });
  it('a problem found while observing fails without actions', () => {
    expect(planApt({ name: 'x' }, st({ problem: "No package matching 'x' is available" }))).toMatchObject({ failed: "No package matching 'x' is available", actions: [] });
  });
  it('load-time checks name the field', () => {
    expect(apt({ name: 'jq=1.*', state: 'absent' }).issues.map((i) => i.field)).toEqual(['name']);
    expect(apt({ name: 'jq', purge: 'yes' as unknown as boolean }).issues.map((i) => i.field)).toEqual(['purge']);
    expect(apt({ name: 'jq', update_cache: true, cache_valid_time: 3600 }).issues).toEqual([]);
  });
});
