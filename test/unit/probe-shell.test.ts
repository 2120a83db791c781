/**
 * The probes our modules declare `inBatchShell` (runner/module.types.ts ProbeOptions) keep its
 * rules, checked by running them in a batch's own shell on this machine's files, in dash (/bin/sh
 * on Debian) and in bash started as sh: each gives exactly what it gives alone, with every
 * variable it may read set to garbage first (so it assigns before it reads), and leaves the shell
 * as it found it (directory, options, IFS, traps, umask, positional parameters) for the parts
 * after it.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileProbeScript } from '../../modules/file.js';
import { serviceProbeScript } from '../../modules/service.js';
import { statScript } from '../../modules/stat.js';
import { commandProbeScript } from '../../modules/_lib/command.js';
import { MAX_DIFF_SIZE, targetScript } from '../../modules/_lib/target.js';
import type { ExecResult } from '../../runner/connection/types.js';
import { batchScript, newMarker, splitBatch } from '../../runner/probe-batch.js';

const SHELLS = [
  { name: 'dash', file: '/bin/sh', argv0: 'sh' },
  { name: 'bash as sh', file: '/bin/bash', argv0: 'sh' },
];

interface Got {
  rc: number;
  stdout: string;
  stderr: string;
}

type Result = Pick<ExecResult, 'rc' | 'stdoutBytes' | 'stderr'>;

function run(shell: (typeof SHELLS)[number], script: string): Result {
  const r = spawnSync(shell.file, ['-c', script], { argv0: shell.argv0, cwd: os.tmpdir(), env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' } });
  return { rc: r.status ?? -1, stdoutBytes: r.stdout, stderr: r.stderr.toString('utf8') };
}

const shown = (r: Result | undefined): Got | undefined => r && { rc: r.rc, stdout: r.stdoutBytes.toString('latin1'), stderr: r.stderr };

/** Every name our declared probes use, and a few more, set to values that would mislead a read before an assignment. */
const NAMES = 'p s t r d e f m n z h i a c l g k v o u w x y b pf np sp ns ov st pid _ hw_s hw_s1 hw_ok';
const POISON = NAMES.split(' ')
  .map((n) => `${n}='/poison|1|x  y*'`)
  .join('; ');

/** The shell's own state: what a part may change and later parts would see. */
const STATE = `printf '%s\\n' "$PWD" "$-" "$#" "$*"; printf '%s' "$IFS" | od -An -c; trap; umask; alias 2>/dev/null; echo done`;

// Named now: the cases below are listed when the file is collected.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-probe-shell-'));
beforeAll(() => {
  fs.mkdirSync(path.join(dir, 'conf'));
  fs.writeFileSync(path.join(dir, 'conf', 'a.conf'), 'a=1\n');
  fs.writeFileSync(path.join(dir, 'conf', 'nonl'), 'no final newline');
  fs.writeFileSync(path.join(dir, 'conf', 'big'), Buffer.alloc(MAX_DIFF_SIZE + 10, 'x'));
  fs.writeFileSync(path.join(dir, 'odd name\nwith newline'), 'x\n');
  fs.symlinkSync(path.join(dir, 'conf'), path.join(dir, 'current'));
  fs.symlinkSync('conf/a.conf', path.join(dir, 'a-link'));
  fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'dangling'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The declared probes, as our modules build them, over what the files above cover. */
function declared(): [string, string][] {
  const d = (p: string) => path.join(dir, p);
  return [
    ['file: a directory', fileProbeScript({ path: d('conf'), state: 'directory', mode: '0755' })],
    ['file: a link to make, owner and group by name', fileProbeScript({ path: d('current'), src: d('conf'), state: 'link', owner: 'root', group: 'root' })],
    ['file: a relative link', fileProbeScript({ path: d('a-link'), src: 'conf/a.conf', state: 'link' })],
    ['file: absent under absent parents', fileProbeScript({ path: d('x/y/z'), state: 'directory' })],
    ['file: a dangling link', fileProbeScript({ path: d('dangling'), state: 'file' })],
    ['file: a name with a newline', fileProbeScript({ path: d('odd name\nwith newline'), state: 'file' })],
    ['target: a small file', targetScript({ path: d('conf/a.conf') })],
    ['target: no final newline, the whole content', targetScript({ path: d('conf/nonl'), fullContent: true })],
    ['target: larger than max_diff_size', targetScript({ path: d('conf/big') })],
    ['target: a link followed', targetScript({ path: d('a-link'), followLink: true })],
    ['target: a link not followed', targetScript({ path: d('a-link') })],
    ['target: into a directory, owner and an unknown group', targetScript({ path: d('conf'), intoDir: 'a.conf', owner: 'root', group: 'hw-no-such-group' })],
    ['target: absent in an absent directory', targetScript({ path: d('none/a.conf') })],
    ['service (SysV): a service this machine may not have', serviceProbeScript('cron', 'sysv')],
    ['stat: a file', statScript({ path: d('conf/a.conf') })],
    ['stat: a link, with sha256', statScript({ path: d('a-link'), checksum_algorithm: 'sha256' })],
    ['stat: a link followed, no checksum, no mime', statScript({ path: d('current'), follow: true, get_checksum: false, get_mime: false })],
    ['stat: absent', statScript({ path: d('nowhere') })],
    ['stat: a dangling link followed', statScript({ path: d('dangling'), follow: true })],
    ['command: creates (a glob with a blank) and removes', commandProbeScript({ creates: d('odd name*'), removes: d('conf/*.conf') })!],
    ['command: creates absent', commandProbeScript({ creates: d('none here') })!],
    ['service (SysV): a name nothing has', serviceProbeScript('hw-no-such-service', 'sysv')],
  ];
}

describe.each(SHELLS)('probes declared inBatchShell, in $name', (shell) => {
  it.each(declared().map(([what, script]) => ({ what, script })))('$what: as alone, and the shell left as it was', ({ script }) => {
    const marker = newMarker();
    const parts = [STATE, POISON, script, STATE].map((s) => ({ script: s, inBatchShell: true }));
    const whole = run(shell, batchScript(parts, marker));
    const [before, poisoned, got, after] = splitBatch(whole, marker, parts);
    expect(poisoned?.rc).toBe(0);
    expect(shown(got)).toEqual(shown(run(shell, script)));
    expect(shown(after)).toEqual(shown(before));
    expect(after?.stdout.toString()).toMatch(/done\n$/);
  });
});
