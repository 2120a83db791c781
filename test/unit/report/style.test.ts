import { describe, expect, it } from 'vitest';
import { colorLevel, createStyle } from '../../../runner/report/style.js';

describe('colors on or off', () => {
  it('off when not a terminal, on a terminal', () => {
    expect(colorLevel({ TERM: 'xterm' }, false)).toBe(0);
    expect(colorLevel({ TERM: 'xterm' }, true)).toBeGreaterThan(0);
  });

  it('NO_COLOR (non-empty) turns them off on a terminal; an empty NO_COLOR does not', () => {
    expect(colorLevel({ TERM: 'xterm', NO_COLOR: '1' }, true)).toBe(0);
    expect(colorLevel({ TERM: 'xterm', NO_COLOR: '' }, true)).toBeGreaterThan(0);
  });

  it('FORCE_COLOR turns them on in a pipe and wins over NO_COLOR; FORCE_COLOR=0 turns them off', () => {
    expect(colorLevel({ FORCE_COLOR: '1' }, false)).toBe(1);
    expect(colorLevel({ FORCE_COLOR: '', NO_COLOR: '1' }, false)).toBe(1);
    expect(colorLevel({ FORCE_COLOR: '3' }, false)).toBe(3);
    expect(colorLevel({ FORCE_COLOR: '0' }, true)).toBe(0);
    expect(colorLevel({ FORCE_COLOR: 'false' }, true)).toBe(0);
  });

  it('TERM=dumb has no colors', () => {
    expect(colorLevel({ TERM: 'dumb' }, true)).toBe(0);
  });

  it('a style at level 0 writes no escape codes', () => {
    expect(createStyle(0).paint('error', 'x')).toBe('x');
    expect(createStyle(1).paint('error', 'x')).toBe('\x1b[31mx\x1b[39m');
  });
});
