import { describe, expect, test } from 'vitest';
import { template } from '../../../modules/index.js';
import { labHosts } from '../../lab/testing.js';
import { converge, remote, run, scratch, session } from './harness.js';

describe('template on a lab host', () => {
  test('renders from host vars and facts, validates, then is unchanged', async () => {
    const s = await session(labHosts('plain')[0]!);
    const dir = await scratch(s, 'template');
    const call = template({
      dest: `${dir}/app.conf`,
      mode: '0644',
      validate: 'grep -q "^host=" %s',
      render: (h) => `host=${h.host}\nos=${h.facts.distribution} ${h.facts.distribution_major_version}\n`,
    });
    const { check } = await converge(s, call);
    const expected = `host=${s.host.name}\nos=Debian 12\n`;
    expect(check.plan?.diffs).toEqual([{ before: '', after: expected, before_header: `${dir}/app.conf`, after_header: `${dir}/app.conf` }]);
    expect(await remote(s, `cat ${dir}/app.conf`)).toBe(expected.trimEnd());
  });
  test('a render that fails validation leaves no file', async () => {
    const s = await session(labHosts('plain')[0]!);
    const dir = await scratch(s, 'template-bad');
    const r = await run(s, template({ dest: `${dir}/app.conf`, validate: 'grep -q "^host=" %s', render: () => 'nothing\n' }));
    expect(r).toMatchObject({ failed: true, msg: 'failed to validate: rc:1 error:' });
    expect(await remote(s, `ls -A ${dir} | wc -l`)).toBe('0');
  });
  test('bad params are reported with the field', async () => {
    const s = await session(labHosts('plain')[0]!);
    const r = await run(s, template({ dest: '/tmp/x', render: () => '', backup: 'yes' as unknown as boolean }));
    expect(r.issues.map((i) => i.field)).toEqual(['backup']);
  });
});
