import { describe, expect, test } from 'vitest';
import { blockinfile } from '../../../modules/index.js';
import { labHosts } from '../../lab/testing.js';
import { converge, remote, run, scratch, session } from './harness.js';

describe('blockinfile on a lab host', () => {
  test('inserts, updates and removes a marked block', async () => {
    const s = await session(labHosts('plain')[0]!);
    const dir = await scratch(s, 'blockinfile');
    await remote(s, `printf 'a\\nb\\n' > ${dir}/hosts`);
    const { check } = await converge(s, blockinfile({ path: `${dir}/hosts`, block: '10.0.0.1 db', insertafter: '^a' }));
    expect(check.plan?.diffs?.[0]).toMatchObject({ before: 'a\nb\n', after: 'a\n# BEGIN ANSIBLE MANAGED BLOCK\n10.0.0.1 db\n# END ANSIBLE MANAGED BLOCK\nb\n' });
    await converge(s, blockinfile({ path: `${dir}/hosts`, block: '10.0.0.2 db' }));
    expect(await remote(s, `cat ${dir}/hosts`)).toBe('a\n# BEGIN ANSIBLE MANAGED BLOCK\n10.0.0.2 db\n# END ANSIBLE MANAGED BLOCK\nb');
    await converge(s, blockinfile({ path: `${dir}/hosts`, state: 'absent' }));
    expect(await remote(s, `cat ${dir}/hosts`)).toBe('a\nb');
  });
  test('validate failure keeps the file', async () => {
    const s = await session(labHosts('plain')[0]!);
    const dir = await scratch(s, 'blockinfile-validate');
    await remote(s, `echo keep > ${dir}/f`);
    expect(await run(s, blockinfile({ path: `${dir}/f`, block: 'x', validate: 'false %s' }))).toMatchObject({ failed: true });
    expect(await remote(s, `cat ${dir}/f; ls -A ${dir}`)).toBe('keep\nf');
  });
  test('bad params are reported with the field', async () => {
    const s = await session(labHosts('plain')[0]!);
    expect((await run(s, blockinfile({ path: '/tmp/x', state: 'gone' as 'absent' }))).issues.map((i) => i.field)).toEqual(['state']);
  });
});
