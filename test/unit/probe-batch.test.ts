/**
 * Several probes in one command (runner/probe-batch.ts): each part's exit status, stdout and
 * stderr must be exactly what the part gives when run alone as its own `/bin/sh -c` — checked on
 * this machine's /bin/sh (dash on Debian) through a LocalConnection, with adversarial parts:
 * binary output, output without a final newline, text that looks like a frame, non-zero exits,
 * `exit`, a syntax error, a part that changes directory or options, one that reads the batch's
 * command line, one that kills its shell. Parts declared `inBatchShell` run in the batch's own
 * shell, after the others: the same, and no process more than their own commands.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalConnection } from '../../runner/connection/local.js';
import type { ExecResult } from '../../runner/connection/types.js';
import { answerBatch, batchScript, HW_STAT_FALLBACK, newMarker, splitBatch, type BatchMarker, type BatchPart } from '../../runner/probe-batch.js';
import { quote } from '../../runner/shell.js';

const local = new LocalConnection('local');

const same = (r: ExecResult | undefined) => r && { rc: r.rc, stdout: r.stdoutBytes.toString('hex'), stderr: r.stderr };

async function batched(scripts: string[], marker: BatchMarker = newMarker()) {
  const whole = await local.exec(batchScript(scripts.map((script) => ({ script, label: 'a task' })), marker));
  return splitBatch(whole, marker, scripts.length);
}

/** A batch of parts, those given as `{ shell: script }` declared inBatchShell. */
async function mixed(scripts: (string | { shell: string })[], marker: BatchMarker = newMarker()) {
  const parts = scripts.map((s) => (typeof s === 'string' ? { script: s } : { script: s.shell, inBatchShell: true }));
  const whole = await local.exec(batchScript(parts, marker));
  return splitBatch(whole, marker, parts);
}

async function alone(scripts: string[]) {
  const out: ExecResult[] = [];
  for (const s of scripts) out.push(await local.exec(s));
  return out;
}

describe('a batch of probes', () => {
  it('gives each part exactly what it gives alone', async () => {
    const scripts = [
      'echo one',
      'printf two', // no final newline
      "printf 'a\\n\\n\\n'", // trailing newlines kept
      'printf "\\000\\377\\376binary\\n\\000"; printf "\\377err" >&2', // binary stdout, invalid UTF-8 stderr
      'echo out; echo err >&2; exit 3',
      'false',
      '',
      'cd /; set -e; p=leaked; trap "echo bye" EXIT; false; echo never',
      'pwd; echo "p=${p-unset}"; case $- in *e*) echo errexit;; *) echo no-errexit;; esac',
      'if then fi', // a syntax error stays in its part
      'echo after the syntax error',
      "printf '\\n%s 0 0\\n' deadbeef; printf '\\nx 1\\n' >&2", // looks like a frame
      'cat /proc/$PPID/cmdline 2>/dev/null | tr "\\0" " " >/dev/null; echo read the command line',
      "printf 'x%.0s' $(seq 1 70000)", // larger than a pipe buffer
    ];
    const got = await batched(scripts);
    const want = await alone(scripts);
    // The syntax error's message names eval instead of sh -c; everything else is identical.
    const i = scripts.indexOf('if then fi');
    expect(got[i]!.rc).toBe(want[i]!.rc);
    expect(got[i]!.stderr).toMatch(/Syntax error/);
    expect(got.map((r, k) => (k === i ? undefined : same(r)))).toEqual(want.map((r, k) => (k === i ? undefined : same(r))));
  });

  it('parts declared inBatchShell give exactly what they give alone, mixed with subshell parts in any order', async () => {
    const scripts = [
      'p=/; if [ -d "$p" ]; then echo dir; fi',
      { shell: 'printf "\\000\\377bin"; printf "\\377err\\n" >&2' }, // binary stdout, no final newline
      { shell: 'echo out; echo err >&2; false' }, // its status is its last command's
      'echo sub; exit 5',
      { shell: "printf 'a\\n\\n'" },
      { shell: 'IFS= read -r l < /proc/self/stat; n=0; for w in one two; do n=$((n + 1)); done; echo "$n ${#l}" | tr -d 0-9' },
      { shell: "printf '\\n%s 0 0\\n' deadbeef; printf '\\nx 1\\n' >&2" }, // looks like a frame
      'echo last',
    ];
    const got = await mixed(scripts);
    const want = await alone(scripts.map((s) => (typeof s === 'string' ? s : s.shell)));
    expect(got.map(same)).toEqual(want.map(same));
  });

  it('a part declared inBatchShell runs in the batch\'s own shell: no subshell forked for it', async () => {
    // A child's parent is the shell the part runs in: the batch's ($$) only without a subshell.
    const script = 'p=$(sh -c \'echo $PPID\'); if [ "$p" = "$$" ]; then echo own shell; else echo subshell; fi';
    const [sub, own] = await mixed([script, { shell: script }]);
    expect(sub?.stdout).toBe('subshell\n');
    expect(own?.stdout).toBe('own shell\n');
  });

  it('subshell parts never see what a part in the batch\'s shell set, wherever it is given', async () => {
    const got = await mixed([{ shell: 'x=leaked; echo set' }, 'echo "x=${x-unset}"', { shell: 'echo "x=$x"' }]);
    expect(got.map((r) => r?.stdout)).toEqual(['set\n', 'x=unset\n', 'x=leaked\n']);
  });

  it('a part in the batch\'s shell that kills it loses itself and the parts after it, not the subshell parts', async () => {
    const got = await mixed([{ shell: 'echo first' }, { shell: 'kill -9 $$' }, 'echo sub', { shell: 'echo never' }]);
    expect(got.map((r) => r?.stdout)).toEqual(['first\n', undefined, 'sub\n', undefined]);
  });

  it('a part reading the command line cannot print the marker', async () => {
    const marker = newMarker();
    const [r] = await batched(['cat /proc/$$/cmdline; for f in /proc/[0-9]*/cmdline; do cat "$f"; done 2>/dev/null'], marker);
    expect(r).toBeDefined();
    expect(r!.stdout).toContain(marker[0]);
    expect(r!.stdout).not.toContain(marker[0] + marker[1]);
  });

  it('parts after a shell that died are missing, not guessed', async () => {
    const got = await batched(['echo first', 'kill -9 $$', 'echo third']);
    expect(same(got[0])).toEqual({ rc: 0, stdout: Buffer.from('first\n').toString('hex'), stderr: '' });
    expect(got.slice(1)).toEqual([undefined, undefined]);
  });

  it('a frame with another index, a short status or no frame at all is not taken', () => {
    const m: BatchMarker = ['aa', 'bb'];
    const err = '\naabb 0\n\naabb 1\n';
    expect(splitBatch({ stdoutBytes: Buffer.from('x\naabb 1 0\n'), stderr: err }, m, 2)).toEqual([undefined, undefined]);
    expect(splitBatch({ stdoutBytes: Buffer.from('x\naabb 0 0\ny\naabb 1 '), stderr: err }, m, 2)[1]).toBeUndefined();
    expect(splitBatch({ stdoutBytes: Buffer.from('x\naabb 0 z\n'), stderr: err }, m, 1)).toEqual([undefined]);
    const [a, b] = splitBatch({ stdoutBytes: Buffer.from('x\naabb 0 0\ny\naabb 1 2\n'), stderr: 'e\naabb 0\n\naabb 1\n' }, m, 2);
    expect(a).toMatchObject({ rc: 0, stdout: 'x', stderr: 'e' });
    expect(b).toMatchObject({ rc: 2, stdout: 'y', stderr: '' });
  });

  it('labels stay comments whatever they hold', async () => {
    const marker = newMarker();
    const script = batchScript([{ script: 'echo ok', label: "evil\necho injected; 'x" }], marker);
    expect(script.split('\n').filter((l) => l.includes('injected'))).toEqual(["# evil echo injected; 'x"]);
    const [r] = splitBatch(await local.exec(script), marker, 1);
    expect(r?.stdout).toBe('ok\n');
  });

  it('answerBatch (simulated hosts) answers a batch exactly as sh does, multi-line and quoted parts included', async () => {
    const scripts = ["p='/a b'\nprintf '%s\\n' \"$p\"", "echo 'it''s'; echo err >&2; exit 4", 'printf x', "case x in x) echo \"( eval 'y' )\";; esac", "echo 'in the shell'"];
    const script = batchScript(scripts.map((s, i) => ({ script: s, label: 'l', ...(i === 0 || i === 4 ? { inBatchShell: true } : {}) })), newMarker());
    const byParts = new Map<string, ExecResult>();
    for (const s of scripts) byParts.set(s, await local.exec(s));
    const simulated = answerBatch(script, (part) => byParts.get(part)!);
    const real = await local.exec(script);
    expect(simulated && { rc: simulated.rc, out: simulated.stdoutBytes.toString('hex'), err: simulated.stderr }).toEqual({ rc: real.rc, out: real.stdoutBytes.toString('hex'), err: real.stderr });
    expect(answerBatch('echo not a batch', () => real)).toBeUndefined();
  });

  describe('paths declared statPaths: one stat before the parts in the shell', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-batch-stat-'));
    fs.mkdirSync(path.join(dir, 'd'));
    fs.writeFileSync(path.join(dir, "it's $a\nname"), 'x');
    fs.symlinkSync('d', path.join(dir, 'link'));
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    const realStat = spawnSync('sh', ['-c', 'command -v stat']).stdout.toString().trim();
    // Logs each call; STAT_MODE=extra/fail spoils a call with several paths (the batch's), as a user
    // name holding a newline or a path removed meanwhile would.
    fs.writeFileSync(
      path.join(bin, 'stat'),
      `#!/bin/sh\necho "$#" >> "$STAT_LOG"\nif [ $# -gt 4 ]; then case $STAT_MODE in extra) ${realStat} "$@"; echo extra; exit 0 ;; fail) exit 1 ;; esac; fi\nexec ${realStat} "$@"\n`,
      { mode: 0o755 },
    );
    const declared = [path.join(dir, 'd'), path.join(dir, "it's $a\nname"), path.join(dir, 'link'), path.join(dir, 'absent')];
    const undeclared = `${dir}/d/../d`; // the same directory, named otherwise
    const probe = (p: string) => `${HW_STAT_FALLBACK}\np=${quote(p)}; if [ -e "$p" ] || [ -L "$p" ]; then hw_stat "$p" && printf 'stat %s\\n' "$hw_s"; else echo absent; fi`;
    const parts: BatchPart[] = [
      { script: 'echo "a subshell part: ${hw_s1-unset} ${hw_w-unset}"' },
      ...declared.map((p) => ({ script: probe(p), inBatchShell: true, statPaths: [p] })),
      { script: probe(undeclared), inBatchShell: true },
      { script: probe(declared[0]!), inBatchShell: true, statPaths: declared.slice(0, 2) },
    ];
    const run = (script: string, mode = '') => {
      const log = path.join(dir, `log${Math.random()}`);
      const r = spawnSync('/bin/sh', ['-c', script], { env: { PATH: `${bin}:${process.env.PATH}`, STAT_LOG: log, STAT_MODE: mode } });
      const calls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').length : 0;
      return { r: { rc: r.status ?? -1, stdoutBytes: r.stdout, stdout: r.stdout.toString(), stderr: r.stderr.toString() }, calls };
    };

    it.each(['', 'extra', 'fail'])('each part gives what it gives alone (stat spoiled: %s)', (mode) => {
      const marker = newMarker();
      const batch = run(batchScript(parts, marker), mode);
      const got = splitBatch(batch.r, marker, parts);
      const want = parts.map((p) => run(p.script).r);
      expect(got.map(same)).toEqual(want.map(same));
      expect(got[0]?.stdout).toBe('a subshell part: unset unset\n');
      // One stat for the three declared paths that exist, one for the undeclared; a spoiled batch
      // stat is not used, and each part stats for itself (five parts ask of existing paths).
      expect(batch.calls).toBe(mode === '' ? 2 : 6);
    });
  });
});
