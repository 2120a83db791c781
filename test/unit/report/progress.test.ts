import { describe, expect, it } from 'vitest';
import { Profiler } from '../../../runner/report/profile.js';
import { ProgressReporter } from '../../../runner/report/progress.js';

function sink(): NodeJS.WriteStream & { text: () => string } {
  let text = '';
  return { write: (s: string) => ((text += s), true), isTTY: true, columns: 100, rows: 40, text: () => text } as unknown as NodeJS.WriteStream & {
    text: () => string;
  };
}

describe('live view', () => {
  it('shows a row per task with counts, then the failures in Ansible format, then the recap', async () => {
    const out = sink();
    const err = sink();
    const r = new ProgressReporter({ verbosity: 0, stdout: out, stderr: err });
    r.emit({ type: 'play_start', name: 'web', hosts: ['a', 'b'], pattern: 'all' });
    r.emit({ type: 'task_start', name: 'install', kind: 'task' });
    r.emit({ type: 'host_result', host: 'a', task: 'install', status: 'ok', result: { changed: false, failed: false } });
    r.emit({ type: 'host_result', host: 'b', task: 'install', status: 'changed', result: { changed: true, failed: false } });
    r.emit({ type: 'task_start', name: 'start', kind: 'task' });
    r.emit({ type: 'host_result', host: 'a', task: 'start', status: 'ok', result: { changed: false, failed: false } });
    r.emit({ type: 'host_result', host: 'b', task: 'start', status: 'failed', result: { changed: false, failed: true, msg: 'boom' } });
    r.emit({ type: 'task_start', name: 'tolerated', kind: 'task' });
    r.emit({ type: 'host_result', host: 'a', task: 'tolerated', status: 'failed', ignored: true, result: { changed: false, failed: true } });
    r.emit({ type: 'recap', stats: { a: { ok: 2, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 } } });
    await r.close();
    const text = out.text();
    expect(text).toContain('PLAY [web] · 2 hosts · 3 tasks');
    expect(text).toContain('TASK [install]  2/2  ok=1 changed=1');
    expect(text).toContain('TASK [start]  2/2  ok=1 failed=1');
    // b failed before it: the task is expected on a alone.
    expect(text).toContain('✔ TASK [tolerated]  1/1  ignored=1');
    // After the view: the failure with its banner (ok results are not repeated), then the recap.
    const after = text.slice(text.lastIndexOf('TASK [tolerated]  1/1'));
    expect(after).toContain(`\nTASK [start] ${'*'.repeat(79 - 'TASK [start]'.length)}\nfatal: [b]: FAILED! => {"changed": false, "msg": "boom"}\n`);
    expect(after).not.toContain('ok: [a]');
    expect(after.indexOf('fatal: [b]')).toBeLessThan(after.indexOf('PLAY RECAP'));
    expect(after).toContain('a                          : ok=2 ');
  });

  it('loop items fold into one outcome per host, with or without the loop result event', async () => {
    const out = sink();
    const r = new ProgressReporter({ verbosity: 0, stdout: out, stderr: sink() });
    const item = (host: string, status: 'ok' | 'changed' | 'skipped', label: string) =>
      r.emit({ type: 'host_result', host, task: 'loop', status, item: label, result: { changed: status === 'changed', failed: false } });
    r.emit({ type: 'play_start', name: 'p', hosts: ['a', 'b', 'c'], pattern: 'all' });
    r.emit({ type: 'task_start', name: 'loop', kind: 'task' });
    item('a', 'changed', 'x');
    item('a', 'ok', 'y');
    item('b', 'skipped', 'x');
    item('b', 'ok', 'y');
    item('c', 'skipped', 'x');
    item('c', 'skipped', 'y');
    r.emit({ type: 'host_result', host: 'c', task: 'loop', status: 'skipped', result: { changed: false, failed: false, skipped: true, results: [] } });
    await r.close();
    expect(out.text()).toContain('TASK [loop]  3/3  ok=1 changed=1 skipped=1');
  });

  it('a play that matches no host prints the plain lines, no view', async () => {
    const out = sink();
    const r = new ProgressReporter({ verbosity: 0, stdout: out, stderr: sink() });
    r.emit({ type: 'play_start', name: 'none', hosts: [], pattern: 'x' });
    r.emit({ type: 'play_no_hosts', name: 'none' });
    await r.close();
    expect(out.text()).toBe(`\nPLAY [none] ${'*'.repeat(79 - 'PLAY [none]'.length)}\nskipping: no hosts matched\n`);
  });
});

describe('live view: what it claims', () => {
  const stats = (s: Partial<Record<'ok' | 'changed' | 'failed' | 'unreachable', number>>) => ({
    ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0, ...s,
  });
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('shows a failure with its message while the play still runs, and fails the play row', async () => {
    const out = sink();
    const r = new ProgressReporter({ verbosity: 0, stdout: out, stderr: sink() });
    r.emit({ type: 'play_start', name: 'web', hosts: ['a', 'b'], pattern: 'all' });
    r.emit({ type: 'task_start', name: 'write config', kind: 'task' });
    r.emit({ type: 'host_result', host: 'b', task: 'write config', status: 'failed', result: { changed: false, failed: true, msg: 'no such dir\nmore' } });
    await wait(400);
    const live = out.text();
    expect(live).toContain('b: no such dir');
    expect(live).not.toContain('more');
    expect(live).not.toContain('FAILED!');
    r.emit({ type: 'host_result', host: 'a', task: 'write config', status: 'ok', result: { changed: false, failed: false } });
    r.emit({ type: 'recap', stats: { a: stats({ ok: 1 }), b: stats({ failed: 1 }) } });
    await r.close();
    const text = out.text();
    expect(text).toMatch(/✖ TASK \[write config\] {2}2\/2 {2}ok=1 failed=1/);
    expect(text).toMatch(/✖ PLAY \[web\] · 2 hosts · 1 task · \d+\.\ds/);
    expect(text).toContain('1 host failed: b');
    expect(text).not.toMatch(/✔ PLAY/);
    expect(text).toContain('failed (1): b\n');
    expect(text).toMatch(/Playbook run took 0 days, 0 hours, 0 minutes, \d+ seconds\n$/);
  });

  it('counts a loop by item: a host is not done before its last item', async () => {
    const out = sink();
    const r = new ProgressReporter({ verbosity: 0, stdout: out, stderr: sink() });
    r.emit({ type: 'play_start', name: 'p', hosts: ['a'], pattern: 'all' });
    r.emit({ type: 'task_start', name: 'users', kind: 'task' });
    for (const [index, item] of ['x', 'y'].entries()) {
      r.emit({ type: 'host_result', host: 'a', task: 'users', status: 'changed', item, loop: { index, total: 3 }, result: { changed: true, failed: false } });
    }
    await wait(400);
    expect(out.text()).toContain('TASK [users]  0/1 · item 2/3  changed=1');
    expect(out.text()).not.toContain('1/1');
    r.emit({ type: 'host_result', host: 'a', task: 'users', status: 'ok', item: 'z', loop: { index: 2, total: 3 }, result: { changed: false, failed: false } });
    await wait(400);
    expect(out.text()).toContain('TASK [users]  1/1 · item 3/3  changed=1');
    await r.close();
  });

  it('after Ctrl-C the task that was running is marked stopped, not done, and so is the play', async () => {
    const out = sink();
    const err = sink();
    const r = new ProgressReporter({ verbosity: 0, stdout: out, stderr: err });
    r.emit({ type: 'play_start', name: 'p', hosts: ['a', 'b'], pattern: 'all' });
    r.emit({ type: 'task_start', name: 'first', kind: 'task' });
    r.emit({ type: 'host_result', host: 'a', task: 'first', status: 'ok', result: { changed: false, failed: false } });
    r.emit({ type: 'host_result', host: 'b', task: 'first', status: 'ok', result: { changed: false, failed: false } });
    r.emit({ type: 'task_start', name: 'slow', kind: 'task' });
    r.emit({ type: 'host_result', host: 'a', task: 'slow', status: 'ok', result: { changed: false, failed: false } });
    r.emit({ type: 'interrupted' });
    r.emit({ type: 'recap', stats: { a: stats({ ok: 2 }), b: stats({ ok: 1 }) } });
    await r.close();
    const text = out.text();
    expect(text).toContain('✔ TASK [first]  2/2  ok=2');
    expect(text).toContain('⊘ TASK [slow]  1/2 · interrupted  ok=1');
    expect(text).not.toMatch(/✔ TASK \[slow\]/);
    expect(text).toContain('✖ PLAY [p]');
    expect(text).toContain('interrupted: stopped before the play ended');
    expect(err.text()).toContain('User interrupted execution');
  });

  it('at 50 columns the counts stay whole and the task name gives way', async () => {
    const out = sink();
    (out as { columns: number }).columns = 50;
    const r = new ProgressReporter({ verbosity: 0, stdout: out, stderr: sink() });
    r.emit({ type: 'play_start', name: 'p', hosts: ['a', 'b', 'c', 'd'], pattern: 'all' });
    r.emit({ type: 'task_start', name: 'a task with a rather long name that cannot fit', kind: 'task' });
    const result = (host: string, status: 'ok' | 'changed' | 'failed' | 'skipped') =>
      r.emit({ type: 'host_result', host, task: 'a task with a rather long name that cannot fit', status, result: { changed: status === 'changed', failed: status === 'failed', msg: 'm' } });
    result('a', 'ok');
    result('b', 'changed');
    result('c', 'failed');
    result('d', 'skipped');
    await r.close();
    const rows = out.text().split('\n').filter((l) => l.includes('✖ TASK ['));
    expect(rows.length).toBeGreaterThan(0);
    // The line as listr2 writes it, with its indentation: it must fit the 50 columns.
    const last = rows.at(-1)!;
    expect(last).toMatch(/✖ TASK \[a.*…  4\/4 {2}ok=1 ch=1 fail=1 skip=1$/);
    expect([...last].length).toBeLessThanOrEqual(50);
    expect(out.text()).toContain("total  ok=1 changed=1 failed=1 skipped=1");
  });

  it('prints changed results without a diff and what handlers did once the view ends', async () => {
    const out = sink();
    const r = new ProgressReporter({ verbosity: 0, stdout: out, stderr: sink() });
    r.emit({ type: 'play_start', name: 'p', hosts: ['a', 'b'], pattern: 'all' });
    r.emit({ type: 'task_start', name: 'conf', kind: 'task' });
    r.emit({ type: 'host_result', host: 'a', task: 'conf', status: 'changed', result: { changed: true, failed: false } });
    r.emit({ type: 'host_result', host: 'b', task: 'conf', status: 'ok', result: { changed: false, failed: false } });
    r.emit({ type: 'task_start', name: 'reload', kind: 'handler' });
    r.emit({ type: 'host_result', host: 'a', task: 'reload', status: 'ok', result: { changed: false, failed: false } });
    r.emit({ type: 'recap', stats: { a: stats({ ok: 2, changed: 1 }), b: stats({ ok: 1 }) } });
    await r.close();
    const text = out.text();
    const after = text.slice(text.lastIndexOf('RUNNING HANDLER [reload]  1/2'));
    expect(after).toContain(`\nTASK [conf] ${'*'.repeat(79 - 'TASK [conf]'.length)}\nchanged: [a]\n`);
    expect(after).toContain(`\nRUNNING HANDLER [reload] ${'*'.repeat(79 - 'RUNNING HANDLER [reload]'.length)}\nok: [a]\n`);
    expect(after).not.toContain('ok: [b]');
    expect(after).toContain('changed (1): a\n');
    expect(after).not.toContain('failed (');
    expect(text).toContain('✔ PLAY [p]');
  });
});

describe('live view: the play row', () => {
  it('a long play name gives way to the counts and the time on a narrow terminal', async () => {
    const out = sink();
    (out as { columns: number }).columns = 50;
    const r = new ProgressReporter({ verbosity: 0, stdout: out, stderr: sink() });
    r.emit({ type: 'play_start', name: 'a play whose name is much longer than the terminal', hosts: ['a'], pattern: 'all' });
    r.emit({ type: 'task_start', name: 't', kind: 'task' });
    r.emit({ type: 'host_result', host: 'a', task: 't', status: 'ok', result: { changed: false, failed: false } });
    await r.close();
    const title = out.text().split('\n').find((l) => l.includes('PLAY [a play'))!;
    expect(title).toMatch(/PLAY \[a play[^\]]*… · 1 host · 1 task · \d+\.\ds$/);
    expect([...title].length).toBeLessThanOrEqual(50);
  });
});

describe('live view: --profile', () => {
  it('prints the profile summary after the recap, ending with the run time', async () => {
    const out = sink();
    const r = new ProgressReporter({ verbosity: 0, stdout: out, stderr: sink(), profiler: new Profiler({ columns: 79, verbosity: 0 }) });
    r.emit({ type: 'play_start', name: 'p', hosts: ['a'], pattern: 'all' });
    r.emit({ type: 'task_start', name: 'only', kind: 'task' });
    r.emit({ type: 'host_result', host: 'a', task: 'only', status: 'ok', result: { changed: false, failed: false }, durationMs: 12 });
    r.emit({ type: 'recap', stats: { a: { ok: 1, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 } } });
    await r.close();
    const after = out.text().slice(out.text().indexOf('PLAY RECAP'));
    expect(after).toMatch(/\n={79} \nonly -+ \d+\.\d\ds\nHOST \[a\] -+ 0\.01s\nPlaybook run took 0 days, 0 hours, 0 minutes, 0 seconds\n$/);
    // The per-task time lines are not printed in the view.
    expect(out.text().split('\n').filter((l) => / \(\d+:\d\d:\d\d\.\d{3}\) /.test(l))).toHaveLength(1);
  });
});

describe('live view: task times', () => {
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const ok = { changed: false, failed: false };

  it('a finished row ends with its duration, the running one with its time so far; at 50 columns the time goes before the counts shorten', async () => {
    for (const columns of [100, 50]) {
      const out = sink();
      (out as { columns: number }).columns = columns;
      const r = new ProgressReporter({ verbosity: 0, stdout: out, stderr: sink() });
      r.emit({ type: 'play_start', name: 'p', hosts: ['a', 'b'], pattern: 'all' });
      r.emit({ type: 'task_start', name: 'install the packages', kind: 'task' });
      r.emit({ type: 'host_result', host: 'a', task: 'install the packages', status: 'ok', result: ok });
      await wait(300);
      const running = out.text().split('\n').filter((l) => l.includes('TASK [install')).at(-1)!;
      r.emit({ type: 'host_result', host: 'b', task: 'install the packages', status: 'changed', result: { changed: true, failed: false } });
      r.emit({ type: 'task_start', name: 'next', kind: 'task' });
      r.emit({ type: 'host_result', host: 'a', task: 'next', status: 'ok', result: ok });
      await r.close();
      const finished = out.text().split('\n').filter((l) => l.includes('✔ TASK [install')).at(-1)!;
      if (columns === 100) {
        expect(running).toMatch(/TASK \[install the packages\] {2}1\/2 {2}ok=1 {2}\d+\.\ds$/);
        expect(finished).toMatch(/✔ TASK \[install the packages\] {2}2\/2 {2}ok=1 changed=1 {2}\d+\.\ds$/);
      } else {
        // No room for the time beside the name: the counts keep their full labels.
        expect(finished).toMatch(/✔ TASK \[install the pa.* {2}2\/2 {2}ok=1 changed=1$/);
        expect([...finished].length).toBeLessThanOrEqual(50);
      }
    }
  });

  it('display_ok_hosts = false hides the handlers\' ok lines after the view, not their changes', async () => {
    const out = sink();
    const r = new ProgressReporter({ verbosity: 0, stdout: out, stderr: sink(), displayOkHosts: false });
    r.emit({ type: 'play_start', name: 'p', hosts: ['a', 'b'], pattern: 'all' });
    r.emit({ type: 'task_start', name: 'reload', kind: 'handler' });
    r.emit({ type: 'host_result', host: 'a', task: 'reload', status: 'ok', result: ok });
    r.emit({ type: 'host_result', host: 'b', task: 'reload', status: 'changed', result: { changed: true, failed: false } });
    r.emit({ type: 'recap', stats: {} });
    await r.close();
    const after = out.text().slice(out.text().lastIndexOf('RUNNING HANDLER [reload]  2/2'));
    expect(after).toContain(`\nRUNNING HANDLER [reload] ${'*'.repeat(79 - 'RUNNING HANDLER [reload]'.length)}\nchanged: [b]\n`);
    expect(after).not.toContain('ok: [a]');
  });
});
