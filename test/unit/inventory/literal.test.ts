import { describe, expect, it } from 'vitest';
import { parseIniValue } from '../../../runner/inventory/literal.js';
import { shlexSplit } from '../../../runner/shlex.js';
import { normalizeValue, PyFloat, pyStr, toAnsibleJson } from '../../../runner/inventory/values.js';

describe('INI values (ast.literal_eval, else the text)', () => {
  it('reads Python literals', () => {
    expect(parseIniValue('42')).toBe(42);
    expect(parseIniValue('-7')).toBe(-7);
    expect(parseIniValue('0x1F')).toBe(31);
    expect(parseIniValue('0o17')).toBe(15);
    expect(parseIniValue('1_000')).toBe(1000);
    expect(parseIniValue('True')).toBe(true);
    expect(parseIniValue('None')).toBe(null);
    expect(parseIniValue("[1, 'two']")).toEqual([1, 'two']);
    expect(parseIniValue("{'a': [1, 2]}")).toEqual({ a: [1, 2] });
    expect(parseIniValue("'quoted'")).toBe('quoted');
    expect(parseIniValue('"a" \'b\'')).toBe('ab');
    expect(parseIniValue('5 # comment')).toBe(5);
  });
  it('keeps floats as floats', () => {
    expect(parseIniValue('2.0')).toEqual(new PyFloat(2));
    expect(parseIniValue('1e3')).toEqual(new PyFloat(1000));
  });
  it('keeps everything else as text', () => {
    for (const text of ['yes', 'true', 'hello world', '010', '[1,', '10.0.0.1', '/usr/bin', '', 'a=b']) {
      expect(parseIniValue(text)).toBe(text);
    }
  });
});

describe('shlex.split(comments=True)', () => {
  it('splits on blanks, honours quotes and comments', () => {
    expect(shlexSplit(`h1 a="x y" b='q' c=\\"d # comment`, { comments: true })).toEqual(['h1', 'a=x y', 'b=q', 'c="d']);
    expect(shlexSplit('url=http://x/a#frag', { comments: true })).toEqual(['url=http://x/a']);
  });
  it('fails on an open quote', () => {
    expect(() => shlexSplit('h1 a="x')).toThrow('No closing quotation');
  });
});

describe('printing like Python', () => {
  it('json.dumps(sort_keys=True, indent=4) with floats kept', () => {
    const vars = normalizeValue({ b: new PyFloat(1), a: [new PyFloat(0.5), 2], '10': 'x', '9': null }) as object;
    expect(toAnsibleJson(vars)).toBe('{\n    "10": "x",\n    "9": null,\n    "a": [\n        0.5,\n        2\n    ],\n    "b": 1.0\n}');
    expect(toAnsibleJson({ e: [], o: {} })).toBe('{\n    "e": [],\n    "o": {}\n}');
  });
  it('str() of values for --graph --vars', () => {
    expect(pyStr(true)).toBe('True');
    expect(pyStr('text')).toBe('text');
    expect(pyStr({ k: ["it's", null] })).toBe(`{'k': ["it's", None]}`);
    expect(pyStr(1e16, true)).toBe('1e+16');
    expect(pyStr(0.0001, true)).toBe('0.0001');
    expect(pyStr(0.00001, true)).toBe('1e-05');
  });
});
