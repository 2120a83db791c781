import { describe, expect, it } from 'vitest';
import { LoadError, OptionsError, UnreachableError, HostKeyError } from '../../../runner/errors.js';
import type { HostStats } from '../../../runner/events.js';
import { EXIT, exitCodeForError, exitCodeForRun } from '../../../runner/report/exit-codes.js';

const s = (over: Partial<HostStats> = {}): HostStats => ({ ok: 1, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0, ...over });

describe('exit code of a run (ansible-playbook rules)', () => {
  it('0 when nothing failed; ignored and rescued failures do not count', () => {
    expect(exitCodeForRun({ stats: { a: s(), b: s({ ignored: 2, rescued: 1, skipped: 3, changed: 1 }) } })).toBe(0);
    expect(exitCodeForRun({ stats: {} })).toBe(0);
  });

  it('2 when a host failed', () => {
    expect(exitCodeForRun({ stats: { a: s(), b: s({ failed: 1 }) } })).toBe(2);
  });

  it('4 when a host was unreachable, even if another failed', () => {
    expect(exitCodeForRun({ stats: { a: s({ unreachable: 1 }) } })).toBe(4);
    expect(exitCodeForRun({ stats: { a: s({ failed: 1 }), b: s({ unreachable: 1 }) } })).toBe(4);
  });

  it('2 when any_errors_fatal / max_fail_percentage broke a play, even with unreachable hosts', () => {
    expect(exitCodeForRun({ stats: { a: s({ unreachable: 1 }) }, failedBreakPlay: true })).toBe(2);
  });

  it('99 when interrupted, whatever the stats', () => {
    expect(exitCodeForRun({ stats: { a: s({ failed: 1 }) }, interrupted: true })).toBe(99);
  });
});

describe('exit code of an error', () => {
  it('options 5, parser 4, connection-level 1, interrupt 99, anything else 250', () => {
    expect(exitCodeForError(new OptionsError('x'))).toBe(EXIT.OPTIONS_ERROR);
    expect(exitCodeForError(new LoadError('x'))).toBe(4);
    expect(exitCodeForError(new UnreachableError('h', 'x'))).toBe(1);
    expect(exitCodeForError(new HostKeyError('h', 'x'))).toBe(1);
    expect(exitCodeForError(Object.assign(new Error('x'), { name: 'AbortError' }))).toBe(99);
    expect(exitCodeForError(new TypeError('x'))).toBe(250);
    expect(exitCodeForError('a string')).toBe(250);
  });
});
