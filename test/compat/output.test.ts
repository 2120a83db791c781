/**
 * Our text reporter against the real ansible-playbook (Debian's ansible-core 2.14): the same
 * playbook (fixtures/output-playbook.yml) is run by Ansible on two local hosts, and the equivalent
 * RunEvents are fed to our reporter. Banners, host lines, loop items, delegation, handlers,
 * "...ignoring", "no hosts matched" and the recap must match byte for byte; the failed results'
 * JSON is taken from Ansible's own output so that its formatting is compared too. With colors
 * forced, the color of every piece of text must match (escape sequences differ: chalk writes
 * `ESC[32m…ESC[39m` where Ansible writes `ESC[0;32m…ESC[0m`).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { HostStats, RunEvent } from '../../runner/events.js';
import type { TaskResult } from '../../runner/module.types.js';
import { exitCodeForRun } from '../../runner/report/exit-codes.js';
import { createStyle } from '../../runner/report/style.js';
import { TextReporter } from '../../runner/report/text.js';
import { parseSgr, type Segment } from './sgr.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const playbook = path.join(here, 'fixtures', 'output-playbook.yml');
const edgePlaybook = path.join(here, 'fixtures', 'output-unreachable.yml');
const edgeInventory = path.join(here, 'fixtures', 'output-unreachable.ini');

function runAnsible(
  color: boolean,
  extraArgs: string[] = [],
  target: string[] = ['-i', 'localhost,h2,', '-c', 'local', playbook],
  extraEnv: Record<string, string> = {},
): { stdout: string; stderr: string; code: number } {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...extraEnv,
    ANSIBLE_STDOUT_CALLBACK: 'default',
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    ANSIBLE_HOST_KEY_CHECKING: '0',
    ...(color ? { ANSIBLE_FORCE_COLOR: '1' } : { ANSIBLE_NOCOLOR: '1' }),
  };
  try {
    const stdout = execFileSync('ansible-playbook', [...extraArgs, '-f', '1', ...target], {
      env,
      cwd: here,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { stdout, stderr: '', code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; status: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.status };
  }
}

/** The results Ansible printed after `fatal: [host]: FAILED! => `, in order. */
function fatalResults(stdout: string): TaskResult[] {
  return stdout
    .split('\n')
    .map((line) => line.replace(/\x1b\[[0-9;]*m/g, ''))
    .filter((line) => line.startsWith('fatal: '))
    .map((line) => ({ ...JSON.parse(line.slice(line.indexOf(' => ') + 4)), failed: true }) as TaskResult);
}

const ok: TaskResult = { changed: false, failed: false };
const changed: TaskResult = { changed: true, failed: false };
const skipped: TaskResult = { changed: false, failed: false, skipped: true, skip_reason: 'Conditional result was False' };

function stats(s: Partial<HostStats>): HostStats {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0, ...s };
}

/** What our executor emits for the fixture playbook, results as Ansible reported them. */
function equivalentEvents(fatal: TaskResult[]): RunEvent[] {
  const [ignoredLocal, ignoredH2, failH2] = fatal;
  const r = (host: string, task: string, status: RunEvent & { type: 'host_result' } extends never ? never : 'ok' | 'changed' | 'skipped' | 'failed', result: TaskResult, extra: object = {}): RunEvent => ({
    type: 'host_result',
    host,
    task,
    status,
    result,
    ...extra,
  });
  const task = (name: string, kind: 'task' | 'handler' = 'task'): RunEvent => ({ type: 'task_start', name, kind });
  const loopResult = (items: TaskResult[]): TaskResult => ({ changed: items.some((i) => i.changed), failed: false, results: items });
  return [
    { type: 'playbook_start', file: playbook, check: false, diff: false },
    { type: 'play_start', name: 'compat play', hosts: ['localhost', 'h2'], pattern: 'all' },
    task('an ok task'),
    r('localhost', 'an ok task', 'ok', ok),
    r('h2', 'an ok task', 'ok', ok),
    task('a changed task'),
    r('localhost', 'a changed task', 'changed', changed),
    r('h2', 'a changed task', 'changed', changed),
    task('a skipped task'),
    r('localhost', 'a skipped task', 'skipped', skipped),
    r('h2', 'a skipped task', 'skipped', skipped),
    task('a failing task that is ignored'),
    r('localhost', 'a failing task that is ignored', 'failed', ignoredLocal!, { ignored: true }),
    r('h2', 'a failing task that is ignored', 'failed', ignoredH2!, { ignored: true }),
    task('a loop'),
    r('localhost', 'a loop', 'ok', ok, { item: 'a' }),
    r('localhost', 'a loop', 'changed', changed, { item: 'b' }),
    r('localhost', 'a loop', 'changed', loopResult([ok, changed])),
    r('h2', 'a loop', 'ok', ok, { item: 'a' }),
    r('h2', 'a loop', 'changed', changed, { item: 'b' }),
    r('h2', 'a loop', 'changed', loopResult([ok, changed])),
    task('a skipped loop'),
    r('localhost', 'a skipped loop', 'skipped', skipped, { item: 'a' }),
    r('localhost', 'a skipped loop', 'skipped', skipped, { item: 'b' }),
    r('localhost', 'a skipped loop', 'skipped', { ...skipped, results: [skipped, skipped] }),
    r('h2', 'a skipped loop', 'skipped', skipped, { item: 'a' }),
    r('h2', 'a skipped loop', 'skipped', skipped, { item: 'b' }),
    r('h2', 'a skipped loop', 'skipped', { ...skipped, results: [skipped, skipped] }),
    task('delegated'),
    r('localhost', 'delegated', 'ok', ok, { delegatedTo: 'localhost' }),
    r('h2', 'delegated', 'ok', ok, { delegatedTo: 'localhost' }),
    task('fail on h2'),
    r('localhost', 'fail on h2', 'skipped', skipped),
    r('h2', 'fail on h2', 'failed', failH2!),
    task('after the failure'),
    r('localhost', 'after the failure', 'ok', ok),
    task('a handler', 'handler'),
    r('localhost', 'a handler', 'changed', changed),
    { type: 'play_start', name: 'nobody', hosts: [], pattern: 'nomatch' },
    { type: 'play_no_hosts', name: 'nobody' },
    {
      type: 'recap',
      stats: {
        localhost: stats({ ok: 7, changed: 4, skipped: 3, ignored: 1 }),
        h2: stats({ ok: 5, changed: 3, failed: 1, skipped: 2, ignored: 1 }),
      },
    },
  ];
}

/** The results Ansible printed with -v after each host line's ` => `, in order. */
function verboseResults(stdout: string): TaskResult[] {
  return stdout
    .split('\n')
    .filter((line) => /^(ok|changed|skipping|fatal|failed): /.test(line) && line.includes(' => {'))
    .map((line) => JSON.parse(line.slice(line.indexOf(' => {') + 4)) as TaskResult);
}

/** Our events with each printed result replaced by the one Ansible printed for that line. */
function withResults(events: RunEvent[], results: TaskResult[]): RunEvent[] {
  let next = 0;
  return events.map((e) => {
    if (e.type !== 'host_result') return e;
    const loopAggregate = e.item === undefined && Array.isArray(e.result.results);
    if (loopAggregate && e.status !== 'skipped') return e;
    const shown = results[next++]!;
    return { ...e, result: { ...shown, failed: e.status === 'failed', ...(e.status === 'skipped' ? { skipped: true } : {}) } };
  });
}

function render(events: RunEvent[], color: boolean, verbosity = 0, display: { displayOkHosts?: boolean; displaySkippedHosts?: boolean } = {}): string {
  let stdout = '';
  const reporter = new TextReporter({
    ...display,
    verbosity,
    style: createStyle(color ? 1 : 0),
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: () => undefined },
  });
  for (const e of events) reporter.emit(e);
  return stdout;
}

describe('text output against ansible-playbook 2.14', () => {
  const plain = runAnsible(false);
  const colored = runAnsible(true);

  it('ansible-playbook ran the fixture (failed host → exit 2)', () => {
    expect(plain.stdout).toContain('PLAY RECAP');
    expect(plain.code).toBe(2);
  });

  it('prints the same lines, byte for byte, without colors', () => {
    const ours = render(equivalentEvents(fatalResults(plain.stdout)), false);
    expect(ours.split('\n')).toEqual(plain.stdout.split('\n'));
  });

  it('colors every piece of text like Ansible does', () => {
    const ours = render(equivalentEvents(fatalResults(colored.stdout)), true);
    const theirs = colored.stdout;
    const byLine = (s: string): Segment[][] => s.split('\n').map(parseSgr);
    expect(byLine(ours)).toEqual(byLine(theirs));
  });

  it('colors the recap like Ansible: host by outcome, non-zero counters by kind', () => {
    const recap = (s: string): Segment[][] =>
      s.split('\n').slice(s.split('\n').findIndex((l) => l.startsWith('PLAY RECAP'))).map(parseSgr);
    const ours = recap(render(equivalentEvents(fatalResults(colored.stdout)), true));
    const theirs = recap(colored.stdout);
    expect(ours).toEqual(theirs);
    // The failed host is red, its failed=1 red, ignored=1 bright purple; zero counters plain.
    const h2 = theirs.find((line) => line[0]?.text === 'h2')!;
    expect(h2[0]).toEqual({ text: 'h2', fg: 31, bold: false });
    expect(h2.find((s) => s.text.startsWith('failed='))).toEqual({ text: 'failed=1   ', fg: 31, bold: false });
    expect(h2.find((s) => s.text.startsWith('ignored='))).toEqual({ text: 'ignored=1   ', fg: 35, bold: true });
  });

  it('-v: each result as JSON after the line, the way Ansible lays it out', () => {
    const verbose = runAnsible(false, ['-v']);
    // Ansible starts with a line about its config file, which we have none of.
    const theirs = verbose.stdout.split('\n').slice(1);
    const events = withResults(equivalentEvents(fatalResults(plain.stdout)), verboseResults(verbose.stdout));
    expect(render(events, false, 1).split('\n')).toEqual(theirs);
  });

  it('gives the exit code ansible-playbook gave', () => {
    const recap = equivalentEvents([]).find((e) => e.type === 'recap') as Extract<RunEvent, { type: 'recap' }>;
    expect(exitCodeForRun({ stats: recap.stats })).toBe(plain.code);
  });
});

describe('display_skipped_hosts and display_ok_hosts against ansible-playbook 2.14', () => {
  type Display = { displayOkHosts?: boolean; displaySkippedHosts?: boolean };
  const bothHidden: Record<string, string> = { ANSIBLE_DISPLAY_SKIPPED_HOSTS: '0', ANSIBLE_DISPLAY_OK_HOSTS: 'off' };
  // Each combination that hides something, as the environment sets it (ansible.cfg's keys are
  // read into the same options: test/compat/ansible-cfg.test.ts, test/e2e/output-display.test.ts).
  const cases: { env: Record<string, string>; display: Display }[] = [
    { env: { ANSIBLE_DISPLAY_SKIPPED_HOSTS: 'false' }, display: { displaySkippedHosts: false } },
    { env: { ANSIBLE_DISPLAY_OK_HOSTS: 'no' }, display: { displayOkHosts: false } },
    { env: bothHidden, display: { displaySkippedHosts: false, displayOkHosts: false } },
  ];
  const shownByDefault = runAnsible(false).stdout.split('\n').length;
  const plain = new Map<Record<string, string>, string>();

  for (const { env, display } of cases) {
    const name = Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ');
    it(`${name}: the same lines, banners only over a printed line, the same recap`, () => {
      const theirs = runAnsible(false, [], undefined, env);
      plain.set(env, theirs.stdout);
      expect(theirs.code).toBe(2);
      const lines = theirs.stdout.split('\n');
      // Something is hidden (fewer lines than with both shown); the recap still counts it.
      expect(lines.length).toBeLessThan(shownByDefault);
      if (display.displaySkippedHosts === false) expect(theirs.stdout).not.toContain('skipping: [');
      if (display.displayOkHosts === false) expect(theirs.stdout).not.toContain('ok: [');
      expect(render(equivalentEvents(fatalResults(theirs.stdout)), false, 0, display).split('\n')).toEqual(lines);
    });
  }

  it('both hidden, with colors and with -v: the same colored pieces, the same results', () => {
    const display = { displaySkippedHosts: false, displayOkHosts: false };
    const colored = runAnsible(true, [], undefined, bothHidden);
    const byLine = (s: string): Segment[][] => s.split('\n').map(parseSgr);
    expect(byLine(render(equivalentEvents(fatalResults(colored.stdout)), true, 0, display))).toEqual(byLine(colored.stdout));

    const verbose = runAnsible(false, ['-v'], undefined, bothHidden);
    const theirs = verbose.stdout.split('\n').slice(1); // its "No config file found" line
    // The results of the lines Ansible printed, in order; hidden ones keep their placeholder.
    const results = verboseResults(verbose.stdout);
    let next = 0;
    const events = equivalentEvents(fatalResults(plain.get(bothHidden) ?? runAnsible(false, [], undefined, bothHidden).stdout)).map((e): RunEvent => {
      if (e.type !== 'host_result' || e.status === 'ok' || e.status === 'skipped') return e;
      if (e.item === undefined && Array.isArray(e.result.results)) return e; // a loop's own result prints no line
      return { ...e, result: { ...results[next++]!, failed: e.status === 'failed' } };
    });
    expect(next).toBe(results.length);
    expect(render(events, false, 1, display).split('\n')).toEqual(theirs);
  });
});

describe('unreachable and rescued hosts against ansible-playbook 2.14', () => {
  const plain = runAnsible(false, [], ['-i', edgeInventory, edgePlaybook]);
  const colored = runAnsible(true, [], ['-i', edgeInventory, edgePlaybook]);

  /** The results Ansible printed after `FAILED! => ` and `UNREACHABLE! => `, in order. */
  const printed = (stdout: string): TaskResult[] =>
    stdout
      .split('\n')
      .map((line) => line.replace(/\x1b\[[0-9;]*m/g, ''))
      .filter((line) => line.startsWith('fatal: '))
      .map((line) => JSON.parse(line.slice(line.indexOf(' => ') + 4)) as TaskResult);

  function events(stdout: string): RunEvent[] {
    const [failed, unreachable] = printed(stdout);
    return [
      { type: 'playbook_start', file: edgePlaybook, check: false, diff: false },
      { type: 'play_start', name: 'edge cases', hosts: ['good', 'down'], pattern: 'all' },
      { type: 'task_start', name: 'fails', kind: 'task' },
      { type: 'host_result', host: 'good', task: 'fails', status: 'failed', result: { ...failed!, failed: true } },
      { type: 'host_result', host: 'down', task: 'fails', status: 'unreachable', result: unreachable! },
      { type: 'task_start', name: 'rescue', kind: 'task' },
      { type: 'host_result', host: 'good', task: 'rescue', status: 'ok', result: ok },
      { type: 'recap', stats: { good: stats({ ok: 1, rescued: 1 }), down: stats({ ok: 0, unreachable: 1 }) } },
    ];
  }

  it('ansible-playbook exits 4 and we say the same from the recap', () => {
    expect(plain.code).toBe(4);
    const recap = events(plain.stdout).find((e) => e.type === 'recap') as Extract<RunEvent, { type: 'recap' }>;
    expect(exitCodeForRun({ stats: recap.stats })).toBe(4);
  });

  it('same lines without colors', () => {
    expect(render(events(plain.stdout), false).split('\n')).toEqual(plain.stdout.split('\n'));
  });

  it('same colors: UNREACHABLE bright red, unreachable=1 bright red, rescued=1 green, rescued host green', () => {
    const byLine = (s: string): Segment[][] => s.split('\n').map(parseSgr);
    const theirs = byLine(colored.stdout);
    expect(byLine(render(events(colored.stdout), true))).toEqual(theirs);
    const down = theirs.find((line) => line[0]?.text === 'down')!;
    expect(down.find((seg) => seg.text.startsWith('unreachable='))).toEqual({ text: 'unreachable=1   ', fg: 31, bold: true });
    const good = theirs.find((line) => line[0]?.text === 'good')!;
    expect(good[0]).toEqual({ text: 'good', fg: 32, bold: false });
    expect(good.find((seg) => seg.text.startsWith('rescued='))).toEqual({ text: 'rescued=1   ', fg: 32, bold: false });
  });
});
