/**
 * What runner/ahead.ts works out for a later task is kept for it (runner/prepared.ts): the
 * playbook's functions (params, `when`) run as often observing ahead as with
 * HOSTWRIGHT_PROBE_AHEAD=0, and a value an earlier task set (register, set_fact, a result
 * read with Task.result, a change on a host) always reaches the later task.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { play, task } from '../../runner/dsl.js';
import { set_fact } from '../../modules/set_fact.js';
import { RESULTS } from '../../runner/dsl.js';
import { Observations } from '../../runner/observe.js';
import { PreparedTasks } from '../../runner/prepared.js';
import { cmd, facts, runPlays, setv, setva, World } from './engine-fakes.js';

const noFacts = { gather_facts: false } as const;

afterEach(() => {
  delete process.env.HOSTWRIGHT_PROBE_AHEAD;
});

/** Whether a run sent a batch of probes (so something was observed ahead). */
function batched(world: World): boolean {
  return world.execs.some((e) => e.script.includes('probes in one round trip'));
}

/** Runs `build()`'s plays twice on the same hosts (to converge, then counted), observing ahead or not. */
async function counted(build: (count: (what: string) => void) => Parameters<typeof runPlays>[0], ahead: boolean, hosts = ['h1', 'h2']) {
  if (!ahead) process.env.HOSTWRIGHT_PROBE_AHEAD = '0';
  const world = new World();
  const calls: Record<string, number> = {};
  const count = (what: string) => void (calls[what] = (calls[what] ?? 0) + 1);
  await runPlays(build(() => {}), {}, { world, hosts });
  world.execs.length = 0;
  const ran = await runPlays(build(count), {}, { world, hosts });
  delete process.env.HOSTWRIGHT_PROBE_AHEAD;
  return { calls, lines: ran.rec.grouped, world, code: ran.code };
}

describe('the playbook code of a task observed ahead runs once', () => {
  it('params and `when` functions: called as often as with HOSTWRIGHT_PROBE_AHEAD=0 on a converged fleet', async () => {
    const build = (count: (what: string) => void) => [
      play({
        hosts: 'all',
        ...noFacts,
        tasks: [
          task('a', setva({ key: 'a', value: '1' })),
          task('b', setva((h) => (count(`b params ${h.host}`), { key: 'b', value: '1' }))),
          task('c', setva((h) => (count(`c params ${h.host}`), { key: 'c', value: '1' })), { when: (h) => (count(`c when ${h.host}`), true) }),
          task('d', setva((h) => (count(`d params ${h.host}`), { key: 'd', value: '1' })), { when: (h) => (count(`d when ${h.host}`), false) }),
          task('e', setva((h) => (count(`e params ${h.host}`), { key: 'e', value: 'x'.repeat(0) })), { ignore_errors: true }),
          task('f', setva((h) => (count(`f params ${h.host}`), { key: 'f', value: '1' }))),
        ],
      }),
    ];
    const on = await counted(build, true);
    const off = await counted(build, false);
    expect(batched(on.world)).toBe(true);
    expect(batched(off.world)).toBe(false);
    expect(on.lines).toEqual(off.lines);
    expect(on.calls).toEqual(off.calls);
    expect(on.calls).toEqual({
      'b params h1': 1, 'b params h2': 1,
      'c params h1': 1, 'c params h2': 1, 'c when h1': 1, 'c when h2': 1,
      'd when h1': 1, 'd when h2': 1,
      'e params h1': 1, 'e params h2': 1,
      'f params h1': 1, 'f params h2': 1,
    });
  });

  it('a params function that throws: once, and the task fails with its error as without observing ahead', async () => {
    const build = (count: (what: string) => void) => [
      play({
        hosts: 'all',
        ...noFacts,
        tasks: [
          task('a', setva({ key: 'a', value: '1' })),
          task('b', setva((h) => (count(`b ${h.host}`), { key: String(h.vars.nowhere), value: '1' })), { ignore_errors: true }),
          task('c', setva({ key: 'c', value: '1' })),
        ],
      }),
    ];
    const on = await counted(build, true);
    const off = await counted(build, false);
    expect(on.calls).toEqual({ 'b h1': 1, 'b h2': 1 });
    expect(on.calls).toEqual(off.calls);
    expect(on.lines).toEqual(['a h1 ok', 'a h2 ok', 'b h1 failed ignored', 'b h2 failed ignored', 'c h1 ok', 'c h2 ok']);
    expect(on.lines).toEqual(off.lines);
  });
});

describe('a value set before the task runs reaches its params', () => {
  it('register and set_fact between the task observing ahead and the task: the new values, each function called once', async () => {
    const build = (count: (what: string) => void) => [
      play({
        hosts: 'all',
        ...noFacts,
        vars: { v: 'old', r: { key: 'old' } },
        tasks: [
          task('a', setva({ key: 'a', value: '1' })),
          task('set v', set_fact({ v: 'new' })),
          task('b', setva((h) => (count(`b ${h.host}`), { key: `b-${String(h.vars.v)}`, value: '1' }))),
          task('reg', setva({ key: 'x', value: '1' }), { register: 'r' }),
          task('c', setva((h) => (count(`c ${h.host}`), { key: `c-${(h.vars.r as { key: string }).key}`, value: '1' }))),
        ],
      }),
    ];
    const on = await counted(build, true);
    const off = await counted(build, false);
    for (const world of [on.world, off.world]) {
      expect(world.get('h1', 'b-new')).toBe('1');
      expect(world.get('h1', 'c-x')).toBe('1');
      expect(world.get('h1', 'b-old')).toBeUndefined();
      expect(world.get('h1', 'c-old')).toBeUndefined();
    }
    expect(on.calls).toEqual({ 'b h1': 1, 'b h2': 1, 'c h1': 1, 'c h2': 1 });
    expect(on.calls).toEqual(off.calls);
    expect(on.lines).toEqual(off.lines);
  });

  it('a result read with Task.result(h) that the task before it replaced: computed again with the new one', async () => {
    const world = new World();
    const t = task('t', setva({ key: 't', value: '1' }));
    const u = task('u', setva((h) => ({ key: t.result(h)?.changed ? 'after-change' : 'after-ok', value: '1' })));
    // In the first play t changes; in the second it is ok, and u, worked out ahead while the
    // first play's result was t's, must see the second's.
    const plays = [play({ hosts: 'all', ...noFacts, tasks: [t, u] }), play({ hosts: 'all', ...noFacts, tasks: [task('first', setva({ key: 't', value: '1' })), t, u] })];
    const ran = await runPlays(plays, {}, { world, hosts: ['h1'] });
    expect(batched(world)).toBe(true);
    expect(ran.rec.lines).toEqual(['t h1 changed', 'u h1 changed', 'first h1 ok', 't h1 ok', 'u h1 changed']);
    expect(world.get('h1', 'after-ok')).toBe('1');
  });

  it('a change on a host between: the params are computed again (they may read what it changed)', async () => {
    const world = new World();
    let stamp = 'before';
    const tasks = [
      task('a', setva({ key: 'a', value: '1' })),
      task('change', setv({ key: 'y', value: '2' }), { changed_when: (r) => ((stamp = 'after'), r.changed) }),
      task('b', setva(() => ({ key: `b-${stamp}`, value: '1' }))),
    ];
    await runPlays([play({ hosts: 'all', ...noFacts, tasks: [task('a', setva({ key: 'a', value: '1' }))] })], {}, { world, hosts: ['h1'] });
    const ran = await runPlays([play({ hosts: 'all', ...noFacts, tasks })], {}, { world, hosts: ['h1'] });
    expect(ran.rec.lines).toEqual(['a h1 ok', 'change h1 changed', 'b h1 changed']);
    expect(world.get('h1', 'b-after')).toBe('1');
    expect(world.get('h1', 'b-before')).toBeUndefined();
  });

  it('a command that runs (a change) before a task with static params: its probe is observed again, its gather afresh', async () => {
    const world = new World();
    const tasks = [task('a', setva({ key: 'a', value: '1' })), task('run', cmd({ cmd: 'set z=1' })), task('z', setva({ key: 'z', value: '1' }))];
    const ran = await runPlays([play({ hosts: 'all', ...noFacts, tasks })], {}, { world, hosts: ['h1'] });
    expect(ran.rec.lines).toEqual(['a h1 changed', 'run h1 changed', 'z h1 ok']);
  });
});

describe('PreparedTasks', () => {
  const result = (changed: boolean) => ({ changed, failed: false });
  function setup() {
    const observations = new Observations(true);
    const prepared = new PreparedTasks(observations);
    const results = new Map([[1, result(true)]]);
    const vars = { a: 1, r: { key: 'x' } };
    const ctx = { host: 'h', vars, facts: facts('h') };
    const owner = {};
    const put = () => {
      const { ctx: tracked, done } = prepared.begin('h', owner, ctx, results, RESULTS);
      (tracked as unknown as { [RESULTS]: Map<number, unknown> })[RESULTS].get(1);
      done({ kind: 'skip' });
    };
    return { observations, prepared, results, vars, owner, put };
  }

  it('hands what was prepared once, while the variables, the results read and the hosts are as they were', () => {
    const { prepared, results, vars, owner, put } = setup();
    put();
    expect(prepared.take('h', owner, { ...vars }, results)).toEqual({ kind: 'skip' });
    expect(prepared.take('h', owner, vars, results)).toBeUndefined();
  });

  it('not after a variable was written anywhere, a variable differs, a result read was replaced, a host changed', async () => {
    const s = setup();
    // Each change, then the variables as the task would see them.
    const cases: [string, () => Record<string, unknown>][] = [
      ['a variable written', () => (s.prepared.varsWritten(), { ...s.vars })],
      ['another value', () => ({ ...s.vars, a: 2 })],
      ['another object', () => ({ ...s.vars, r: { key: 'x' } })],
      ['a variable more', () => ({ ...s.vars, more: undefined })],
      ['a result replaced', () => (s.results.set(1, result(true)), { ...s.vars })],
      ['a host changed', () => (s.observations.invalidate(), { ...s.vars })],
    ];
    for (const [what, change] of cases) {
      s.put();
      expect([what, s.prepared.take('h', s.owner, change(), s.results)]).toEqual([what, undefined]);
    }
  });
});
