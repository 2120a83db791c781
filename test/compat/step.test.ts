/**
 * --step against ansible-playbook --step: the same answers (y, n, c) piped to both; the
 * questions, their banners, which tasks ran (a declined one is not run, c runs the rest and the
 * handler unasked) and the recap must match byte for byte.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { command } from '../../modules/index.js';
import { handler, play, task } from '../../runner/dsl.js';
import { realDeps } from '../../runner/main.js';
import { defaultRunOptions } from '../../runner/options.js';
import { TextReporter } from '../../runner/report/text.js';
import { runPlaybook } from '../../runner/run.js';
import { lineAsker } from '../../runner/step.js';
import { localInventory } from './local-inventory.js';

const run = promisify(execFile);

const YAML = `
- hosts: localhost
  gather_facts: false
  tasks:
    - { name: one, command: 'true' }
    - { name: two, command: 'true', notify: h }
    - { name: three, command: 'true', notify: h }
    - { name: four, command: 'true' }
  handlers:
    - { name: h, command: 'true' }
`;

const plays = [
  play({
    name: 'localhost',
    hosts: 'localhost',
    gather_facts: false,
    tasks: [
      task('one', command({ cmd: 'true' })),
      task('two', command({ cmd: 'true' }), { notify: 'h' }),
      task('three', command({ cmd: 'true' }), { notify: 'h' }),
      task('four', command({ cmd: 'true' })),
    ],
    handlers: [handler('h', command({ cmd: 'true' }))],
  }),
];

async function theirs(answers: string): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'hw-step-compat-'));
  const file = path.join(dir, 'step.yml');
  writeFileSync(file, YAML);
  const child = run('ansible-playbook', ['--step', '-i', 'localhost,', '-c', 'local', file], {
    env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_STDOUT_CALLBACK: 'default' },
  });
  child.child.stdin!.end(answers);
  return (await child).stdout;
}

async function ours(answers: string): Promise<string> {
  let out = '';
  const stream = { write: (s: string) => ((out += s), true) };
  const input = new PassThrough();
  input.end(answers);
  const ask = lineAsker(input, stream as unknown as NodeJS.WritableStream);
  const reporter = new TextReporter({ verbosity: 0, stdout: stream, stderr: { write: () => true } });
  await runPlaybook(plays, defaultRunOptions({ step: true }), reporter, {
    inventory: localInventory('localhost'),
    deps: realDeps,
    playbookDir: tmpdir(),
    ask,
  });
  ask.close();
  return out;
}

describe('--step matches ansible-playbook --step', () => {
  it.each([
    ['y, n, then c', 'y\nn\nc\n'],
    ['no to everything (n, Enter, no, N)', 'n\n\nno\nN\n'],
    ['yes, YES, then no', 'yes\nYES\nn\nn\ny\n'],
  ])('%s', async (_what, answers) => {
    const [a, b] = await Promise.all([theirs(answers), ours(answers)]);
    expect(a).toContain('Perform task: TASK: one (N)o/(y)es/(c)ontinue: ');
    expect(b).toBe(a);
  });
});
