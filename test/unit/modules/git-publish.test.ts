/**
 * git_publish without a host: object ids computed on the controller equal git's (the expected ids
 * were made by git 2.39 from the same files, author, date and message), the plan from recorded
 * probe lines, and check mode: a later deploy task of the run sees the published branch as its
 * remote, and a second publish of the same files plans no change.
 */
import { describe, expect, it } from 'vitest';
import { commitId, treeId, type GitFile } from '../../../modules/_lib/git-objects.js';
import { overlayDeploy, planDeploy, type DeployState } from '../../../modules/deploy.js';
import { overlayPublish, parsePublishProbe, planPublish, type GitPublishParams, type GitPublishState } from '../../../modules/git_publish.js';
import { PredictedState } from '../../../runner/predict.js';

const files = (readme: string): GitFile[] => [
  { path: 'README', mode: '100644', content: Buffer.from(readme) },
  { path: 'link', mode: '120000', content: Buffer.from('README') },
  { path: 'run.sh', mode: '100755', content: Buffer.from('#!/bin/sh\n') },
  { path: 'www/health', mode: '100644', content: Buffer.from('ok\n') },
];
const WHO = 'Hostwright <hostwright@localhost>';
const MSG = 'published by Hostwright';
const V1 = { tree: '54a328f0b9afc9f357da131bfd726363e8bf7708', commit: 'febbc58de4e7157831f800ab0b3718bc8c9097a5' };
const V2 = { tree: '91a7b1bf8029217507db685b057a174bf5cc1b75', commit: 'b8b7e4579a4a91ccce338c9f5a36d2e49a4304d5' };
const params: GitPublishParams = { src: '/ctl/app', repo: '/srv/git/app', branch: 'main', message: MSG };
const fresh = (time = 1700000000, readme = 'hello\n'): GitPublishState => ({ files: files(readme), time, ...parsePublishProbe('absent\n') });

describe('git objects computed on the controller', () => {
  it("a tree (files, an executable, a link, a subdirectory) and commits with and without a parent are git's", () => {
    expect(treeId(files('hello\n'))).toBe(V1.tree);
    expect(commitId({ tree: V1.tree, identity: WHO, time: 1700000000, message: MSG })).toBe(V1.commit);
    expect(treeId(files('v2\n'))).toBe(V2.tree);
    expect(commitId({ tree: V2.tree, parent: V1.commit, identity: WHO, time: 1700000100, message: MSG })).toBe(V2.commit);
  });
});

describe('git_publish plans', () => {
  it('a new repository: one script that makes it, writes the planned tree and commit and checks both', () => {
    const plan = planPublish(params, fresh());
    expect(plan).toMatchObject({ changed: true, result: { commit: V1.commit, tree: V1.tree, branch: 'main' } });
    const script = (plan.actions[0] as { script: string }).script;
    expect(script).toContain("git init -q --bare -b main");
    expect(script).toContain(`[ "$commit" = ${V1.commit} ]`);
    expect(script).toContain(`update-ref refs/heads/main "$commit" ${'0'.repeat(40)}`);
    expect(plan.effects).toContainEqual({ kind: 'git', dest: '/srv/git/app', version: V1.commit, branch: 'main' });
  });

  it('the same files as the branch: no change; other files: a commit on top of it', () => {
    const onV1 = { ...fresh(1700000100, 'v2\n'), ...parsePublishProbe(`repo\nformat sha1\nhead ${V1.commit} ${V1.tree}\n`) };
    expect(planPublish(params, { ...onV1, files: files('hello\n') })).toMatchObject({ changed: false, actions: [] });
    const plan = planPublish(params, onV1);
    expect(plan).toMatchObject({ changed: true, result: { commit: V2.commit, before: V1.commit } });
    expect((plan.actions[0] as { script: string }).script).toContain(`update-ref refs/heads/main "$commit" ${V1.commit}`);
  });

  it('refuses a path that is no repository, a sha256 repository, a host without git', () => {
    expect(planPublish(params, { ...fresh(), ...parsePublishProbe('other\n') }).failed).toBe('/srv/git/app exists and is not a git repository');
    expect(planPublish(params, { ...fresh(), ...parsePublishProbe('repo\nformat sha256\n') }).failed).toMatch(/object format is sha256/);
    expect(planPublish(params, { ...fresh(), ...parsePublishProbe('nogit\n') }).failed).toMatch(/git is not installed/);
  });
});

describe('check mode after a publish', () => {
  const store = new PredictedState();
  store.record(planPublish(params, fresh()).effects!, 'app source published');
  const view = store.view(undefined);
  const unreachable: DeployState = { releases: new Map(), log: [], remote: { ok: false, error: "fatal: '/srv/git/app' does not appear to be a git repository" } };

  it("a deploy from the repository plans the published commit's release", () => {
    const deployParams = { path: '/srv/app', repo: '/srv/git/app' };
    const plan = planDeploy(deployParams, overlayDeploy(unreachable, view, deployParams));
    expect(plan).toMatchObject({ changed: true, result: { live: V1.commit.slice(0, 12), commit: V1.commit } });
    expect(plan.diffs).toEqual([{ before: '', after: `releases/${V1.commit.slice(0, 12)}\n`, before_header: '/srv/app/current', after_header: '/srv/app/current' }]);
  });

  it('publishing the same files again is no change', () => {
    const again = overlayPublish(fresh(), view, params);
    expect(planPublish(params, again)).toMatchObject({ changed: false });
  });
});
