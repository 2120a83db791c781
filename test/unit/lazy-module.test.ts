/**
 * lazyModule (runner/module.ts): a call is validated from the definition alone, while the playbook
 * loads; the module's file is loaded by loadModules or a gather; plan and overlay are the loaded
 * module's own. Every lazy export of the modules barrel loads, and a playbook that tsx runs as
 * CommonJS (outside a `"type": "module"` package) runs a lazy module's code too.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AnyModuleCall } from '../../runner/dsl.js';
import { lazyModule, loadModules, type ModuleFn } from '../../runner/module.js';
import type { Probe } from '../../runner/module.types.js';
import * as barrel from '../../modules/index.js';
import { firewalld } from '../../modules/index.js';
import { firewalld as firewalldItself } from '../../modules/firewalld/firewalld.js';
import { echoDefinition, type EchoParams } from '../fixtures/lazy/echo.params.js';

const root = path.resolve(import.meta.dirname, '../..');
const fixture = pathToFileURL(path.join(root, 'test/fixtures/lazy/index.ts')).href;
const lazyEcho = (name = 'echo'): ModuleFn<EchoParams, string> => lazyModule<EchoParams, string, never>(echoDefinition, fixture, './echo.js', name);
const probe: Probe = { run: async (script) => ({ rc: 0, stdout: `${script.slice(5)}\n`, stderr: '', stdoutBytes: Buffer.alloc(0) }) };
const mctx = { facts: {} as never, vars: {}, host: 'h', playbookDir: '/', check: false };

describe('lazyModule', () => {
  it('validates a call from its definition, before the module is loaded', () => {
    const lazy = lazyEcho();
    expect(lazy({ word: 'forbidden' }).issues).toEqual([{ field: 'word', message: 'is forbidden' }]);
    expect(lazy({ word: 'a', colour: 'red' } as never).issues).toEqual([{ field: 'colour', message: 'is not a parameter of this module' }]);
    const ok = lazy({ word: 'a' });
    expect(ok.issues).toEqual([]);
    expect(ok.params).toEqual({ word: 'a', times: 1 });
    expect(ok.module.name).toBe('echo_test');
    expect(ok.module.probeAhead).toBe(true);
    // Nothing loaded yet: plan is not there.
    expect(() => ok.module.plan({ word: 'a' }, 'a', mctx)).toThrow(/echo_test.*before its code was loaded/);
    expect(ok.module.overlay).toBeUndefined();
  });

  it('loadModules loads the module; then plan and overlay are its own', async () => {
    const lazy = lazyEcho();
    const call = lazy({ word: 'b' });
    await loadModules([call.module, lazy({ word: 'c' }).module]);
    expect(call.module.plan({ word: 'b' }, 'x', mctx).changed).toBe(true);
    expect(call.module.overlay?.('s', {} as never, { word: 'b' }, mctx)).toBe('s!');
    expect(await call.module.gather({ word: 'b' }, probe, mctx)).toBe('b\n');
  });

  it('a gather before loadModules loads the module first', async () => {
    const call = lazyEcho()({ word: 'd' });
    expect(await call.module.gather({ word: 'd' }, probe, mctx)).toBe('d\n');
    expect(call.module.plan({ word: 'd' }, 'd\n', mctx).changed).toBe(false);
  });

  it('refuses an export that is another module, or none', async () => {
    await expect(loadModules([lazyEcho('notEcho')({ word: 'e' }).module])).rejects.toThrow(/echo_test.*\.\/echo\.js has no module export 'notEcho'/);
    await expect(loadModules([lazyEcho('missing')({ word: 'e' }).module])).rejects.toThrow(/has no module export 'missing'/);
  });

  it('the barrel’s firewalld validates as the module’s own file does, and loads it', async () => {
    const bad = { zone: 'public', service: 'http', port: '80/tcp', state: 'enabled' } as const;
    expect(firewalld(bad as never).issues).toEqual(firewalldItself(bad as never).issues);
    expect(firewalld(bad as never).issues[0]?.field).toBe('port');
    const call = firewalld({ zone: 'public', service: 'http', state: 'enabled', permanent: true });
    await loadModules([call.module]);
    expect(call.module.plan).toBe(firewalldItself({ zone: 'public', service: 'http', state: 'enabled', permanent: true }).module.plan);
  });

  it('every module function of the barrel loads its code (no wrong file or export name)', async () => {
    const calls: AnyModuleCall[] = [];
    for (const value of Object.values(barrel)) {
      if (typeof value !== 'function' || !/^[a-z_0-9]+$/.test(value.name)) continue; // helpers such as applyRetention
      calls.push((value as (p: unknown) => AnyModuleCall)({}));
    }
    expect(calls.length).toBeGreaterThan(50);
    await loadModules(calls.map((c) => c.module));
    for (const c of calls) expect(typeof c.module.plan, c.module.name).toBe('function');
  });

  it('a playbook tsx runs as CommonJS (outside an ESM package) runs a lazy module', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hw-lazy-cjs-'));
    try {
      const file = path.join(dir, 'p.ts');
      await writeFile(
        file,
        [
          `import { play, playbook, task } from ${JSON.stringify(path.join(root, 'runner/index.js'))};`,
          `import { group } from ${JSON.stringify(path.join(root, 'modules/index.js'))};`,
          "if (typeof require !== 'function') throw new Error('not run as CommonJS');",
          "export default playbook(import.meta, [play({ name: 'p', hosts: 'localhost', gather_facts: false, tasks: [task('root group', group({ name: 'root' }))] })]);",
          '',
        ].join('\n'),
      );
      const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(path.join(root, 'node_modules/.bin/tsx'), [file, '--check'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } }, (e, stdout, stderr) =>
          resolve({ code: e ? Number((e as { code?: number }).code ?? -1) : 0, stdout, stderr }),
        ),
      );
      expect(out.stderr).not.toMatch(/ERROR|Unexpected|has no module export/);
      expect(out.stdout).toMatch(/ok: \[localhost\]/);
      expect(out.stdout).toMatch(/localhost +: ok=1 +changed=0 +unreachable=0 +failed=0/);
      expect(out.code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
