/**
 * The `hostwright` command (runner/bin.ts, built into dist/ by `npm ci`'s prepare) run on a
 * playbook in a user's directory that imports 'hostwright': with and without `"type": "module"`
 * (a repository whose package.json does not say so loads .ts files as CommonJS, as tsx does), a
 * correct playbook runs; a syntax error in the playbook file itself is one line naming
 * file:line:col and exit 4, not a stack trace (which `tsx playbook.ts` cannot avoid: the file
 * fails to compile before any of Hostwright's code runs).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'dist/runner/bin.js');

const GOOD = `import { play, playbook, task } from 'hostwright';
import { command } from 'hostwright/modules';
export default playbook(import.meta, [play({ name: 'p', hosts: 'all', gather_facts: false, tasks: [task('t', command({ cmd: 'echo ran' }))] })]);
`;
const BROKEN = GOOD.replace("command({ cmd: 'echo ran' })", "command({ cmd: 'echo ran' )");

let dir: string;

function run(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hw-bin-'));
  for (const kind of ['esm', 'cjs']) {
    const repo = path.join(dir, kind);
    await mkdir(path.join(repo, 'node_modules'), { recursive: true });
    await symlink(root, path.join(repo, 'node_modules/hostwright'));
    if (kind === 'esm') await writeFile(path.join(repo, 'package.json'), '{ "type": "module" }\n');
    await writeFile(path.join(repo, 'hosts.ini'), 'localhost ansible_connection=local\n');
    await writeFile(path.join(repo, 'site.ts'), GOOD);
    await writeFile(path.join(repo, 'broken.ts'), BROKEN);
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(['esm', 'cjs'])('hostwright PLAYBOOK.ts in a %s repository', (kind) => {
  it('runs a playbook that imports hostwright', async () => {
    const r = await run(path.join(dir, kind), ['site.ts', '-i', 'hosts.ini', '-v']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('"stdout": "ran"');
    expect(r.stdout).toMatch(/localhost +: ok=1 +changed=1 /);
  }, 60_000);

  it("a syntax error in the playbook file is one line with file:line:col, exit 4", async () => {
    const r = await run(path.join(dir, kind), ['broken.ts', '-i', 'hosts.ini']);
    expect(r.code).toBe(4);
    // The stray ")" where the object's "}" belongs, 1-based.
    const column = BROKEN.split('\n')[2]!.indexOf("' )") + 3;
    expect(r.stderr.trim()).toBe(`ERROR! broken.ts:3:${column}: syntax error: Expected "}" but found ")"`);
    expect(r.stdout).toBe('');
  }, 60_000);
});

it('a playbook that does not exist is exit 5, like a bad option', async () => {
  const r = await run(path.join(dir, 'esm'), ['nothere.ts']);
  expect(r.code).toBe(5);
  expect(r.stderr).toContain('ERROR! the playbook nothere.ts could not be found');
});
