import { describe, expect, it } from 'vitest';
import { formatMode, modeIssue, resolveMode } from '../../../modules/_lib/mode.js';

describe('resolveMode (Ansible semantics)', () => {
  const cases: [string | number, number, boolean, number][] = [
    ['0644', 0o600, false, 0o644],
    ['644', 0o600, false, 0o644],
    ['1777', 0o755, true, 0o1777],
    [0o640, 0o600, false, 0o640],
    ['u=rwx,g=rx,o=', 0o644, false, 0o750],
    ['u+x', 0o644, false, 0o744],
    ['a-w', 0o664, false, 0o444],
    ['+x', 0o644, false, 0o755],
    ['go-rwx', 0o755, true, 0o700],
    ['u=rwX,g=rX,o=rX', 0o600, true, 0o755],
    ['u=rwX,g=rX,o=rX', 0o600, false, 0o644],
    ['g=u', 0o740, false, 0o770],
    ['u+s', 0o755, false, 0o4755],
    ['o+t', 0o777, true, 0o1777],
  ];
  for (const [mode, current, isDir, want] of cases) {
    it(`${String(mode)} on ${current.toString(8)}${isDir ? ' (dir)' : ''} → ${want.toString(8)}`, () => {
      expect(resolveMode(mode, current, isDir)).toBe(want);
    });
  }
  it('formats like Ansible diffs', () => {
    expect(formatMode(0o644)).toBe('0644');
    expect(formatMode(0o1777)).toBe('01777');
  });
  it('rejects bad modes', () => {
    expect(modeIssue('0999')).toMatch(/not a valid mode/);
    expect(modeIssue('u+q')).toMatch(/not a valid mode/);
    expect(modeIssue('0o644')).toMatch(/not a valid mode/);
    expect(modeIssue('u=rw,g=r')).toBeUndefined();
    expect(modeIssue(0o10000)).toBeDefined();
  });
});
