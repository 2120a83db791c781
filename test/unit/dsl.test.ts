import { stat } from '../../modules/stat.js';
import { describe, expect, it } from 'vitest';
import { block, handler, play, playbook, task } from '../../runner/dsl.js';
import type { HostContext } from '../../runner/module.js';
import type { TaskResult } from '../../runner/module.types.js';
import { facts } from './engine-fakes.js';
import { RESULTS } from '../../runner/dsl.js';
import { LoadError } from '../../runner/errors.js';
import { checkPlays, PlaybookLoadError } from '../../runner/run.js';
import { runPlays, setv, World } from './engine-fakes.js';

describe('load-time validation', () => {
  it('one LoadError per task: file:line of the call, task name, module, field', () => {
    const line = Number(new Error().stack!.split('\n')[1]!.match(/:(\d+):\d+\)?$/)![1]) + 1;
    const bad = task('install motd', setv({ key: 'motd', value: 644 as unknown as string }));
    expect(bad.error).toBeInstanceOf(LoadError);
    expect(bad.error!.message).toBe(`test/unit/dsl.test.ts:${line}:38: task 'install motd': setv: field 'value' must be string`);
  });

  it('several problems in one task are one error; unknown and missing fields are named', () => {
    const bad = task('two problems', setv({ key: 'k', colour: 'red' } as never));
    expect(bad.error!.message).toMatch(/task 'two problems': setv: field 'value' is required; field 'colour' is not a parameter of this module$/);
  });

  it('collects every error across plays, blocks and handlers before running anything', async () => {
    const plays = [
      play({ hosts: 'all', tasks: [task('a', setv({ key: 1 as unknown as string, value: 'x' })), block({ block: [task('b', setv({} as never))] })] }),
      play({ hosts: 'all', tasks: [task('ok', setv({ key: 'k', value: 'v' }))], handlers: [handler('c', setv({ key: 'k', value: false as unknown as string }))] }),
    ];
    let caught: unknown;
    try {
      checkPlays(plays);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(PlaybookLoadError);
    const errors = (caught as PlaybookLoadError).errors.map((e) => e.message.replace(/^\S+: /, ''));
    expect(errors).toEqual([
      "task 'a': setv: field 'key' must be string",
      "task 'b': setv: field 'key' is required; field 'value' is required",
      "task 'c': setv: field 'value' must be string",
    ]);
    const world = new World();
    await expect(runPlays(plays, {}, { world })).rejects.toBeInstanceOf(PlaybookLoadError);
    expect(world.connects).toEqual([]);
  });

  it('a task given something other than a module call is a load error too', () => {
    const bad = task('oops', undefined as never);
    expect(bad.error!.message).toMatch(/task 'oops': the second argument must be a module call/);
  });

  it('a malformed serial is a load error', () => {
    expect(() => checkPlays([play({ hosts: 'all', serial: 'lots', tasks: [] })])).toThrow(/serial 'lots' must be a number or a percentage/);
  });
});

describe('typed results', () => {
  type StatResult = TaskResult & { stat: { exists: boolean } };
  it('task<R>() types result(h); with a loop it is a LoopResult<R>; unknown fields do not compile', () => {
    const st = task<StatResult>('stat', setv({ key: 'a', value: '1' }));
    const looped = task<TaskResult & { n: number }>('loop', setv({ key: 'a', value: '1' }), { loop: [1, 2] });
    const results = new Map<number, TaskResult>([
      [st.id, { changed: false, failed: false, stat: { exists: true } }],
      [looped.id, { changed: false, failed: false, results: [{ changed: false, failed: false, n: 7, item: 1, ansible_loop_var: 'item' }] }],
    ]);
    const h = { host: 'h1', vars: {}, facts: facts('h1'), [RESULTS]: results } as HostContext;
    const exists: boolean | undefined = st.result(h)?.stat.exists;
    const n: number | undefined = looped.result(h)?.results[0]?.n;
    // @ts-expect-error: `size` is not part of StatResult's stat (tsc checks this line)
    void st.result(h)?.stat.size;
    expect([exists, n]).toEqual([true, 7]);
  });

  it("infers the result type from the module call: stat's result(h) has a typed `stat`", () => {
    const st = task('stat motd', stat({ path: '/etc/motd' }));
    const results = new Map<number, TaskResult>([[st.id, { changed: false, failed: false, stat: { exists: true, isdir: false } }]]);
    const h = { host: 'h1', vars: {}, facts: facts('h1'), [RESULTS]: results } as HostContext;
    const r = st.result(h);
    const isdir: boolean | undefined = r?.stat.exists ? r.stat.isdir : undefined;
    // @ts-expect-error: `exist` is not a key of stat's result (tsc checks this line)
    void r?.stat.exist;
    expect(isdir).toBe(false);
  });
});

describe('play and playbook values', () => {
  it('an unnamed play is named after its hosts; roles (functions returning tasks) nest', () => {
    const role = (name: string) => [task(`${name} 1`, setv({ key: 'a', value: '1' })), [task(`${name} 2`, setv({ key: 'b', value: '1' }))]];
    const p = play({ hosts: 'web:db', tasks: [role('common'), task('own', setv({ key: 'c', value: '1' }))] });
    expect(p.name).toBe('web:db');
    expect(p.tasks.map((t) => (t.kind === 'task' ? t.name : t.kind))).toEqual(['common 1', 'common 2', 'own']);
  });

  it('an imported playbook is a value whose plays compose into another', () => {
    const base = playbook(import.meta, [play({ hosts: 'all', tasks: [] })]);
    const site = playbook(import.meta, [...base.plays, play({ name: 'more', hosts: 'web', tasks: [] })]);
    expect(site.plays.map((p) => p.name)).toEqual(['all', 'more']);
    expect(site.file).toMatch(/test\/unit\/dsl\.test\.ts$/);
  });
});
