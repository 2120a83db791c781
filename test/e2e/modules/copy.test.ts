import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { copy } from '../../../modules/index.js';
import { secret, MASK } from '../../../runner/secret.js';
import { labHosts } from '../../lab/testing.js';
import { converge, remote, run, scratch, session } from './harness.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/modules');

describe('copy on a lab host', () => {
  test('content: created, then unchanged; check predicted the diff; mode and owner applied', async () => {
    const s = await session(labHosts('plain')[0]!);
    const dir = await scratch(s, 'copy-content');
    const { check, first } = await converge(s, copy({ dest: `${dir}/motd`, content: 'hello\n', mode: '0640', owner: 'deploy', group: 'deploy' }));
    expect(check.plan?.diffs).toEqual([{ before: '', after: 'hello\n', before_header: `${dir}/motd`, after_header: `${dir}/motd` }]);
    expect(first.plan?.actions).toHaveLength(1);
    expect(await remote(s, `stat -c '%a %U %G' ${dir}/motd; cat ${dir}/motd`)).toBe('640 deploy deploy\nhello');
  });
  test('src relative to the playbook dir, into a directory dest ending in /', async () => {
    const s = await session(labHosts('plain')[0]!);
    const dir = await scratch(s, 'copy-src');
    const { first } = await converge(s, copy({ src: 'files/motd.txt', dest: `${dir}/new/` }), { playbookDir: fixtures });
    expect(first.plan?.result).toMatchObject({ dest: `${dir}/new/motd.txt` });
    expect(await remote(s, `cat ${dir}/new/motd.txt`)).toBe('Welcome to the lab');
  });
  test('update with backup, and attribute-only change without a diff', async () => {
    const s = await session(labHosts('plain')[0]!);
    const dir = await scratch(s, 'copy-update');
    await remote(s, `printf 'old\\n' > ${dir}/f && chmod 0644 ${dir}/f`);
    const { first } = await converge(s, copy({ dest: `${dir}/f`, content: 'new\n', backup: true }));
    expect(first.plan?.diffs?.[0]).toMatchObject({ before: 'old\n', after: 'new\n' });
    const backup = String(first.result.backup_file);
    expect(backup).toMatch(new RegExp(`^${dir}/f\\.\\d+\\.\\d{4}-\\d{2}-\\d{2}@\\d{2}:\\d{2}:\\d{2}~$`));
    expect(await remote(s, `cat '${backup}'`)).toBe('old');
    const attrs = await converge(s, copy({ dest: `${dir}/f`, content: 'new\n', mode: 'u=rw,go=' }));
    expect(attrs.first.plan?.diffs).toBeUndefined();
    expect(await remote(s, `stat -c %a ${dir}/f`)).toBe('600');
  });
  test('validate failing keeps the old file and leaves no temp file', async () => {
    const s = await session(labHosts('plain')[0]!);
    const dir = await scratch(s, 'copy-validate');
    await remote(s, `printf 'good\\n' > ${dir}/conf`);
    const r = await run(s, copy({ dest: `${dir}/conf`, content: 'bad\n', validate: 'grep -q good %s' }));
    expect(r).toMatchObject({ failed: true, msg: 'failed to validate: rc:1 error:' });
    expect(await remote(s, `ls -A ${dir}; cat ${dir}/conf`)).toBe('conf\ngood');
  });
  test('binary content round-trips byte for byte', async () => {
    const s = await session(labHosts('plain')[0]!);
    const dir = await scratch(s, 'copy-binary');
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i));
    await run(s, copy({ dest: `${dir}/bin`, content: bytes.toString('latin1') }));
    // Content strings are UTF-8: compare with what the same string encodes to.
    expect(await remote(s, `sha1sum < ${dir}/bin | cut -c1-40`)).toBe((await import('node:crypto')).createHash('sha1').update(Buffer.from(bytes.toString('latin1'))).digest('hex'));
    expect((await run(s, copy({ dest: `${dir}/bin`, content: bytes.toString('latin1') }))).changed).toBe(false);
  });
  test('secret content: diff masked, file written', async () => {
    const s = await session(labHosts('plain')[0]!);
    const dir = await scratch(s, 'copy-secret');
    const { check } = await converge(s, copy({ dest: `${dir}/pw`, content: secret('hunter2\n'), mode: '0600' }));
    expect(JSON.stringify(check.plan?.diffs)).not.toContain('hunter2');
    expect(check.plan?.diffs?.[0]?.after).toBe(`${MASK}\n`);
    expect(await remote(s, `cat ${dir}/pw`)).toBe('hunter2');
  });
  test('a symlinked dest: replaced by the file (Ansible, follow=false), or its target written (follow=true)', async () => {
    const s = await session(labHosts('plain')[0]!);
    const dir = await scratch(s, 'copy-link');
    await remote(s, `printf 'same\\n' > ${dir}/real && ln -s real ${dir}/link && ln -s real ${dir}/followed`);
    const { check } = await converge(s, copy({ dest: `${dir}/link`, content: 'same\n' }));
    expect(check.plan?.diffs?.[0]).toMatchObject({ before: 'same\n', after: 'same\n' });
    expect(await remote(s, `test ! -L ${dir}/link && cat ${dir}/link ${dir}/real`)).toBe('same\nsame');
    await converge(s, copy({ dest: `${dir}/followed`, content: 'other\n', follow: true }));
    expect(await remote(s, `test -L ${dir}/followed && cat ${dir}/real`)).toBe('other');
  });
  test('as a non-root login with become: probe and write both run through sudo', async () => {
    const s = await session(labHosts('plain')[0]!, 'deploy');
    const dir = await scratch(s, 'copy-become');
    await remote(s, `chmod 0700 ${dir}`);
    const denied = await run(s, copy({ dest: `${dir}/f`, content: 'x\n' }));
    expect(denied.failed).toBe(true);
    const become = { user: 'root' };
    const first = await run(s, copy({ dest: `${dir}/f`, content: 'x\n', mode: '0600' }), false, undefined, become);
    expect(first).toMatchObject({ failed: false, changed: true });
    expect((await run(s, copy({ dest: `${dir}/f`, content: 'x\n', mode: '0600' }), false, undefined, become)).changed).toBe(false);
    expect(await remote(s, `stat -c '%a %U' ${dir}/f`)).toBe('600 root');
  });
  test('bad params: load-time issues with the field, nothing run', async () => {
    const s = await session(labHosts('plain')[0]!);
    const r = await run(s, copy({ dest: '/tmp/x', content: 'a', mode: 'rwxr' }));
    expect(r.failed).toBe(true);
    expect(r.issues.map((i) => i.field)).toEqual(['mode']);
    expect(r.plan).toBeUndefined();
  });
});
