import { describe, expect, test } from 'vitest';
import { lineinfile } from '../../../modules/index.js';
import { labHosts } from '../../lab/testing.js';
import { converge, remote, run, scratch, session } from './harness.js';

describe('lineinfile on a lab host', () => {
  test('replaces the matching line, with the content diff Ansible shows', async () => {
    const s = await session(labHosts('plain')[0]!);
    const dir = await scratch(s, 'lineinfile');
    await remote(s, `printf 'PermitRootLogin yes\\nPort 22\\n' > ${dir}/sshd_config`);
    const { check } = await converge(s, lineinfile({ path: `${dir}/sshd_config`, regexp: '^PermitRootLogin', line: 'PermitRootLogin no', backup: true }));
    expect(check.plan?.diffs).toEqual([
      { before: 'PermitRootLogin yes\nPort 22\n', after: 'PermitRootLogin no\nPort 22\n', before_header: `${dir}/sshd_config (content)`, after_header: `${dir}/sshd_config (content)` },
    ]);
    expect(await remote(s, `cat ${dir}/sshd_config; ls ${dir} | wc -l`)).toBe('PermitRootLogin no\nPort 22\n2');
  });
  test('create with mode; symlinked path edits the target', async () => {
    const s = await session(labHosts('plain')[0]!);
    const dir = await scratch(s, 'lineinfile-create');
    await converge(s, lineinfile({ path: `${dir}/new/conf`, line: 'a=1', create: true, mode: '0600' }));
    expect(await remote(s, `stat -c %a ${dir}/new/conf; cat ${dir}/new/conf`)).toBe('600\na=1');
    await remote(s, `ln -s ${dir}/new/conf ${dir}/link`);
    await converge(s, lineinfile({ path: `${dir}/link`, line: 'b=2' }));
    expect(await remote(s, `test -L ${dir}/link && cat ${dir}/new/conf`)).toBe('a=1\nb=2');
  });
  test('attribute-only change: "(file attributes)" diff', async () => {
    const s = await session(labHosts('plain')[0]!);
    const dir = await scratch(s, 'lineinfile-attrs');
    await remote(s, `echo a=1 > ${dir}/c && chmod 0644 ${dir}/c`);
    const { check } = await converge(s, lineinfile({ path: `${dir}/c`, line: 'a=1', mode: '0600' }));
    expect(check.plan?.diffs).toEqual([{ before: '{\n    "mode": "0644"\n}\n', after: '{\n    "mode": "0600"\n}\n', before_header: `${dir}/c (file attributes)`, after_header: `${dir}/c (file attributes)` }]);
    expect(check.plan?.result?.msg).toBe('ownership, perms or SE linux context changed');
  });
  test('missing file without create fails as Ansible does', async () => {
    const s = await session(labHosts('plain')[0]!);
    expect(await run(s, lineinfile({ path: '/tmp/hw-e2e/nope/x', line: 'a' }))).toMatchObject({ failed: true, msg: 'Destination /tmp/hw-e2e/nope/x does not exist !' });
    expect((await run(s, lineinfile({ path: '/tmp/x', line: 'a', insertafter: 'x', insertbefore: 'y' }))).issues.map((i) => i.field)).toEqual(['insertafter']);
  });
});
