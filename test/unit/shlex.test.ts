/**
 * runner/shlex.ts against the real thing: every string of the corpus goes through Python's
 * shlex.split (python3, run here) and through ours, with comments off and on; the words, or the
 * error message, must be the same.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shlexSplit, ShlexError } from '../../runner/shlex.js';

const CORPUS: string[] = [
  '',
  '   ',
  'a',
  'a b  c',
  ' \tlead and trail\t ',
  'a\nb\r\nc',
  "'single quoted'",
  '"double quoted"',
  `'it''s'`,
  `"a b"c'd e'`,
  "''",
  '""',
  "a '' b",
  'a "" b',
  "x''",
  `"q\\"x"`,
  `"back\\\\slash"`,
  `"dollar \\$HOME"`,
  '"tick \\` here"',
  '"newline \\n stays"',
  "'no \\escape in single'",
  'esc\\ aped',
  '\\"lone',
  "\\'lone",
  '\\\\',
  'a\\\nb',
  '"unclosed',
  "'unclosed",
  'ends with\\',
  '"ends in escape\\',
  'mix"ed"\'quo\'tes',
  'echo $HOME ${X} $(id) `id`',
  'a|b;c&&d>e<f',
  'host ansible_port=22 x="a b"',
  'web[01:10].example.com foo=bar',
  'cmd # comment here',
  'cmd #comment',
  'a#b c',
  '# whole line',
  'one\n# two\nthree',
  '"#not a comment"',
  "'#not either'",
  'x=1 #c\ny=2',
  'tab\there',
  'vt\u000bnot-space',
  'nbsp\u00a0kept',
  'ünïcödé wörds',
  '日本 語',
  '-o ProxyJump=bastion -o "StrictHostKeyChecking no"',
  "-o 'UserKnownHostsFile=/tmp/known hosts' -i ~/.ssh/id",
  '-oControlMaster=auto -oControlPersist=60s',
  'a\\ b\\ c',
  '"a\\\\"b',
  '"\\\\\\""',
  '\\#not-comment',
  "it\\'s",
  '"it\'s"',
  "'say \"hi\"'",
  '   "   "   ',
  'a"b c"d',
];

function python(comments: boolean): ({ words: string[] } | { error: string })[] {
  const script = `
import json, shlex, sys
out = []
for s in json.load(sys.stdin):
    try:
        out.append({"words": shlex.split(s, comments=${comments ? 'True' : 'False'})})
    except ValueError as e:
        out.append({"error": str(e)})
json.dump(out, sys.stdout)
`;
  return JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(CORPUS), encoding: 'utf8' })) as ({ words: string[] } | { error: string })[];
}

function ours(s: string, comments: boolean): { words: string[] } | { error: string } {
  try {
    return { words: shlexSplit(s, { comments }) };
  } catch (e) {
    if (!(e instanceof ShlexError)) throw e;
    return { error: e.message };
  }
}

describe("shlexSplit is Python's shlex.split", () => {
  it('has a corpus of at least 50 strings', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(50);
  });
  for (const comments of [false, true]) {
    it(`agrees on every string (comments=${comments})`, () => {
      const theirs = python(comments);
      const mine = CORPUS.map((s) => ours(s, comments));
      // Compared one by one so a failure names the string.
      for (const [i, s] of CORPUS.entries()) expect(mine[i], JSON.stringify(s)).toEqual(theirs[i]);
    });
  }
  it('the corpus reaches both errors and quoted empty words', () => {
    const theirs = python(false);
    expect(theirs.filter((r) => 'error' in r).map((r) => (r as { error: string }).error).sort()).toEqual(
      expect.arrayContaining(['No closing quotation', 'No escaped character']),
    );
    expect(theirs.some((r) => 'words' in r && r.words.includes(''))).toBe(true);
  });
});
