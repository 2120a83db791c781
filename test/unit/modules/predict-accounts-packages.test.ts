/**
 * Check mode across tasks: each plan's effects recorded in the runner's PredictedState, and the
 * next task's overlay on what a fresh host showed, give the plan the real run will make (group →
 * user in it → its key → its crontab; a package a transaction installed; a refreshed cache).
 */
import { describe, expect, it } from 'vitest';
import { PredictedState } from '../../../runner/predict.js';
import type { Plan } from '../../../runner/module.types.js';
import { overlayUser, parseUserProbe, planUser } from '../../../modules/user.js';
import { group, parseGroupProbe, planGroup } from '../../../modules/group.js';
import { overlayAuthorizedKey, parseAuthorizedKeyProbe, planAuthorizedKey } from '../../../modules/authorized_key.js';
import { overlayCron, parseCronProbe, planCron } from '../../../modules/cron.js';
import { parseStatusOutput, planApt, type AptState } from '../../../modules/packages/apt.js';
import { overlayApt } from '../../../modules/packages/predict.js';
import { parseSimulation } from '../../../modules/packages/apt-parse.js';

const KEY = 'ssh-ed25519 AAAAkeyA ci@deploy';
// A fresh host's probes (recorded on a lab host): no such group or user yet.
const FRESH_GROUPS = 'group root:x:0:\ngroup adm:x:4:\ngroup users:x:100:\n';

function recorded(store: PredictedState, plan: Plan, by: string): Plan {
  expect(plan.failed, plan.failed).toBeUndefined();
  if (plan.changed) store.record(plan.effects ?? [], by);
  return plan;
}

describe('accounts across tasks in check mode', () => {
  it('group, then a user in it, then the same user again, its key and its crontab', () => {
    const store = new PredictedState();
    const view = () => store.view(undefined);
    recorded(store, planGroup({ name: 'deployers', gid: 3300 }, parseGroupProbe('')), 'deployers group');
    expect(group({ name: 'deployers' }).module.overlay!(parseGroupProbe(''), view(), { name: 'deployers' }, { facts: {} as never, vars: {}, host: 'h', playbookDir: '.' })).toEqual({ group: { name: 'deployers', gid: 3300, members: [] } });

    const fresh = parseUserProbe(`${FRESH_GROUPS}home no\n`);
    // Without the overlay the user task fails on a group that is not there yet.
    expect(planUser({ name: 'app', groups: ['deployers'] }, fresh).failed).toBe('Group deployers does not exist');
    const create = recorded(store, planUser({ name: 'app', groups: ['deployers'], shell: '/bin/bash' }, overlayUser(fresh, view(), { name: 'app', groups: ['deployers'] })), 'deploy user');
    expect(create.actions).toMatchObject([{ kind: 'run', script: 'useradd -G deployers -s /bin/bash -m app' }]);

    // The same task again: the user the first one creates has what it asked for, so no change.
    const again = planUser({ name: 'app', groups: ['deployers'], shell: '/bin/bash' }, overlayUser(fresh, view(), { name: 'app', groups: ['deployers'], shell: '/bin/bash' }));
    expect(again).toMatchObject({ changed: false, actions: [] });

    const noAccount = parseAuthorizedKeyProbe(Buffer.from(''));
    const key = planAuthorizedKey({ user: 'app', key: KEY }, overlayAuthorizedKey(noAccount, view(), { user: 'app', key: KEY }));
    expect(key.actions).toMatchObject([{ kind: 'run', script: 'mkdir -p -m 0700 -- /home/app/.ssh && chown app:app /home/app/.ssh && chmod 0700 /home/app/.ssh' }, { kind: 'write', path: '/home/app/.ssh/authorized_keys', owner: 'app', content: `${KEY}\n` }]);

    const unknownUser = parseCronProbe({ stdoutBytes: Buffer.from('::content::\n'), stderr: "crontab:  user `app' unknown\n", rc: 1 }, {});
    const tab = planCron({ name: 'nightly', user: 'app', hour: '3', minute: '0', job: 'true' }, overlayCron(unknownUser, view(), { name: 'nightly', user: 'app', job: 'true' }));
    expect(tab).toMatchObject({ changed: true, actions: [{ kind: 'run', script: 'crontab -u app -', stdin: '#Ansible: nightly\n0 3 * * * true\n' }] });
  });

  it('two jobs in one new cron file: the second task sees the first job', () => {
    const store = new PredictedState();
    const none = { text: '', fileExists: false };
    recorded(store, planCron({ name: 'a', cron_file: 'app', user: 'root', job: 'a' }, none), 'first job');
    const second = planCron({ name: 'b', cron_file: 'app', user: 'root', job: 'b' }, overlayCron(none, store.view(undefined), { name: 'b', cron_file: 'app', user: 'root', job: 'b' }));
    expect(second.actions).toEqual([{ kind: 'write', path: '/etc/cron.d/app', content: '#Ansible: a\n* * * * * root a\n#Ansible: b\n* * * * * root b\n' }]);
  });

  it('a removed user: a later task on it fails as the run would', () => {
    const store = new PredictedState();
    const existing = parseUserProbe('passwd old:x:1005:1005::/home/old:/bin/sh\nhome yes\n');
    recorded(store, planUser({ name: 'old', state: 'absent' }, existing), 'remove old');
    const key = planAuthorizedKey({ user: 'old', key: KEY }, overlayAuthorizedKey(parseAuthorizedKeyProbe(Buffer.from('passwd old:x:1005:1005::/home/old:/bin/sh\ndir no\nfile no\n')), store.view(undefined), { user: 'old', key: KEY }));
    expect(key.failed).toMatch(/Failed to lookup user old/);
  });
});

describe('packages across tasks in check mode', () => {
  const fresh = parseStatusOutput('stale yes\nlists /tmp/x\n::dpkg::\n::policy::\nhw-lib:\n  Installed: (none)\n  Candidate: 1.0\n  Version table:\n     1.0 500\nhw-tool:\n  Installed: (none)\n  Candidate: 2.0\n  Version table:\n     2.0 500\n     1.0 500\n');
  const state = (over: Partial<AptState>): AptState => ({ cacheStale: fresh.stale, dpkg: fresh.dpkg, policy: fresh.policy, steps: [], ...over });

  it('a package an earlier transaction installed (a dependency too) is present; the refreshed cache is fresh', () => {
    const store = new PredictedState();
    const first = planApt({ name: 'hw-tool=1.0', cache_valid_time: 3600 }, state({ request: { verb: 'install', args: ['hw-tool=1.0'] }, steps: parseSimulation('Inst hw-lib (1.0 hw [all])\nInst hw-tool (1.0 hw [all])\n') }));
    recorded(store, first, 'tool');
    expect(first.effects).toEqual([
      { kind: 'resource', type: 'apt_cache', key: 'lists', state: 'present' },
      { kind: 'package', name: 'hw-lib', state: 'present', version: '1.0' },
      { kind: 'package', name: 'hw-tool', state: 'present', version: '1.0' },
    ]);
    // hw-lib alone, cache_valid_time: the earlier refresh counts, the earlier install too.
    const lib = planApt({ name: 'hw-lib', cache_valid_time: 3600 }, overlayApt(state({ request: { verb: 'install', args: ['hw-lib'] }, steps: parseSimulation('Inst hw-lib (1.0 hw [all])\n') }), store.view(undefined), { name: 'hw-lib', cache_valid_time: 3600 }));
    expect(lib).toMatchObject({ changed: false, actions: [] });
    // present (no version) of the pinned package: no upgrade.
    const tool = planApt({ name: 'hw-tool' }, overlayApt(state({ cacheStale: false, request: { verb: 'install', args: ['hw-tool'] }, steps: parseSimulation('Inst hw-lib (1.0 hw [all])\nInst hw-tool (2.0 hw [all])\n') }), store.view(undefined), { name: 'hw-tool' }));
    expect(tool).toMatchObject({ changed: false });
    // latest asks for the upgrade; the dependency the earlier task installs is not this task's.
    const latest = planApt({ name: 'hw-tool', state: 'latest' }, overlayApt(state({ cacheStale: false, request: { verb: 'install', args: ['hw-tool'] }, steps: parseSimulation('Inst hw-lib (1.0 hw [all])\nInst hw-tool (2.0 hw [all])\n') }), store.view(undefined), { name: 'hw-tool', state: 'latest' }));
    expect(latest.effects).toEqual([{ kind: 'package', name: 'hw-tool', state: 'present', version: '2.0' }]);
  });
});
