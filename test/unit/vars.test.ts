import { describe, expect, it } from 'vitest';
import { play, registered, task } from '../../runner/dsl.js';
import { mergeVars, optional, strictVars, UndefinedVariable } from '../../runner/vars.js';
import { facts, runPlays, setv } from './engine-fakes.js';

describe('variable precedence', () => {
  const levels = ['magic', 'inventory', 'play', 'block', 'task', 'host', 'extra'] as const;

  it('each level wins over every level below it (Ansible order)', () => {
    for (let top = 0; top < levels.length; top++) {
      const set = (lvl: (typeof levels)[number]) => (levels.indexOf(lvl) <= top ? { v: lvl } : undefined);
      const merged = mergeVars({
        magic: set('magic'),
        inventory: set('inventory'),
        play: set('play'),
        blocks: set('block') ? [set('block')!] : [],
        task: set('task'),
        host: set('host'),
        extra: set('extra'),
      });
      expect(merged.v).toBe(levels[top]);
    }
  });

  it('inner blocks win over outer ones; facts are reachable as ansible_facts', () => {
    const merged = mergeVars({ blocks: [{ v: 'outer', o: 1 }, { v: 'inner' }], facts: facts('h1') });
    expect(merged).toMatchObject({ v: 'inner', o: 1, ansible_facts: { hostname: 'h1' } });
  });
});

describe('undefined variables fail the task, as in Ansible', () => {
  const one = { hosts: ['h1'] };
  const noFacts = { gather_facts: false } as const;

  it("a `when` reading a variable no level defines fails with `'worker_count' is undefined` (the issue's repro), exit 2", async () => {
    const { rec, code, world } = await runPlays(
      [play({ hosts: 'all', ...noFacts, tasks: [task('scale', setv({ key: 'a', value: '1' }), { when: (h) => (h.vars.worker_count as number) > 2 })] })],
      {},
      one,
    );
    expect(rec.events.find((e) => e.type === 'host_result')).toMatchObject({ status: 'failed', result: { msg: "'worker_count' is undefined" } });
    expect(code).toBe(2);
    expect(world.applied).toEqual([]);
  });

  it("params, loop and changed_when fail the same way; `in`, optional() and registered() ask without failing", async () => {
    const { rec } = await runPlays(
      [
        play({
          hosts: 'all',
          ...noFacts,
          vars: { defined: 'yes' },
          tasks: [
            task('params', setv((h) => ({ key: 'a', value: String(h.vars.nope) }))),
            task('loop', setv({ key: 'b', value: '1' }), { loop: (h) => h.vars.items as string[] }),
            task('changed_when', setv({ key: 'c', value: '1' }), { changed_when: (_r, h) => h.vars.flag === true }),
            task('asks', setv({ key: 'd', value: '1' }), { when: (h) => !('nope' in h.vars) && optional(h.vars).nope === undefined && registered(h, 'nope') === undefined }),
            task('default', setv((h) => ({ key: 'e', value: String(optional(h.vars).workers ?? 3) }))),
            task('defined', setv((h) => ({ key: 'f', value: String(h.vars.defined) })), { when: () => true }),
          ],
        }),
      ],
      {},
      one,
    );
    const results = rec.events.flatMap((e) => (e.type === 'host_result' ? [[e.task, e.status, e.result.msg]] : []));
    expect(results).toEqual([
      ['params', 'failed', "'nope' is undefined"],
    ]);
    const again = await runPlays(
      [
        play({
          hosts: 'all',
          ...noFacts,
          vars: { defined: 'yes' },
          tasks: [
            task('loop', setv({ key: 'b', value: '1' }), { loop: (h) => h.vars.items as string[], ignore_errors: true }),
            task('changed_when', setv({ key: 'c', value: '1' }), { changed_when: (_r, h) => h.vars.flag === true, ignore_errors: true }),
            task('asks', setv({ key: 'd', value: '1' }), { when: (h) => !('nope' in h.vars) && optional(h.vars).nope === undefined && registered(h, 'nope') === undefined }),
            task('default', setv((h) => ({ key: 'e', value: String(optional(h.vars).workers ?? 3) }))),
            task('defined', setv((h) => ({ key: 'f', value: String(h.vars.defined) }))),
          ],
        }),
      ],
      {},
      one,
    );
    expect(again.rec.events.flatMap((e) => (e.type === 'host_result' ? [[e.task, e.status, e.result.msg]] : []))).toEqual([
      ['loop', 'failed', "'items' is undefined"],
      ['changed_when', 'failed', "'flag' is undefined"],
      ['asks', 'changed', 'set d'],
      ['default', 'changed', 'set e'],
      ['defined', 'changed', 'set f'],
    ]);
    expect(again.world.get('h1', 'e')).toBe('3');
    expect(again.world.get('h1', 'f')).toBe('yes');
  });

  it('the strict view still serializes, and is not a thenable', async () => {
    const v = strictVars({ a: 1 });
    expect(JSON.stringify(v)).toBe('{"a":1}');
    expect(await Promise.resolve(v)).toBe(v);
    expect(() => v.b).toThrow(new UndefinedVariable('b'));
    expect(optional(v)).toEqual({ a: 1 });
  });
});
