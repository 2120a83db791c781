import { describe, expect, it } from 'vitest';
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
    expect(text).toContain('✔ TASK [tolerated]  1/2  ignored=1');
    // After the view: the failure with its banner (ok results are not repeated), then the recap.
    const after = text.slice(text.lastIndexOf('TASK [tolerated]  1/2'));
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
