/**
 * deploy in check mode with a repository on the host that an earlier task of the run would make
 * (the lab's app source published as a git repository): the task depends on that task instead of
 * failing on a remote it cannot read yet; an unreachable repository nothing would make still fails.
 */
import { describe, expect, it } from 'vitest';
import { PredictedState, Unpredictable } from '../../../runner/predict.js';
import { overlayDeploy, type DeployState } from '../../../modules/deploy.js';

const unreachable: DeployState = { releases: new Map(), log: [], remote: { ok: false, error: "fatal: '/srv/git/app' does not appear to be a git repository" } };
const params = { path: '/srv/app', repo: '/srv/git/app' };

describe('overlayDeploy and a repository on the host', () => {
  it('a repository an earlier task would create: depends on that task', () => {
    const store = new PredictedState();
    store.record([{ kind: 'path', path: '/srv/git/app', state: 'directory' }], 'app source directories');
    expect(() => overlayDeploy(unreachable, store.view(undefined), params)).toThrow(new Unpredictable('app source directories', 'the repository /srv/git/app'));
  });
  it('its .git made by a command (`creates`) names that command', () => {
    const store = new PredictedState();
    store.record([{ kind: 'path', path: '/srv/git/app', state: 'directory' }], 'app source directories');
    store.record([{ kind: 'path', path: '/srv/git/app/.git', state: 'exists' }], 'app source committed');
    expect(() => overlayDeploy(unreachable, store.view(undefined), params)).toThrow(new Unpredictable('app source committed', 'the repository /srv/git/app'));
  });
  it('nothing predicted there: the state stays, and the plan fails on the unreachable remote as before', () => {
    const store = new PredictedState();
    expect(overlayDeploy(unreachable, store.view(undefined), params)).toBe(unreachable);
  });
});
