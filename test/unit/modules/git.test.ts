/** git and deploy planners on probe output recorded on a lab host (ls-remote included). */
import { describe, expect, it } from 'vitest';
import { gitSshCommand, parseGitProbe, resolveTarget, updateScript, cloneScript } from '../../../modules/_lib/git.js';
import { planGit } from '../../../modules/git.js';
import { parseDeployProbe, planDeploy, releaseOrder } from '../../../modules/deploy.js';

const ONE = 'adba14565fc29619fbecb635a56ceb9fcd754dfa';
const TWO = '6bd6efeb304cc19f73cd449d6eae38d62eabbd4a';
const THREE = '221ea7cffc70b856969416e107ebadd2682c94da';
const ANNOTATED = '871beaaf05e0f8f573f59cdf2f5b696ab0fc6652';

/** ls-remote --symref of HEAD, refs/heads/main and the tag v1a (peeled), as the probe prints it. */
const LS = ['lsrc 0', 'ls ref: refs/heads/main\tHEAD', `ls ${TWO}\tHEAD`, `ls ${TWO}\trefs/heads/main`, `ls ${ANNOTATED}\trefs/tags/v1a`, `ls ${ONE}\trefs/tags/v1a^{}`, 'ls '];
const fresh = parseGitProbe(['umask 0027', 'dest absent', ...LS].join('\n'));
const checkoutAt = (head: string, extra: string[] = []) =>
  parseGitProbe(['dest repo', `head ${head}`, 'branch main', 'remote_head main', 'url file:///srv/git/app.git', ...extra, ...LS].join('\n'));

describe('git probe and version resolution', () => {
  it('parses ls-remote: the HEAD branch, branches and peeled tags', () => {
    expect(fresh.remote).toEqual({ ok: true, refs: { headBranch: 'main', refs: new Map([['HEAD', TWO], ['refs/heads/main', TWO], ['refs/tags/v1a', ANNOTATED], ['refs/tags/v1a^{}', ONE]]) } });
    const refs = fresh.remote!.ok ? fresh.remote!.refs : undefined;
    expect(resolveTarget('HEAD', refs!, undefined)).toEqual({ kind: 'branch', name: 'main', sha: TWO });
    expect(resolveTarget('v1a', refs!, undefined)).toEqual({ kind: 'tag', name: 'v1a', sha: ONE });
    expect(resolveTarget(THREE, refs!, undefined)).toEqual({ kind: 'commit', id: THREE, sha: THREE });
    expect(resolveTarget('adba1456', refs!, undefined)).toEqual({ kind: 'commit', id: 'adba1456' });
    expect(resolveTarget('nope', refs!, undefined)).toEqual({ error: "'nope' is not a branch, tag or commit id of the repository" });
  });
  it('an unreachable remote is its error text', () => {
    const p = parseGitProbe('dest absent\nlsrc 128\nls ssh: Could not resolve hostname nohost.invalid: Name or service not known\nls fatal: Could not read from remote repository.\nls \n');
    expect(p.remote).toEqual({ ok: false, error: 'ssh: Could not resolve hostname nohost.invalid: Name or service not known\nfatal: Could not read from remote repository.' });
  });
  it('GIT_SSH_COMMAND: BatchMode always, the key quoted', () => {
    expect(gitSshCommand({ key_file: "/root/my key", accept_newhostkey: true })).toBe("ssh -o StrictHostKeyChecking=accept-new -o BatchMode=yes -i '/root/my key' -o IdentitiesOnly=yes");
  });
});

describe('git plan', () => {
  const params = { repo: '/srv/git/app.git', dest: '/opt/app' };
  it('no checkout: one clone, the commit known before the run, a checkout effect', () => {
    const plan = planGit(params, fresh);
    expect(plan).toMatchObject({ changed: true, result: { before: null, after: TWO } });
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]).toMatchObject({ kind: 'run', describe: 'git clone file:///srv/git/app.git /opt/app' });
    expect(plan.effects).toEqual([
      // The new directory's mode: 0777 less the probed umask.
      { kind: 'path', path: '/opt/app', state: 'directory', created: true, mode: 0o750 },
      { kind: 'tree', path: '/opt/app' },
      { kind: 'git', dest: '/opt/app', repo: 'file:///srv/git/app.git', version: TWO, branch: 'main' },
    ]);
  });
  it('converged: no action at all (no fetch)', () => {
    expect(planGit(params, checkoutAt(TWO))).toEqual({ changed: false, actions: [], result: { before: TWO, after: TWO, remote_url_changed: false } });
  });
  it('the branch moved: update to the new commit; a tag needs no branch', () => {
    const plan = planGit(params, checkoutAt(ONE));
    expect(plan).toMatchObject({ changed: true, result: { before: ONE, after: TWO } });
    expect(plan.diffs).toEqual([{ before: `${ONE}\n`, after: `${TWO}\n`, before_header: '/opt/app (commit)', after_header: '/opt/app (commit)' }]);
    expect(planGit({ ...params, version: 'v1a' }, checkoutAt(TWO)).result).toMatchObject({ after: ONE });
  });
  it('local modifications: refused with the list, or reset with force', () => {
    const dirty = checkoutAt(TWO, ['mod  M conf/app.conf', 'mod  D README']);
    expect(planGit(params, dirty).failed).toBe('Local modifications exist in the destination: /opt/app (force=no): M conf/app.conf, D README');
    const forced = planGit({ ...params, force: true }, dirty);
    expect(forced).toMatchObject({ changed: true, summary: 'Local modifications exist in the destination: /opt/app' });
    expect(forced.diffs).toBeUndefined();
  });
  it('update=false reports the checkout as it is; an unreachable remote fails before any action', () => {
    expect(planGit({ ...params, update: false, version: 'v1a' }, checkoutAt(TWO))).toEqual({ changed: false, actions: [], result: { before: TWO, after: TWO } });
    const down = parseGitProbe('dest absent\nlsrc 128\nls fatal: repository not found\n');
    expect(planGit(params, down)).toMatchObject({ actions: [], failed: 'Failed to reach the repository /srv/git/app.git: fatal: repository not found' });
  });
  it('scripts: depth with a full commit id fetches it alone; depth with a branch clones that branch', () => {
    const ssh = {};
    expect(cloneScript({ dest: '/opt/a', repo: '/r.git', remote: 'origin', ssh, depth: 1, target: { kind: 'commit', id: ONE, sha: ONE } })).toContain(`git -C "$d" fetch -q --depth 1 "$remote" ${ONE}`);
    expect(cloneScript({ dest: '/opt/a', repo: '/r.git', remote: 'origin', ssh, depth: 1, target: { kind: 'branch', name: 'dev', sha: THREE } })).toContain('git clone -q --origin "$remote" --depth 1 --branch dev -- "$repo" "$d"');
    expect(updateScript({ dest: '/opt/a', repo: '/r.git', remote: 'origin', ssh, target: { kind: 'branch', name: 'dev', sha: THREE }, before: ONE, setUrl: false, reset: true })).toMatch(/reset -q --hard HEAD --\n.*fetch -q --tags "\$remote" \+refs\/heads\/dev:refs\/remotes\/origin\/dev/);
  });
});

describe('deploy plan', () => {
  const probe = (lines: string[]) => parseDeployProbe([...lines, ...LS].join('\n'));
  const log = [
    `log 2026-01-01T00:00:00Z deployed release=aaa commit=${ONE} previous=-`,
    `log 2026-01-02T00:00:00Z deployed release=bbb commit=${TWO} previous=aaa`,
    `log 2026-01-03T00:00:00Z rolled-back release=aaa commit=${ONE} previous=bbb`,
  ];
  it('orders releases by their last deploy, unknown ones first', () => {
    expect(releaseOrder(['bbb', 'aaa', 'old'], log.map((l) => l.slice(4)))).toEqual(['old', 'aaa', 'bbb']);
  });
  it('a new release: clone, switch, keep_releases removes the oldest but never the live one', () => {
    const s = probe(['current releases/aaa', `release aaa ${ONE}`, `release bbb ${TWO}`, ...log]);
    const plan = planDeploy({ path: '/srv/app', repo: '/srv/git/app.git', version: THREE, keep_releases: 2 }, s);
    expect(plan.result).toEqual({ live: '221ea7cffc70', previous: 'aaa', commit: THREE, removed: ['aaa'], releases: ['bbb', '221ea7cffc70'] });
    expect(plan.actions.map((a) => (a.kind === 'run' ? a.describe : a.kind))).toEqual(['git clone /srv/git/app.git /srv/app/releases/221ea7cffc70', 'switch /srv/app/current to releases/221ea7cffc70', 'remove old releases aaa']);
    const sw = plan.actions[1]!;
    expect(sw.kind === 'run' && sw.script).toContain('mv -T -- "$tmp" "$p/current"');
    expect(sw.kind === 'run' && sw.script).not.toContain('ln -sf');
  });
  it('the live release has the commit: nothing to do; rollback goes back along the order', () => {
    const s = probe([`current releases/bbb`, `release aaa ${ONE}`, `release bbb ${TWO}`, ...log.slice(0, 2)]);
    expect(planDeploy({ path: '/srv/app', repo: '/srv/git/app.git', release: 'bbb' }, s)).toMatchObject({ changed: false, actions: [] });
    expect(planDeploy({ path: '/srv/app', repo: '/r', state: 'rollback' }, s)).toMatchObject({ changed: true, nonIdempotent: true, result: { live: 'aaa', previous: 'bbb' } });
    expect(planDeploy({ path: '/srv/app', repo: '/r', state: 'rollback', steps: 2 }, s).failed).toMatch(/^cannot roll back 2 release\(s\): \/srv\/app\/releases has 1 release\(s\) before the live one bbb/);
    expect(planDeploy({ path: '/srv/app', repo: '/srv/git/app.git', release: 'aaa', version: 'main' }, s).failed).toBe(`release aaa exists with commit ${ONE}, not ${TWO}: give another release name`);
  });
});
