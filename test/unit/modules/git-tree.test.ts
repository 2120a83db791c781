/**
 * Check mode: what a new clone would check out (modules/_lib/git-tree.ts), from the probe's output
 * recorded for a repository with a README, an executable, a symlink and a file with a space in a
 * nested directory. A later task sees those files with git's modes under the umask, nothing else
 * beside them, and .git as unknown.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTree, treeEffects } from '../../../modules/_lib/git-tree.js';
import { checkoutEffects } from '../../../modules/_lib/git.js';
import { PredictedState } from '../../../runner/predict.js';

const RECORDED = readFileSync(new URL('../../fixtures/git/clone-tree.out', import.meta.url), 'utf8');

describe('git: the files a new clone would check out, in check mode', () => {
  it('reads the tree and the small blobs, paths unquoted', () => {
    const files = parseTree(RECORDED)!;
    expect(files.map((f) => [f.path, f.mode, f.content?.toString()])).toEqual([
      ['README', '100644', 'hello\n'],
      ['bin/run', '100755', '#!/bin/sh\necho hi\n'],
      ['conf/readme-link', '120000', '../README'],
      ['conf/sub/with space.conf', '100644', 'a=1\n'],
    ]);
  });

  it('a commit the remote could not give is no prediction', () => {
    expect(parseTree('notree\n')).toBeUndefined();
    expect(parseTree('')).toBeUndefined();
  });

  it("declares directories and files with git's modes under the umask, links with their target", () => {
    const effects = treeEffects('/opt/app', parseTree(RECORDED)!, 0o022);
    expect(effects[0]).toEqual({ kind: 'tree', path: '/opt/app/.git' });
    expect(effects).toContainEqual({ kind: 'path', path: '/opt/app/conf/sub', state: 'directory', created: true, mode: 0o755 });
    expect(effects).toContainEqual({ kind: 'path', path: '/opt/app/bin/run', state: 'file', created: true, content: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o755 });
    expect(effects).toContainEqual({ kind: 'path', path: '/opt/app/conf/readme-link', state: 'link', created: true, src: '../README' });
    // Without a known umask the modes are unknown, not guessed.
    expect(treeEffects('/opt/app', parseTree(RECORDED)!, undefined)).toContainEqual({ kind: 'path', path: '/opt/app/README', state: 'file', created: true, content: Buffer.from('hello\n') });
  });

  it('a later task sees the checkout: its files, nothing else beside them, .git unknown', () => {
    const store = new PredictedState();
    store.record(checkoutEffects({ dest: '/opt/app', repo: '/srv/app.git' }, 'a'.repeat(40), true, 0o022, 'main', parseTree(RECORDED)), 'clone');
    const view = store.view({ uid: 0, gid: 0 });
    expect(view.path('/opt/app/README')).toMatchObject({ state: 'file', mode: 0o644, content: Buffer.from('hello\n') });
    expect(view.path('/opt/app/local.conf')).toMatchObject({ state: 'absent' });
    expect(view.path('/opt/app/.git/config')).toMatchObject({ state: 'unknown', by: 'clone' });
    // Without the tree (a run, or a remote that refused), everything inside is unknown, as before.
    const blind = new PredictedState();
    blind.record(checkoutEffects({ dest: '/opt/app', repo: '/srv/app.git' }, 'a'.repeat(40), true, 0o022, 'main'), 'clone');
    expect(blind.view(undefined).path('/opt/app/README')).toMatchObject({ state: 'unknown' });
  });
});
