import { describe, expect, test } from 'vitest';
import { findDebianMirror } from '../../lab/mirror.js';
import { parseRecords, parseStatStartTime, formatRecord } from '../../lab/processes.js';
import { checkInstanceName, hostName, vethName } from '../../lab/paths.js';

describe('findDebianMirror', () => {
  test('deb822 .sources: the URI serving bookworm main', () => {
    const sources = [
      'Types: deb\n# http://snapshot.debian.org/archive/debian/20250520T000000Z\nURIs: http://deb.debian.org/debian/\nSuites: bookworm bookworm-updates\nComponents: main\n',
      'Types: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\n',
    ].join('\n');
    expect(findDebianMirror([sources])).toBe('http://deb.debian.org/debian');
  });

  test('one-line .list format with options; other suites and deb-src ignored', () => {
    const list = [
      'deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main',
      'deb-src http://src.example/debian bookworm main',
      '# deb http://commented.example/debian bookworm main',
      'deb [arch=amd64 signed-by=/k.gpg] http://ftp.de.debian.org/debian bookworm main contrib',
    ].join('\n');
    expect(findDebianMirror([list])).toBe('http://ftp.de.debian.org/debian');
  });

  test('nothing suitable: undefined (the caller falls back to deb.debian.org)', () => {
    expect(findDebianMirror(['deb http://x.example/debian trixie main'])).toBeUndefined();
  });
});

describe('process records', () => {
  test('start time is field 22 of /proc/PID/stat, even when the name has spaces and parentheses', () => {
    const stat = '1234 (a (weird) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 200';
    expect(parseStatStartTime(stat)).toBe(987654);
    expect(parseStatStartTime(stat.replace(') S ', ') Z '))).toBeUndefined();
  });

  test('records round-trip; junk lines are ignored', () => {
    const text = formatRecord({ pid: 42, startTime: 777, what: 'host lab01' }) + 'garbage\n' + formatRecord({ pid: 43, startTime: 778, what: 'apt-cacher-ng' });
    expect(parseRecords(text)).toEqual([
      { pid: 42, startTime: 777, what: 'host lab01' },
      { pid: 43, startTime: 778, what: 'apt-cacher-ng' },
    ]);
  });
});

describe('names', () => {
  test('instance names fit interface names; host and veth names derive from them', () => {
    expect(() => checkInstanceName('lab')).not.toThrow();
    expect(() => checkInstanceName('e2e')).not.toThrow();
    expect(() => checkInstanceName('toolongname')).toThrow(/not valid/);
    expect(() => checkInstanceName('Lab')).toThrow(/not valid/);
    expect(() => checkInstanceName('2lab')).toThrow(/not valid/);
    expect(hostName('lab', 1)).toBe('lab01');
    expect(hostName('e2e', 120)).toBe('e2e120');
    expect(vethName('abcdefgh', 250).length).toBeLessThanOrEqual(15);
  });
});
