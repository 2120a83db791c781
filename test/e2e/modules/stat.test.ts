import { describe, expect, test } from 'vitest';
import { stat } from '../../../modules/index.js';
import { labHosts } from '../../lab/testing.js';
import { remote, run, scratch, session } from './harness.js';

describe('stat on a lab host', () => {
  test("reports Ansible's keys, never changes", async () => {
    const s = await session(labHosts('plain')[0]!);
    const dir = await scratch(s, 'stat');
    await remote(s, `printf 'abc' > ${dir}/f && chmod 0640 ${dir}/f && chown deploy ${dir}/f && ln -s f ${dir}/l`);
    const r = await run(s, stat({ path: `${dir}/f` }));
    expect(r.changed).toBe(false);
    expect(r.plan?.actions).toEqual([]);
    expect(r.plan?.result?.stat).toMatchObject({
      exists: true, path: `${dir}/f`, mode: '0640', isreg: true, isdir: false, islnk: false, size: 3,
      pw_name: 'deploy', gr_name: 'root', checksum: 'a9993e364706816aba3e25717850c26c9cd0d89d', rusr: true, xusr: false, rgrp: true, roth: false,
    });
    const mtime = Number(await remote(s, `stat -c %Y ${dir}/f`));
    expect(Math.floor((r.plan?.result?.stat as { mtime: number }).mtime)).toBe(mtime);
    const link = await run(s, stat({ path: `${dir}/l` }));
    expect(link.plan?.result?.stat).toMatchObject({ islnk: true, lnk_target: 'f', lnk_source: `${dir}/f` });
    expect((await run(s, stat({ path: `${dir}/l`, follow: true }))).plan?.result?.stat).toMatchObject({ islnk: false, isreg: true });
    expect((await run(s, stat({ path: `${dir}/none` }))).plan?.result?.stat).toEqual({ exists: false });
  });
  test('bad params are reported with the field', async () => {
    const s = await session(labHosts('plain')[0]!);
    expect((await run(s, stat({ path: '/x', checksum_algorithm: 'crc32' as 'sha1' }))).issues.map((i) => i.field)).toEqual(['checksum_algorithm']);
  });
});
