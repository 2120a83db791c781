import { describe, expect, it } from 'vitest';
import type { HostStats } from '../../../runner/events.js';
import { recapLine, recapLines } from '../../../runner/report/recap.js';
import { createStyle } from '../../../runner/report/style.js';

const zero: HostStats = { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };

describe('PLAY RECAP lines', () => {
  it("pads the host to 26 columns and each counter to 4 digits (Ansible's %-26s and %-4s)", () => {
    expect(recapLine('web1', { ...zero, ok: 12, changed: 3 })).toBe(
      'web1                       : ok=12   changed=3    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   ',
    );
  });

  it('a long host name is not cut, and wide counters push the line', () => {
    const host = 'a-very-long-host-name.example.com';
    expect(recapLine(host, { ...zero, ok: 12345 })).toBe(
      `${host} : ok=12345 changed=0    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   `,
    );
  });

  it('sorts hosts like Python sorted()', () => {
    const stats = { web10: zero, Web2: zero, db1: zero, web2: zero };
    expect(recapLines(stats).map((l) => l.split(' ')[0])).toEqual(['Web2', 'db1', 'web10', 'web2']);
  });

  describe('colors', () => {
    const style = createStyle(1);
    it('host red when failed or unreachable, yellow when changed, green otherwise', () => {
      expect(recapLine('h', { ...zero, failed: 1, changed: 1 }, style).startsWith('\x1b[31mh\x1b[39m')).toBe(true);
      expect(recapLine('h', { ...zero, unreachable: 1 }, style).startsWith('\x1b[31mh\x1b[39m')).toBe(true);
      expect(recapLine('h', { ...zero, changed: 2 }, style).startsWith('\x1b[33mh\x1b[39m')).toBe(true);
      expect(recapLine('h', { ...zero, ok: 2 }, style).startsWith('\x1b[32mh\x1b[39m')).toBe(true);
    });

    it('padding counts visible characters only', () => {
      const line = recapLine('web1', { ...zero, ok: 1 }, style);
      expect(line.replace(/\x1b\[[0-9;]*m/g, '')).toBe(recapLine('web1', { ...zero, ok: 1 }));
    });

    it('non-zero counters colored by kind, zero counters plain', () => {
      const line = recapLine('h', { ok: 1, changed: 1, unreachable: 1, failed: 1, skipped: 1, rescued: 1, ignored: 1 }, style);
      expect(line).toContain('\x1b[32mok=1   \x1b[39m');
      expect(line).toContain('\x1b[33mchanged=1   \x1b[39m');
      expect(line).toContain('\x1b[1m\x1b[31munreachable=1   \x1b[39m\x1b[22m');
      expect(line).toContain('\x1b[31mfailed=1   \x1b[39m');
      expect(line).toContain('\x1b[36mskipped=1   \x1b[39m');
      expect(line).toContain('\x1b[32mrescued=1   \x1b[39m');
      expect(line).toContain('\x1b[1m\x1b[35mignored=1   \x1b[39m\x1b[22m');
      expect(recapLine('h', zero, style)).toContain(' : ok=0    changed=0    unreachable=0 ');
    });
  });
});
