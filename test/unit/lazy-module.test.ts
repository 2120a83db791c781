/**
 * lazyModule (runner/module.ts): a call is validated from the definition alone, while the playbook
 * loads; the module's code is imported only by loadModules or a gather, once; plan and overlay
 * are the loaded module's own.
 */
import type { JSONSchemaType } from 'ajv';
import { describe, expect, it, vi } from 'vitest';
import { defineModule, lazyModule, loadModules, type ModuleDefinition } from '../../runner/module.js';
import type { Probe } from '../../runner/module.types.js';
import { firewalld } from '../../modules/index.js';
import { firewalld as firewalldItself } from '../../modules/firewalld/firewalld.js';

interface EchoParams {
  word: string;
  times?: number;
}
const schema: JSONSchemaType<EchoParams> = {
  type: 'object',
  properties: { word: { type: 'string' }, times: { type: 'integer', nullable: true, default: 1 } },
  required: ['word'],
  additionalProperties: false,
};
const definition: ModuleDefinition<EchoParams> = {
  name: 'echo_test',
  schema,
  probeAhead: true,
  check: (p) => (p.word === 'forbidden' ? [{ field: 'word', message: 'is forbidden' }] : []),
};
const echo = defineModule<EchoParams, string>({
  ...definition,
  gather: async (p, probe) => (await probe.run(`echo ${p.word}`)).stdout,
  plan: (p, s) => ({ actions: [], changed: s.trim() !== p.word, diffs: [] }),
  overlay: (s) => `${s}!`,
});
const probe: Probe = { run: async (script) => ({ rc: 0, stdout: `${script.slice(5)}\n`, stderr: '', stdoutBytes: Buffer.alloc(0) }) };
const mctx = { facts: {} as never, vars: {}, host: 'h', playbookDir: '/', check: false };

describe('lazyModule', () => {
  it('validates a call from its definition without loading the module', () => {
    const load = vi.fn(async () => echo);
    const lazy = lazyModule(definition, load);
    expect(lazy({ word: 'forbidden' }).issues).toEqual([{ field: 'word', message: 'is forbidden' }]);
    expect(lazy({ word: 'a', colour: 'red' } as never).issues).toEqual([{ field: 'colour', message: 'is not a parameter of this module' }]);
    const ok = lazy({ word: 'a' });
    expect(ok.issues).toEqual([]);
    expect(ok.params).toEqual({ word: 'a', times: 1 });
    expect(ok.module.name).toBe('echo_test');
    expect(ok.module.probeAhead).toBe(true);
    expect(load).not.toHaveBeenCalled();
  });

  it('loadModules loads each module once, then plan and overlay are the module’s own', async () => {
    const load = vi.fn(async () => echo);
    const lazy = lazyModule(definition, load);
    const call = lazy({ word: 'b' });
    expect(() => call.module.plan({ word: 'b' }, 'b', mctx)).toThrow(/echo_test.*before its code was loaded/);
    expect(call.module.overlay).toBeUndefined();
    await loadModules([call.module, lazy({ word: 'c' }).module]);
    expect(load).toHaveBeenCalledTimes(1);
    expect(call.module.plan({ word: 'b' }, 'x', mctx).changed).toBe(true);
    expect(call.module.overlay?.('s', {} as never, { word: 'b' }, mctx)).toBe('s!');
    expect(await call.module.gather({ word: 'b' }, probe, mctx)).toBe('b\n');
  });

  it('a gather before loadModules loads the module first', async () => {
    const load = vi.fn(async () => echo);
    const call = lazyModule(definition, load)({ word: 'd' });
    expect(await call.module.gather({ word: 'd' }, probe, mctx)).toBe('d\n');
    expect(load).toHaveBeenCalledTimes(1);
    expect(call.module.plan({ word: 'd' }, 'd\n', mctx).changed).toBe(false);
  });

  it('refuses a loaded file whose module has another name', async () => {
    const other = defineModule<EchoParams, string>({ ...definition, name: 'other', gather: async () => '', plan: () => ({ actions: [], changed: false, diffs: [] }) });
    const call = lazyModule(definition, async () => other)({ word: 'e' });
    await expect(loadModules([call.module])).rejects.toThrow(/echo_test.*exports no module of that name/);
  });

  it('the barrel’s firewalld validates as the module’s own file does, and loads it', async () => {
    const bad = { zone: 'public', service: 'http', port: '80/tcp', state: 'enabled' } as const;
    expect(firewalld(bad as never).issues).toEqual(firewalldItself(bad as never).issues);
    expect(firewalld(bad as never).issues[0]?.field).toBe('port');
    const call = firewalld({ zone: 'public', service: 'http', state: 'enabled', permanent: true });
    await loadModules([call.module]);
    expect(call.module.plan).toBe(firewalldItself({ zone: 'public', service: 'http', state: 'enabled', permanent: true }).module.plan);
  });
});
