import { describe, expect, it } from 'vitest';
import { compilePy, expandPy, toBytesString } from '../../../modules/_lib/pyregex.js';

describe('Python regexps on byte strings', () => {
  it("$ also matches before a final newline (Python's rule)", () => {
    expect(compilePy('a=1$').regex.test('a=1\n')).toBe(true);
    expect(compilePy('a=1$').regex.test('a=1\r\n')).toBe(false);
    expect(compilePy('a=1$').regex.test('a=1x\n')).toBe(false);
  });
  it('. matches \\r but not \\n', () => {
    expect(compilePy('^a.$').regex.test('a\r\n')).toBe(true);
    expect(compilePy('^a.b').regex.test('a\nb')).toBe(false);
    expect(compilePy('(?s)^a.b').regex.test('a\nb')).toBe(true);
  });
  it('named groups, backreferences and \\A \\Z', () => {
    const m = compilePy('^(?P<k>\\w+)=(?P=k)\\Z').regex.exec('ab=ab');
    expect(m?.groups?.k).toBe('ab');
    expect(compilePy('\\Aab').regex.test('xab')).toBe(false);
  });
  it('character classes keep $ and . literal', () => {
    expect(compilePy('^[$.]+$').regex.test('$.$\n')).toBe(true);
    expect(compilePy('^[]a]$').regex.test(']')).toBe(true);
  });
  it('(?m) and (?i) become flags; (?x) is refused', () => {
    expect(compilePy('(?m)^b$').multiline).toBe(true);
    expect(compilePy('(?i)ABC').regex.test('abc')).toBe(true);
    expect(() => compilePy('(?x) a b')).toThrow(/verbose/);
  });
  it('one byte per . on UTF-8 text (bytes semantics)', () => {
    expect(compilePy('^Zo.$').regex.test(toBytesString('Zoë\n'))).toBe(false);
    expect(compilePy('^Zo..$').regex.test(toBytesString('Zoë\n'))).toBe(true);
  });
  it('expands templates like match.expand', () => {
    const m = compilePy('^(\\w+)=(?P<v>\\d+)(x)?').regex.exec('key=42')!;
    expect(expandPy('\\1 is \\g<v>\\t\\g<2>[\\3]', m)).toBe('key is 42\t42[]');
    expect(() => expandPy('\\g<nope>', m)).toThrow(/unknown group/);
    expect(() => expandPy('\\q', m)).toThrow(/bad escape/);
  });
});
