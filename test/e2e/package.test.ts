/**
 * Hostwright as a team installs it: `npm pack` of this checkout (which builds dist/ through the
 * `prepare` script), installed into a fresh directory outside the checkout with its own strict
 * tsconfig (`hostwright init`'s), the playbook type-checked against the shipped declarations only
 * (never Hostwright's .ts sources), then run on a lab host through the `hostwright` bin and tsx.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { labHosts, labState, resetHost, sshOk } from '../lab/testing.js';
import { childEnv, REPO_ROOT } from './playbooks/parity/output.js';

const run = promisify(execFile);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** A command in the user's directory; never throws, so a test can show what failed. */
async function inUserDir(dir: string, argv: string[], env: Record<string, string> = {}): Promise<Result> {
  try {
    const { stdout, stderr } = await run(argv[0]!, argv.slice(1), { cwd: dir, env: childEnv(env), maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

function ok(r: Result): string {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

/** The versions this checkout was tested with, so the install comes from npm's cache. */
async function installedVersion(pkg: string): Promise<string> {
  return (JSON.parse(await readFile(path.join(REPO_ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
}

describe('the packed package in a repository of its own', () => {
  let work: string;
  let user: string;
  let installLog: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'hostwright-package-'));
    user = path.join(work, 'infra');
    const packed = ok(await inUserDir(REPO_ROOT, ['npm', 'pack', '--silent', '--pack-destination', work])).trim().split('\n').at(-1)!;
    await run('mkdir', [user]);
    // What README "Your own repository" tells a team to write: allowScripts for Hostwright's
    // dependencies and its own build script, keyed by its source (npm 11 matches a tarball by the
    // absolute file: path it records), so npm does not warn.
    const tarball = path.join(work, packed);
    const allowScripts = { [`file:${tarball}`]: true, esbuild: true, ssh2: false, 'cpu-features': false };
    const manifest = { name: 'infra', private: true, type: 'module', allowScripts };
    await writeFile(path.join(user, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const install = await inUserDir(user, [
      'npm', 'install', '--prefer-offline', '--no-audit', '--no-fund',
      tarball, `typescript@${await installedVersion('typescript')}`, `@types/node@${await installedVersion('@types/node')}`,
    ]);
    installLog = `${install.stdout}\n${install.stderr}`;
    ok(install);
  }, 180_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('installs without install-script warnings and ships declarations and the bin, not the sources', async () => {
    expect(installLog).not.toMatch(/install-scripts|allowScripts/);
    const dist = path.join(user, 'node_modules/hostwright/dist');
    expect(await readdir(path.join(dist, 'runner'))).toEqual(expect.arrayContaining(['index.js', 'index.d.ts', 'bin.js']));
    expect(await readdir(path.join(dist, 'modules'))).toEqual(expect.arrayContaining(['index.js', 'index.d.ts']));
    expect(await readdir(path.join(user, 'node_modules/hostwright'))).not.toContain('runner');
    expect(ok(await inUserDir(user, ['npx', 'hostwright', '--version']))).toMatch(/^hostwright \d+\.\d+\.\d+\n$/);
  });

  test('init lays out a repository whose playbook type-checks under a strict tsconfig with zero errors', async () => {
    const created = ok(await inUserDir(user, ['npx', 'hostwright', 'init']));
    for (const file of ['ansible.cfg', 'inventory/hosts.ini', 'inventory/group_vars/all.yml', 'roles/motd.ts', 'playbooks/site.ts', 'tsconfig.json']) {
      expect(created).toContain(`created  ${file}`);
    }
    const tsconfig = JSON.parse(await readFile(path.join(user, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
    expect(tsconfig.compilerOptions).toMatchObject({ strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, noUnusedLocals: true });
    expect(tsconfig.compilerOptions.skipLibCheck).toBeUndefined(); // the shipped .d.ts are checked too

    // One tsc run (it is the slow part): init's files must have zero errors, and a playbook with a
    // wrong parameter beside them must fail, which shows the declarations carry real types.
    await writeFile(path.join(user, 'playbooks/wrong.ts'), [
      "import { play, playbook, task } from 'hostwright';",
      "import { copy } from 'hostwright/modules';",
      "export default playbook(import.meta, [play({ name: 'x', hosts: 'all', tasks: [task('t', copy({ dest: 1 }))] })]);",
      '',
    ].join('\n'));
    const check = await inUserDir(user, ['npx', 'tsc', '-p', '.', '--listFiles']);
    await rm(path.join(user, 'playbooks/wrong.ts'));
    const errors = check.stdout.split('\n').filter((l) => l.includes('error TS'));
    expect(errors).toEqual([expect.stringMatching(/^playbooks\/wrong\.ts\(3,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/)]);
    expect(check.code).not.toBe(0);
    // Only Hostwright's declarations were read, never its sources.
    const hostwrightFiles = check.stdout.split('\n').filter((f) => f.includes('/node_modules/hostwright/'));
    expect(hostwrightFiles.length).toBeGreaterThan(10);
    expect(hostwrightFiles.filter((f) => !f.endsWith('.d.ts'))).toEqual([]);
    expect(check.stdout).toContain(path.join(user, 'playbooks/site.ts'));
    expect(check.stdout).toContain(path.join(user, 'roles/motd.ts'));
  });

  test('the playbook runs on a lab host with `hostwright` and with `tsx`, the inventory from ansible.cfg, its group_vars included', async () => {
    const host = labHosts('plain')[0]!;
    // The lab's inventory (its connection vars) in place of init's example hosts; group_vars stay.
    await writeFile(path.join(user, 'inventory/hosts.ini'), await readFile(labState().inventoryFile, 'utf8'));
    // No -i: init's ansible.cfg names inventory/hosts.ini.
    const inventory = ['-l', host.name];

    const check = ok(await inUserDir(user, ['npx', 'hostwright', 'playbooks/site.ts', ...inventory, '--check']));
    expect(check).toMatch(new RegExp(`${host.name} +: ok=2 +changed=1 `));
    const real = ok(await inUserDir(user, ['npx', 'hostwright', 'playbooks/site.ts', ...inventory]));
    expect(real).toMatch(new RegExp(`${host.name} +: ok=2 +changed=1 `));
    expect(await sshOk(host, 'cat /etc/motd')).toBe(`${host.name}: managed by Hostwright for Example Org. Ask ops@example.com first.\n`);
    const again = ok(await inUserDir(user, ['npx', 'tsx', 'playbooks/site.ts', ...inventory]));
    expect(again).toMatch(new RegExp(`${host.name} +: ok=2 +changed=0 `));

    const missing = await inUserDir(user, ['npx', 'hostwright', 'playbooks/nope.ts']);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain('ERROR! the playbook playbooks/nope.ts could not be found');
    await resetHost(host.name);
  });
});
