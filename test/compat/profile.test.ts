/**
 * --profile against ansible-playbook with the ansible.posix profile_tasks and timer callbacks: the
 * same two-task playbook on this machine, our text reporter with a Profiler against their output.
 * Times differ run to run, so digits in the time lines are compared as shapes (every digit a 0),
 * and the order of the task list (longest first) comes from tasks of clearly different lengths.
 * Without --profile the output has none of these lines (the plain output stays Ansible's).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { command } from '../../modules/index.js';
import { play, task } from '../../runner/dsl.js';
import { realDeps } from '../../runner/main.js';
import { defaultRunOptions } from '../../runner/options.js';
import { Profiler } from '../../runner/report/profile.js';
import { TextReporter } from '../../runner/report/text.js';
import { runPlaybook } from '../../runner/run.js';
import { localInventory } from './local-inventory.js';

const run = promisify(execFile);

const YAML = `
- name: timed
  hosts: localhost
  gather_facts: false
  tasks:
    - { name: quick, command: 'true' }
    - { name: slow one, command: 'sleep 1.5' }
`;

const plays = [
  play({
    name: 'timed',
    hosts: 'localhost',
    gather_facts: false,
    tasks: [task('quick', command({ cmd: 'true' })), task('slow one', command({ cmd: 'sleep 1.5' }))],
  }),
];

const DATE_LINE = /^[A-Z][a-z]+day \d\d [A-Z][a-z]+ \d{4} {2}\d\d:\d\d:\d\d [+-]\d{4} \(\d+:\d\d:\d\d\.\d{3}\) {7}\d+:\d\d:\d\d\.\d{3} \*+ $/;
const TASK_LINE = /^.+ -+ \d+\.\d\ds$/;

/** Digits to 0 and day/month names to X in the time lines, so only their shape is compared. */
function shape(out: string): string {
  return out
    .split('\n')
    .map((l) => (DATE_LINE.test(l) ? l.replace(/\d/g, '0').replace(/^[A-Za-z]+ 00 [A-Za-z]+/, 'X 00 X') : l))
    .map((l) => (TASK_LINE.test(l) || l.startsWith('Playbook run took') ? l.replace(/\d/g, '0') : l))
    .join('\n');
}

async function ours(profile: boolean): Promise<string> {
  let out = '';
  const stream = { write: (s: string) => ((out += s), true) };
  const options = defaultRunOptions({ profile });
  const reporter = new TextReporter({
    verbosity: 0,
    stdout: stream,
    stderr: stream,
    ...(profile ? { profiler: new Profiler({ columns: 79, verbosity: 0 }) } : {}),
  });
  await runPlaybook(plays, options, reporter, { inventory: localInventory('localhost'), deps: realDeps, playbookDir: tmpdir() });
  return out;
}

describe('--profile has the shape of profile_tasks + timer', () => {
  it('a time line under each task banner and after the recap, the tasks longest first, the run time', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hw-profile-compat-'));
    const file = path.join(dir, 'timed.yml');
    writeFileSync(file, YAML);
    const theirs = await run('ansible-playbook', ['-i', 'localhost,', '-c', 'local', file], {
      env: {
        ...process.env,
        ANSIBLE_NOCOLOR: '1',
        ANSIBLE_LOCALHOST_WARNING: 'false',
        ANSIBLE_STDOUT_CALLBACK: 'default',
        ANSIBLE_CALLBACKS_ENABLED: 'ansible.posix.profile_tasks,ansible.posix.timer',
      },
    });
    const mine = await ours(true);

    // Our extra: each host's time, listed after the tasks.
    const hostLines = mine.split('\n').filter((l) => l.startsWith('HOST [localhost] '));
    expect(hostLines).toHaveLength(1);
    expect(hostLines[0]).toMatch(/^HOST \[localhost\] -+ \d+\.\d\ds$/);
    expect(hostLines[0]).toHaveLength(79);
    const withoutHosts = mine.split('\n').filter((l) => !l.startsWith('HOST [')).join('\n');

    expect(theirs.stdout.split('\n').filter((l) => DATE_LINE.test(l))).toHaveLength(3);
    expect(shape(withoutHosts)).toBe(shape(theirs.stdout));
    // The slow task is listed first, with at least its sleep.
    const listed = mine.split('\n').filter((l) => TASK_LINE.test(l) && !l.startsWith('HOST ['));
    expect(listed.map((l) => l.split(' ')[0])).toEqual(['slow', 'quick']);
    expect(Number(/(\d+\.\d\d)s$/.exec(listed[0]!)![1])).toBeGreaterThanOrEqual(1.5);
  });

  it('without --profile: no time lines at all', async () => {
    const plain = await ours(false);
    expect(plain).toContain('PLAY RECAP');
    expect(plain.split('\n').some((l) => DATE_LINE.test(l) || TASK_LINE.test(l) || l.startsWith('Playbook run took'))).toBe(false);
  });
});
