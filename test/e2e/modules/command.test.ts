import { describe, expect, test } from 'vitest';
import { command, shell } from '../../../modules/index.js';
import { labHosts } from '../../lab/testing.js';
import { converge, remote, run, scratch, session } from './harness.js';

describe('command and shell on a lab host', () => {
  test('command runs without a shell (argv, no globbing), captures output', async () => {
    const s = await session(labHosts('plain')[0]!);
    const dir = await scratch(s, 'command');
    const r = await run(s, command({ cmd: `echo "a  b" * $HOME`, chdir: dir }));
    expect(r.plan?.nonIdempotent).toBe(true);
    expect(r.result).toMatchObject({ rc: 0, stdout: 'a  b * /root', stdout_lines: ['a  b * /root'] });
    const argv = await run(s, command({ argv: ['printf', '%s|', 'x; rm -rf /', '$(id)'] }));
    expect(argv.result.stdout).toBe('x; rm -rf /|$(id)|');
  });
  test('creates makes it idempotent; check predicts; stdin reaches the command', async () => {
    const s = await session(labHosts('plain')[0]!);
    const dir = await scratch(s, 'command-creates');
    const { first, second } = await converge(s, command({ argv: ['tee', `${dir}/out`], stdin: 'data', creates: `${dir}/o*` }));
    expect(first.plan?.nonIdempotent).toBe(false);
    expect(second.plan?.result?.msg).toBe(`Did not run command since '${dir}/o*' exists`);
    expect(await remote(s, `cat ${dir}/out`)).toBe('data');
  });
  test('removes; shell with pipes and an executable; failure is rc + message', async () => {
    const s = await session(labHosts('plain')[0]!);
    const dir = await scratch(s, 'shell');
    await remote(s, `touch ${dir}/gone`);
    await converge(s, shell({ cmd: 'rm gone', chdir: dir, removes: 'gone' }));
    const piped = await run(s, shell({ cmd: 'echo $0 | tr a-z A-Z', executable: '/bin/bash' }));
    expect(piped.result.stdout).toBe('/BIN/BASH');
    const bad = await run(s, shell({ cmd: 'echo err >&2; exit 3' }));
    expect(bad).toMatchObject({ failed: true, msg: 'non-zero return code' });
    expect(bad.result).toMatchObject({ rc: 3, stderr: 'err' });
    expect((await run(s, command({ cmd: 'ls', argv: ['ls'] }))).issues.map((i) => i.field)).toEqual(['argv']);
  });
});
