import { describe, expect, test } from 'vitest';
import { file } from '../../../modules/index.js';
import { labHosts } from '../../lab/testing.js';
import { converge, remote, run, scratch, session } from './harness.js';

const parsed = (d: { before: string; after: string } | undefined) => (d ? [JSON.parse(d.before), JSON.parse(d.after)] : undefined);

describe('file on a lab host', () => {
  test('directory with parents, mode and owner; diff {path, state}', async () => {
    const s = await session(labHosts('plain')[0]!);
    const dir = await scratch(s, 'file-dir');
    const { check } = await converge(s, file({ path: `${dir}/a/b`, state: 'directory', mode: '0750', owner: 'deploy' }));
    expect(parsed(check.plan?.diffs?.[0])).toEqual([{ path: `${dir}/a/b`, state: 'absent' }, { path: `${dir}/a/b`, state: 'directory' }]);
    expect(await remote(s, `stat -c '%a %U' ${dir}/a ${dir}/a/b`)).toBe('750 deploy\n750 deploy');
  });
  test('mode change on an existing directory diffs the mode', async () => {
    const s = await session(labHosts('plain')[0]!);
    const dir = await scratch(s, 'file-mode');
    await remote(s, `chmod 0755 ${dir}`);
    const { check } = await converge(s, file({ path: dir, mode: 'go-rx' }));
    expect(parsed(check.plan?.diffs?.[0])).toEqual([{ path: dir, mode: '0755' }, { path: dir, mode: '0700' }]);
  });
  test('recurse applies owner and mode below the directory', async () => {
    const s = await session(labHosts('plain')[0]!);
    const dir = await scratch(s, 'file-recurse');
    await remote(s, `mkdir -p ${dir}/t/sub && touch ${dir}/t/sub/f && chmod 0600 ${dir}/t/sub/f`);
    await converge(s, file({ path: `${dir}/t`, state: 'directory', recurse: true, owner: 'deploy', mode: 'u=rwX,g=rX,o=' }));
    expect(await remote(s, `stat -c '%a %U' ${dir}/t ${dir}/t/sub ${dir}/t/sub/f`)).toBe('750 deploy\n750 deploy\n640 deploy');
  });
  test('symlink: create, then retarget with a src diff', async () => {
    const s = await session(labHosts('plain')[0]!);
    const dir = await scratch(s, 'file-link');
    await remote(s, `touch ${dir}/one ${dir}/two`);
    await converge(s, file({ path: `${dir}/l`, state: 'link', src: 'one' }));
    const { check } = await converge(s, file({ path: `${dir}/l`, state: 'link', src: 'two' }));
    expect(parsed(check.plan?.diffs?.[0])).toEqual([{ path: `${dir}/l`, src: 'one' }, { path: `${dir}/l`, src: 'two' }]);
    expect(await remote(s, `readlink ${dir}/l`)).toBe('two');
  });
  test('hard link, then absent', async () => {
    const s = await session(labHosts('plain')[0]!);
    const dir = await scratch(s, 'file-hard');
    await remote(s, `echo x > ${dir}/orig`);
    await converge(s, file({ path: `${dir}/h`, state: 'hard', src: `${dir}/orig` }));
    expect(await remote(s, `stat -c %i ${dir}/orig ${dir}/h | uniq | wc -l`)).toBe('1');
    const { check } = await converge(s, file({ path: `${dir}/h`, state: 'absent' }));
    expect(parsed(check.plan?.diffs?.[0])).toEqual([{ path: `${dir}/h`, state: 'hard' }, { path: `${dir}/h`, state: 'absent' }]);
    expect(await remote(s, `ls ${dir}`)).toBe('orig');
  });
  test('touch creates, and always reports changed (as Ansible)', async () => {
    const s = await session(labHosts('plain')[0]!);
    const dir = await scratch(s, 'file-touch');
    const { second } = await converge(s, file({ path: `${dir}/t`, state: 'touch', mode: '0600' }), { idempotent: false });
    expect(second.changed).toBe(true);
    expect(await remote(s, `stat -c %a ${dir}/t`)).toBe('600');
  });
  test('errors: state=file on a missing path, link over a file without force, bad state', async () => {
    const s = await session(labHosts('plain')[0]!);
    const dir = await scratch(s, 'file-errors');
    await remote(s, `touch ${dir}/f`);
    expect(await run(s, file({ path: `${dir}/missing`, state: 'file' }))).toMatchObject({ failed: true, msg: `file (${dir}/missing) is absent, cannot continue` });
    expect(await run(s, file({ path: `${dir}/f`, state: 'link', src: '/etc/hosts' }))).toMatchObject({ failed: true, msg: `refusing to convert from file to symlink for ${dir}/f` });
    const bad = await run(s, file({ path: dir, state: 'folder' as 'directory' }));
    expect(bad.issues.map((i) => i.field)).toEqual(['state']);
  });
});
