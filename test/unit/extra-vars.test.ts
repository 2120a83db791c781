import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseCli } from '../../runner/cli.js';
import { declaredKinds, typeExtraVars } from '../../runner/extra-vars.js';
import { loadInventory } from '../../runner/inventory/index.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const fixtures = path.join(root, 'test/fixtures/extra-vars');

describe('typed extra vars: -e k=v read as the typed inventory declares', () => {
  const declared = declaredKinds({
    all: { vars: { workers: 4, name: 'app', flag: false, ports: [80], opts: { a: 1 } }, children: { web: { hosts: { w1: { mixed: 1 } }, vars: { mixed: 'x' } } } },
  });

  it('numbers, booleans, lists and dicts; strings and undeclared names stay text', () => {
    const extra = { workers: '8', name: '9', flag: 'yes', ports: '[80, 443]', opts: '{a: 2}', mixed: '3', other: '5' };
    expect(typeExtraVars(extra, Object.keys(extra), declared)).toEqual({ workers: 8, name: '9', flag: true, ports: [80, 443], opts: { a: 2 }, mixed: '3', other: '5' });
  });

  it('a value that cannot be the declared type is a load error naming the variable', () => {
    expect(() => typeExtraVars({ workers: 'eight' }, ['workers'], declared)).toThrow(
      "extra var 'workers': 'eight' is not a number, as the typed inventory declares 'workers'",
    );
    expect(() => typeExtraVars({ ports: '80' }, ['ports'], declared)).toThrow("extra var 'ports': '80' is not a list");
  });

  it('values given as JSON/YAML keep their own type; a later JSON -e replaces the text one', () => {
    const p = parseCli(['-e', 'workers=8 name=x', '-e', '{"workers": "eight"}']);
    if (p.action !== 'run') throw new Error('expected a run');
    expect(p.options.extraVarsFromText).toEqual(['name']);
    expect(typeExtraVars(p.options.extraVars, p.options.extraVarsFromText, declared)).toEqual({ workers: 'eight', name: 'x' });
  });

  it('loadInventory collects the declarations of a typed inventory only', async () => {
    const inv = await loadInventory([path.join(fixtures, 'typed.ts')]);
    expect([...inv.declaredVarKinds.keys()].sort()).toEqual(['ansible_connection', 'debug_mode', 'name', 'ports', 'workers']);
    const ini = await loadInventory([path.join(root, 'inventory/hosts.ini')]);
    expect(ini.declaredVarKinds.size).toBe(0);
  });

  it("the issue's repro: `-e workers=8` computes 9, not 81; `-e workers=eight` is a load error (exit 4), nothing run", async () => {
    const tsx = path.join(root, 'node_modules/.bin/tsx');
    const playbook = path.join(fixtures, 'workers.ts');
    const inventory = path.join(fixtures, 'typed.ts');
    const env = { ...process.env, NO_COLOR: '1' };
    const ok = await run(tsx, [playbook, '-i', inventory, '-e', 'workers=8 debug_mode=true'], { cwd: root, env });
    expect(ok.stdout).toContain('"msg": "workers+1=9 boolean"');
    const bad = await run(tsx, [playbook, '-i', inventory, '-e', 'workers=eight'], { cwd: root, env }).then(
      () => ({ code: 0, stderr: '', stdout: '' }),
      (e: { code: number; stderr: string; stdout: string }) => e,
    );
    expect(bad.code).toBe(4);
    expect(bad.stderr).toContain("extra var 'workers': 'eight' is not a number, as the typed inventory declares 'workers'");
    expect(bad.stdout).not.toContain('TASK [compute]');
  }, 60_000);
});
