import { describe, expect, it } from 'vitest';
import { chooseReporter, isCI, reporterKind } from '../../../runner/report/choose.js';
import { JsonReporter } from '../../../runner/report/json.js';
import { ProgressReporter } from '../../../runner/report/progress.js';
import { TextReporter } from '../../../runner/report/text.js';

describe('which reporter', () => {
  it('--json always wins', () => {
    expect(reporterKind(true, true, {})).toBe('json');
    expect(reporterKind(true, false, { CI: 'true' })).toBe('json');
  });

  it('the live view on a terminal outside CI, plain lines otherwise', () => {
    expect(reporterKind(false, true, {})).toBe('progress');
    expect(reporterKind(false, false, {})).toBe('text');
    expect(reporterKind(false, true, { CI: 'true' })).toBe('text');
    expect(reporterKind(false, true, { CI: 'false' })).toBe('progress');
    expect(reporterKind(false, true, { TERM: 'dumb' })).toBe('text');
  });

  it('CI detection', () => {
    expect(isCI({ CI: 'true' })).toBe(true);
    expect(isCI({ CI: '1' })).toBe(true);
    expect(isCI({ CI: '0' })).toBe(false);
    expect(isCI({ CI: '' })).toBe(false);
    expect(isCI({})).toBe(false);
  });

  it('builds the matching class', () => {
    const stream = (tty: boolean) => ({ write: () => true, isTTY: tty, columns: 100 }) as unknown as NodeJS.WriteStream;
    const io = (tty: boolean, env: NodeJS.ProcessEnv = {}) => ({ stdout: stream(tty), stderr: stream(tty), env });
    expect(chooseReporter({ json: true, verbosity: 0 }, io(true))).toBeInstanceOf(JsonReporter);
    expect(chooseReporter({ json: false, verbosity: 0 }, io(true))).toBeInstanceOf(ProgressReporter);
    expect(chooseReporter({ json: false, verbosity: 0 }, io(false))).toBeInstanceOf(TextReporter);
  });

  it('plain lines are colored only when forced, and banners follow the terminal width', () => {
    let out = '';
    const stdout = { write: (s: string) => ((out += s), true), isTTY: false } as unknown as NodeJS.WriteStream;
    const r = chooseReporter({ json: false, verbosity: 0 }, { stdout, stderr: stdout, env: { FORCE_COLOR: '1' } });
    r.emit({ type: 'task_start', name: 't', kind: 'task' });
    r.emit({ type: 'host_result', host: 'h', task: 't', status: 'changed', result: { changed: true, failed: false } });
    expect(out).toContain('\x1b[33mchanged: [h]\x1b[39m');
  });
});
