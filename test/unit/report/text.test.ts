import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../runner/events.js';
import { Masker } from '../../../runner/mask.js';
import type { TaskResult } from '../../../runner/module.types.js';
import { banner, bannerColumns } from '../../../runner/report/banner.js';
import { pyJsonDumps } from '../../../runner/report/pyjson.js';
import { TextReporter, formatFatalError, wrap } from '../../../runner/report/text.js';

function render(events: RunEvent[], verbosity = 0, masker?: Masker): { out: string; err: string } {
  let out = '';
  let err = '';
  const r = new TextReporter({
    verbosity,
    ...(masker ? { masker } : {}),
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
  });
  for (const e of events) r.emit(e);
  return { out, err };
}

const ok: TaskResult = { changed: false, failed: false };
const task = (name: string, kind: 'task' | 'handler' | 'setup' = 'task', location?: string): RunEvent => ({
  type: 'task_start',
  name,
  kind,
  ...(location ? { location } : {}),
});
const result = (host: string, t: string, status: 'ok' | 'changed' | 'skipped' | 'failed' | 'unreachable', r: TaskResult, extra: object = {}): RunEvent => ({
  type: 'host_result',
  host,
  task: t,
  status,
  result: r,
  ...extra,
});
const stars = (title: string): string => '*'.repeat(79 - title.length);

describe('banners', () => {
  it('fill to 79 columns + the space, at least 3 stars; wider terminals get wider banners', () => {
    expect(banner('PLAY [x]')).toBe(`PLAY [x] ${'*'.repeat(71)}`);
    expect(banner('TASK [' + 'n'.repeat(100) + ']').endsWith('] ***')).toBe(true);
    expect(bannerColumns(undefined)).toBe(79);
    expect(bannerColumns(60)).toBe(79);
    expect(bannerColumns(120)).toBe(119);
    expect(banner('PLAY', 119)).toBe(`PLAY ${'*'.repeat(115)}`);
  });

  it('an unnamed play is just PLAY; handlers say RUNNING HANDLER', () => {
    const { out } = render([{ type: 'play_start', name: '', hosts: [], pattern: 'all' }, task('restart', 'handler')]);
    expect(out).toBe(`\nPLAY ${stars('PLAY')}\n\nRUNNING HANDLER [restart] ${stars('RUNNING HANDLER [restart]')}\n`);
  });

  it('-vv shows PLAYBOOK: file and the task path', () => {
    const { out } = render([{ type: 'playbook_start', file: '/x/site.ts', check: false, diff: false }, task('t', 'task', 'site.ts:12')], 2);
    expect(out).toBe(`\nPLAYBOOK: site.ts ${stars('PLAYBOOK: site.ts')}\n\nTASK [t] ${stars('TASK [t]')}\ntask path: site.ts:12\n`);
    expect(render([{ type: 'playbook_start', file: '/x/site.ts', check: false, diff: false }, task('t', 'task', 'site.ts:12')], 1).out).toBe(
      `\nTASK [t] ${stars('TASK [t]')}\n`,
    );
  });

  it('a result for another task than the last banner repeats its banner (free strategy)', () => {
    const { out } = render([task('a'), task('b'), result('h1', 'a', 'ok', ok), result('h2', 'b', 'ok', ok)]);
    expect(out.split('\n').filter((l) => l.startsWith('TASK') || l.startsWith('ok'))).toEqual([
      `TASK [a] ${stars('TASK [a]')}`,
      `TASK [b] ${stars('TASK [b]')}`,
      `TASK [a] ${stars('TASK [a]')}`,
      'ok: [h1]',
      `TASK [b] ${stars('TASK [b]')}`,
      'ok: [h2]',
    ]);
  });
});

describe('host lines', () => {
  const lines = (events: RunEvent[], verbosity = 0): string[] =>
    render([task('t'), ...events], verbosity).out.split('\n').slice(2).filter(Boolean);

  it('delegation shows [host -> delegate], not when delegating to itself', () => {
    expect(lines([result('web1', 't', 'changed', { changed: true, failed: false }, { delegatedTo: 'lb' }), result('lb', 't', 'ok', ok, { delegatedTo: 'lb' })])).toEqual([
      'changed: [web1 -> lb]',
      'ok: [lb]',
    ]);
  });

  it('unreachable: fatal ... UNREACHABLE! with the result; ...ignoring when ignored', () => {
    expect(lines([result('h', 't', 'unreachable', { changed: false, failed: false, unreachable: true, msg: 'timed out' }, { ignored: true })])).toEqual([
      'fatal: [h]: UNREACHABLE! => {"changed": false, "msg": "timed out", "unreachable": true}',
      '...ignoring',
    ]);
  });

  it('a failed loop item: failed: [h] (item=x) => {...}; the loop result adds only ...ignoring', () => {
    expect(
      lines([
        result('h', 't', 'failed', { changed: false, failed: true, msg: 'no', item: 'x' }, { item: 'x' }),
        result('h', 't', 'failed', { changed: false, failed: true, msg: 'One or more items failed', results: [] }, { ignored: true }),
      ]),
    ).toEqual(['failed: [h] (item=x) => {"changed": false, "item": "x", "msg": "no"}', '...ignoring']);
  });

  it('check mode that cannot predict says (would run)', () => {
    expect(lines([result('h', 't', 'changed', { changed: true, failed: false }, { wouldRun: true })])).toEqual(['changed: [h] (would run)']);
  });

  it('-v appends the result as JSON (no failed/skipped/diff/_ansible_ keys), -vvv indents it', () => {
    const r: TaskResult = { changed: true, failed: false, rc: 0, stdout: 'hi', diff: [{ before: 'a', after: 'b' }], _ansible_no_log: false };
    expect(lines([result('h', 't', 'changed', r)], 1)).toEqual(['changed: [h] => {"changed": true, "rc": 0, "stdout": "hi"}']);
    expect(lines([result('h', 't', 'changed', r)], 3).join('\n')).toBe(
      'changed: [h] => {\n    "changed": true,\n    "diff": [\n        {\n            "after": "b",\n            "before": "a"\n        }\n    ],\n    "rc": 0,\n    "stdout": "hi"\n}',
    );
  });

  it('a skipped item line keeps its trailing space; -v adds the result after it', () => {
    const skipped: TaskResult = { changed: false, failed: false, skipped: true, skip_reason: 'Conditional result was False' };
    expect(lines([result('h', 't', 'skipped', skipped, { item: 'a' })])).toEqual(['skipping: [h] => (item=a) ']);
    expect(lines([result('h', 't', 'skipped', skipped, { item: 'a' })], 1)).toEqual([
      'skipping: [h] => (item=a)  => {"changed": false, "skip_reason": "Conditional result was False"}',
    ]);
  });

  it('result warnings go to stderr as [WARNING] before the line, once each', () => {
    const { out, err } = render([task('t'), result('h', 't', 'ok', { ...ok, warnings: ['be careful'] }), result('h2', 't', 'ok', { ...ok, warnings: ['be careful'] })], 1);
    expect(err).toBe('[WARNING]: be careful\n');
    expect(out).toContain('ok: [h] => {"changed": false}\n');
  });

  it('diffs print before the changed line, only for changes', () => {
    const diffs = [{ before: 'a\n', after: 'b\n', before_header: 'f', after_header: 'f' }];
    const { out } = render([task('t'), result('h', 't', 'changed', { changed: true, failed: false }, { diffs }), result('h2', 't', 'ok', ok, { diffs })]);
    expect(out.split('\n').slice(2).join('\n')).toBe('--- before: f\n+++ after: f\n@@ -1 +1 @@\n-a\n+b\n\nchanged: [h]\nok: [h2]\n');
  });
});

describe('one task, several resources', () => {
  it('prints one diff per resource, each under its own header, in the plan order', () => {
    const diffs = [
      { before: 'state: absent\n', after: 'state: running\n', before_header: 'pod web', after_header: 'pod web' },
      { before: 'image: a:1\n', after: 'image: a:2\n', before_header: 'container web-app', after_header: 'container web-app' },
      { before: '', after: 'x\n', before_header: 'container web-proxy', after_header: 'container web-proxy' },
    ];
    const { out } = render([task('t'), result('h', 't', 'changed', { changed: true, failed: false }, { diffs })]);
    expect(out.split('\n').slice(2).join('\n')).toBe(
      [
        '--- before: pod web', '+++ after: pod web', '@@ -1 +1 @@', '-state: absent', '+state: running', '',
        '--- before: container web-app', '+++ after: container web-app', '@@ -1 +1 @@', '-image: a:1', '+image: a:2', '',
        '--- before: container web-proxy', '+++ after: container web-proxy', '@@ -0,0 +1 @@', '+x', '',
        'changed: [h]', '',
      ].join('\n'),
    );
  });
});

describe('other events', () => {
  it('play_no_hosts after its play_start adds only the skipping line', () => {
    const { out } = render([{ type: 'play_start', name: 'p', hosts: [], pattern: 'x' }, { type: 'play_no_hosts', name: 'p' }]);
    expect(out).toBe(`\nPLAY [p] ${stars('PLAY [p]')}\nskipping: no hosts matched\n`);
    expect(render([{ type: 'play_no_hosts', name: 'p' }]).out).toBe(`\nPLAY [p] ${stars('PLAY [p]')}\nskipping: no hosts matched\n`);
  });

  it('warnings wrap at 79 columns like textwrap', () => {
    const { err } = render([{ type: 'warning', message: 'word '.repeat(30).trim() }]);
    expect(err.split('\n').every((l) => l.length <= 79)).toBe(true);
    expect(err.startsWith('[WARNING]: word word')).toBe(true);
    expect(wrap('a b c', 3)).toEqual(['a b', 'c']);
    expect(wrap('abcdefg', 3)).toEqual(['abc', 'def', 'g']);
  });

  it('verbose lines show up to the -v count, <host> prefixed', () => {
    const events: RunEvent[] = [
      { type: 'verbose', level: 1, message: 'one' },
      { type: 'verbose', level: 3, host: 'h', message: 'ESTABLISH SSH CONNECTION' },
    ];
    expect(render(events, 1).out).toBe('one\n');
    expect(render(events, 3).out).toBe('one\n<h> ESTABLISH SSH CONNECTION\n');
  });

  it('play_abort says NO MORE HOSTS LEFT; interrupted prints the error line on stderr', () => {
    const { out, err } = render([{ type: 'play_abort', reason: 'any_errors_fatal' }, { type: 'interrupted' }]);
    expect(out).toBe(`\nNO MORE HOSTS LEFT ${stars('NO MORE HOSTS LEFT')}\n`);
    expect(err).toBe(' [ERROR]: User interrupted execution\n');
  });

  it('recap: banner, one line per host, then an empty line', () => {
    const { out } = render([{ type: 'recap', stats: { h: { ok: 1, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 } } }]);
    expect(out).toBe(
      `\nPLAY RECAP ${stars('PLAY RECAP')}\nh                          : ok=1    changed=0    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   \n\n`,
    );
  });

  it('fatal errors print as ERROR! msg', () => {
    expect(formatFatalError('the playbook could not be loaded')).toBe('ERROR! the playbook could not be loaded\n');
  });
});

describe("Python's json.dumps layout", () => {
  it('sorted keys, ", " and ": ", non-ASCII kept, nested', () => {
    expect(pyJsonDumps({ b: [1, 'é', null], a: { d: true, c: {} }, e: [] })).toBe('{"a": {"c": {}, "d": true}, "b": [1, "é", null], "e": []}');
  });

  it('indent 4 uses "," line ends', () => {
    expect(pyJsonDumps({ a: [1], b: 'x' }, 4)).toBe('{\n    "a": [\n        1\n    ],\n    "b": "x"\n}');
  });

  it('drops undefined keys and uses toJSON (a Secret prints as the mask)', async () => {
    const { secret } = await import('../../../runner/secret.js');
    expect(pyJsonDumps({ a: undefined, p: secret('pw') })).toBe('{"p": "********"}');
  });
});

describe('display_ok_hosts and display_skipped_hosts', () => {
  const run = (display: { displayOkHosts?: boolean; displaySkippedHosts?: boolean }, events: RunEvent[]) => {
    let out = '';
    let err = '';
    const r = new TextReporter({ verbosity: 0, ...display, stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
    for (const e of events) r.emit(e);
    return { out, err };
  };
  const skipped: TaskResult = { changed: false, failed: false, skipped: true };

  it('hidden ok results print no banner, no line and not their warnings; the banner comes with the first line shown', () => {
    const { out, err } = run({ displayOkHosts: false }, [
      task('quiet'),
      result('a', 'quiet', 'ok', { ...ok, warnings: ['not shown'] }),
      task('loud'),
      result('a', 'loud', 'ok', ok),
      result('b', 'loud', 'changed', { changed: true, failed: false }),
      result('c', 'loud', 'skipped', skipped),
    ]);
    expect(out).toBe(`\nTASK [loud] ${stars('TASK [loud]')}\nchanged: [b]\nskipping: [c]\n`);
    expect(err).toBe('');
  });

  it('hidden skipped results, loop items and a loop\'s own line included; a handler keeps its RUNNING HANDLER banner', () => {
    const { out } = run({ displaySkippedHosts: false }, [
      task('loop'),
      result('a', 'loop', 'skipped', skipped, { item: 'x' }),
      result('a', 'loop', 'skipped', { ...skipped, results: [skipped] }),
      task('h', 'handler'),
      result('a', 'h', 'skipped', skipped),
      result('b', 'h', 'ok', ok),
    ]);
    expect(out).toBe(`\nRUNNING HANDLER [h] ${stars('RUNNING HANDLER [h]')}\nok: [b]\n`);
  });

  it('failures, unreachable hosts and includes always show (an include is an ok that Ansible prints)', () => {
    const { out } = run({ displayOkHosts: false, displaySkippedHosts: false }, [
      task('inc'),
      result('a', 'inc', 'ok', ok, { included: 'web' }),
      task('bad'),
      result('a', 'bad', 'failed', { changed: false, failed: true, msg: 'no' }),
      result('b', 'bad', 'unreachable', { changed: false, failed: false, unreachable: true, msg: 'gone' }),
    ]);
    expect(out).toContain('included: web for a\n');
    expect(out).toContain(`TASK [bad] ${stars('TASK [bad]')}\nfatal: [a]: FAILED! => {"changed": false, "msg": "no"}\nfatal: [b]: UNREACHABLE!`);
  });
});
