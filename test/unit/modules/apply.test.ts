/**
 * runner/apply.ts on the real POSIX sh of this machine (LocalConnection, temp dirs) and on a fake
 * connection that records what it is asked to run.
 */
import { mkdtemp, readFile, readdir, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { applyActions, describeWriteFailure, writeScript } from '../../../runner/apply.js';
import { LocalConnection } from '../../../runner/connection/local.js';
import type { Connection, ExecOptions, ExecResult } from '../../../runner/connection/types.js';

let dir: string;
const conn = new LocalConnection('local');
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hw-apply-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const modeOf = async (p: string): Promise<number> => (await stat(p)).mode & 0o7777;

describe('applyActions: writes', () => {
  it('creates a file with 0666 minus the umask, binary-safe', async () => {
    const p = path.join(dir, 'bin');
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const out = await applyActions(conn, [{ kind: 'write', path: p, content: bytes }]);
    expect(out).toEqual({ ok: true });
    expect(await readFile(p)).toEqual(bytes);
    const umask = process.umask();
    expect(await modeOf(p)).toBe(0o666 & ~umask);
  });
  it('sets the given mode, keeps an existing file mode otherwise', async () => {
    const p = path.join(dir, 'f');
    await applyActions(conn, [{ kind: 'write', path: p, content: 'a', mode: '0640' }]);
    expect(await modeOf(p)).toBe(0o640);
    await chmod(p, 0o600);
    await applyActions(conn, [{ kind: 'write', path: p, content: 'b' }]);
    expect(await modeOf(p)).toBe(0o600);
    expect(await readFile(p, 'utf8')).toBe('b');
  });
  it('sets owner and group', async () => {
    const p = path.join(dir, 'owned');
    const root = userInfo().uid === 0;
    const owner = root ? 'nobody' : userInfo().username;
    const out = await applyActions(conn, [{ kind: 'write', path: p, content: 'x', owner, ...(root ? { group: 'nogroup' } : {}) }]);
    expect(out.ok).toBe(true);
    const st = await stat(p);
    expect(st.uid).toBe(root ? 65534 : userInfo().uid);
    if (root) expect(st.gid).toBe(65534);
  });
  it('a failing validate leaves the old file and no temp file, with the validator stderr', async () => {
    const p = path.join(dir, 'conf');
    await writeFile(p, 'old');
    const out = await applyActions(conn, [{ kind: 'write', path: p, content: 'new', validate: 'grep -q valid %s || { echo "not valid: $(cat %s)" >&2; exit 3; }' }]);
    expect(out).toMatchObject({ ok: false, failedAction: 0, msg: 'failed to validate: rc:3 error:not valid: new' });
    expect(await readFile(p, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['conf']);
  });
  it('validate sees the temp file (%s) and passes', async () => {
    const p = path.join(dir, 'conf');
    const out = await applyActions(conn, [{ kind: 'write', path: p, content: 'valid', validate: 'grep -q valid %s' }]);
    expect(out.ok).toBe(true);
    expect(await readFile(p, 'utf8')).toBe('valid');
  });
  it("keeps a backup named like Ansible's and reports it", async () => {
    const p = path.join(dir, 'conf');
    await writeFile(p, 'old');
    const out = await applyActions(conn, [{ kind: 'write', path: p, content: 'new', backup: true }]);
    expect(out.ok).toBe(true);
    const backup = out.result?.backup_file as string;
    expect(path.basename(backup)).toMatch(/^conf\.\d+\.\d{4}-\d{2}-\d{2}@\d{2}:\d{2}:\d{2}~$/);
    expect(await readFile(backup, 'utf8')).toBe('old');
    expect(await readFile(p, 'utf8')).toBe('new');
  });
  it('no backup when the file did not exist', async () => {
    const out = await applyActions(conn, [{ kind: 'write', path: path.join(dir, 'n'), content: 'x', backup: true }]);
    expect(out).toEqual({ ok: true });
  });
  it('fails cleanly when the directory does not exist', async () => {
    const out = await applyActions(conn, [{ kind: 'write', path: path.join(dir, 'no/such/f'), content: 'x' }]);
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.msg).toMatch(/^mktemp failed for/);
  });
  it('paths with spaces and quotes', async () => {
    const p = path.join(dir, "it's a file");
    expect((await applyActions(conn, [{ kind: 'write', path: p, content: 'q' }])).ok).toBe(true);
    expect(await readFile(p, 'utf8')).toBe('q');
  });
});

describe('applyActions: runs', () => {
  it('stops at the first failure and reports its index', async () => {
    const marker = path.join(dir, 'ran');
    const out = await applyActions(conn, [
      { kind: 'run', script: 'true' },
      { kind: 'run', script: 'echo boom >&2; exit 4', describe: 'step two' },
      { kind: 'run', script: `touch '${marker}'` },
    ]);
    expect(out).toMatchObject({ ok: false, failedAction: 1, msg: 'step two failed (rc=4): boom' });
    expect(await readdir(dir)).toEqual([]);
  });
  it('okCodes widen success; capture keeps stdout/rc', async () => {
    const out = await applyActions(conn, [{ kind: 'run', script: 'echo hi; exit 2', okCodes: [0, 2], capture: true }]);
    expect(out.ok).toBe(true);
    expect(out.captured).toMatchObject({ rc: 2, stdout: 'hi\n' });
  });
  it('a captured command failing reports "non-zero return code" with its output', async () => {
    const out = await applyActions(conn, [{ kind: 'run', script: 'echo oops; exit 1', capture: true }]);
    expect(out).toMatchObject({ ok: false, msg: 'non-zero return code', captured: { rc: 1, stdout: 'oops\n' } });
  });
});

describe('applyActions: one exec per write, content on stdin, become passed', () => {
  it('records the calls', async () => {
    const calls: { script: string; options?: ExecOptions }[] = [];
    const fake: Connection = {
      host: 'fake',
      exec: async (script: string, options?: ExecOptions): Promise<ExecResult> => {
        calls.push({ script, ...(options ? { options } : {}) });
        return { rc: 0, stdout: '', stderr: '', stdoutBytes: Buffer.alloc(0) };
      },
      close: async () => {},
    };
    const become = { user: 'root' };
    await applyActions(fake, [{ kind: 'write', path: '/etc/x y', content: Buffer.from('payload'), mode: '0600' }], { become });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.options).toMatchObject({ stdin: Buffer.from('payload'), become });
    expect(calls[0]!.script).toContain("dest='/etc/x y'");
    expect(calls[0]!.script).toContain('dir=/etc\n');
    expect(calls[0]!.script).toContain('mktemp "$dir/.hostwright.$$.XXXXXXXX"');
    expect(calls[0]!.script).not.toContain('payload');
  });
});

describe('writeScript: only the exact bytes sent are renamed into place', () => {
  // What a dropped connection or a killed controller looks like to the host: stdin just ends early.
  const runScript = (script: string, stdin: Buffer): Promise<{ code: number | null; stderr: string }> =>
    new Promise((resolve) => {
      const child = spawn('/bin/sh', ['-c', script], { stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', (code) => resolve({ code, stderr }));
      child.stdin.end(stdin);
    });

  it('a truncated upload leaves the old file, no temp file, and says the upload is incomplete', async () => {
    const p = path.join(dir, 'big');
    await writeFile(p, 'old');
    const content = Buffer.alloc(200_000, 7);
    const action = { kind: 'write', path: p, content } as const;
    const r = await runScript(writeScript(action), content.subarray(0, 123_456));
    expect(r.code).toBe(1);
    expect(describeWriteFailure(action, { rc: 1, stdout: '', stdoutBytes: Buffer.alloc(0), stderr: r.stderr })).toMatch(/upload of .* incomplete/);
    expect(await readFile(p, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['big']);
  });
  it('same size, different bytes: refused too (sha256)', async () => {
    const p = path.join(dir, 'same-size');
    const r = await runScript(writeScript({ kind: 'write', path: p, content: 'abcd' }), Buffer.from('abce'));
    expect(r.code).toBe(1);
    expect(await readdir(dir)).toEqual([]);
  });
  it("the next write removes temp files whose writer is gone, and keeps a live writer's", async () => {
    const dead = spawnSync('/bin/true').pid!;
    await writeFile(path.join(dir, `.hostwright.${dead}.AbCdEfGh`), 'half');
    await writeFile(path.join(dir, `.hostwright.${process.pid}.AbCdEfGh`), 'in progress');
    const out = await applyActions(conn, [{ kind: 'write', path: path.join(dir, 'f'), content: 'x' }]);
    expect(out.ok).toBe(true);
    expect((await readdir(dir)).sort()).toEqual([`.hostwright.${process.pid}.AbCdEfGh`, 'f']);
  });
});
