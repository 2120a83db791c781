/**
 * The content modules' target probe (modules/_lib/target.ts) reads a small file's content with the
 * read builtin instead of `cat`: byte for byte what the file holds, in dash and in bash started as
 * sh (C and UTF-8 locales), and `cat` whenever the builtin could not be exact (NUL bytes, multibyte
 * text counted as characters, larger files). Run with a PATH that has no `cat`, a file the builtin
 * reads must still come back whole; one it cannot must fail there and come back whole with `cat`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTarget, READ_BUILTIN_MAX, targetScript, type TargetProbe } from '../../../modules/_lib/target.js';

const SHELLS = [
  { name: 'dash', file: '/bin/sh', locale: 'C' },
  { name: 'dash', file: '/bin/sh', locale: 'C.UTF-8' },
  { name: 'bash as sh', file: '/bin/bash', locale: 'C' },
  { name: 'bash as sh', file: '/bin/bash', locale: 'C.UTF-8' },
];

const everyByte = Buffer.from([...Array(255).keys()].map((i) => i + 1).filter((b) => b !== 0x0a));
const FILES: Record<string, Buffer> = {
  'every byte but NUL, backslashes, blanks, CR, no final newline': Buffer.concat([
    Buffer.from('\\back\\slash\\\n  lead and trail  \n\t\ttabs\t\n\r\ncr\r\n\n\n%s%d\n-n\n-e\n'),
    everyByte,
    Buffer.from('\n'),
    everyByte.subarray(0, 100).reverse(),
  ]),
  empty: Buffer.alloc(0),
  'one newline': Buffer.from('\n'),
  'a=1': Buffer.from('a=1\n'),
  'no final newline': Buffer.from('x=1\ny=2'),
  [`exactly ${READ_BUILTIN_MAX} bytes`]: Buffer.alloc(READ_BUILTIN_MAX, 'line of text\n'),
  // Needs cat:
  'a NUL byte': Buffer.from('a\0b\n'),
  [`${READ_BUILTIN_MAX + 1} bytes`]: Buffer.alloc(READ_BUILTIN_MAX + 1, 'line of text\n'),
  'UTF-8 text': Buffer.from('héllo wörld\n'),
};
/** Files the builtin cannot read exactly (in that shell and locale): cat prints them. */
const needsCat = (file: string, shell: (typeof SHELLS)[number]) =>
  file === 'a NUL byte' || file === `${READ_BUILTIN_MAX + 1} bytes` || (file === 'UTF-8 text' && shell.file === '/bin/bash' && shell.locale === 'C.UTF-8');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-target-content-'));
const noCat = path.join(dir, 'bin');
beforeAll(() => {
  Object.entries(FILES).forEach(([name, bytes], i) => fs.writeFileSync(path.join(dir, `f${i}`), bytes));
  fs.symlinkSync(path.join(dir, 'f3'), path.join(dir, 'link'));
  // Every tool the probe may run but cat.
  fs.mkdirSync(noCat);
  for (const tool of ['stat', 'readlink', 'sha1sum']) fs.symlinkSync(spawnSync('sh', ['-c', `command -v ${tool}`]).stdout.toString().trim(), path.join(noCat, tool));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function probe(shell: (typeof SHELLS)[number], t: TargetProbe, withCat: boolean) {
  const r = spawnSync(shell.file, ['-c', targetScript(t)], { argv0: 'sh', env: { PATH: withCat ? (process.env.PATH ?? '/usr/bin:/bin') : noCat, LC_ALL: shell.locale } });
  return { rc: r.status, stderr: r.stderr.toString(), content: parseTarget(r.stdout, t).content };
}

describe.each(SHELLS)('the target probe reads content exactly, in $name ($locale)', (shell) => {
  it.each(Object.keys(FILES).map((name, i) => ({ name, i })))('$name', ({ name, i }) => {
    const t = { path: path.join(dir, `f${i}`) };
    const withCat = probe(shell, t, true);
    expect(withCat.rc).toBe(0);
    expect(withCat.content?.toString('hex')).toBe(FILES[name]!.toString('hex'));
    const without = probe(shell, t, false);
    if (needsCat(name, shell)) {
      expect(without.rc).not.toBe(0);
      expect(without.stderr).toMatch(/cat/);
    } else {
      expect(without).toEqual(withCat);
    }
  });

  it('a symlink to a small file, followed or not, and the whole content through a link not followed (cat: its size is not known)', () => {
    const want = FILES['a=1']!.toString('hex');
    expect(probe(shell, { path: path.join(dir, 'link') }, false).content?.toString('hex')).toBe(want);
    expect(probe(shell, { path: path.join(dir, 'link'), followLink: true, fullContent: true }, false).content?.toString('hex')).toBe(want);
    expect(probe(shell, { path: path.join(dir, 'link'), fullContent: true }, false).rc).not.toBe(0);
    expect(probe(shell, { path: path.join(dir, 'link'), fullContent: true }, true).content?.toString('hex')).toBe(want);
  });
});
