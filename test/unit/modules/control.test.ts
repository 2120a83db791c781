/** debug, assert, fail, set_fact, pause: load-time parameter checks, planners, and set_fact's typing. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { lookupVar } from '../../../modules/_lib/controller.js';
import { assert, debug, fail, pause, set_fact } from '../../../modules/index.js';
import { task } from '../../../runner/dsl.js';
import type { HostContext } from '../../../runner/module.js';
import type { ModuleContext } from '../../../runner/module.types.js';

const ctx = (vars: Record<string, unknown> = {}): ModuleContext => ({ facts: {} as ModuleContext['facts'], vars, host: 'h', playbookDir: '/' });
const host = (vars: Record<string, unknown>): HostContext => ({ host: 'h', vars, facts: {} as HostContext['facts'] });

describe('invalid parameters are load-time errors', () => {
  it('names the field or the rule', () => {
    expect(debug({ msg: 'x', var: 'y' }).issues).toEqual([{ field: '', message: "'msg' and 'var' are incompatible options" }]);
    expect(debug({ verbosity: -1 }).issues[0]?.field).toBe('verbosity');
    expect(debug({ mgs: 'typo' } as never).issues).toEqual([{ field: 'mgs', message: 'is not a parameter of this module' }]);
    expect(assert({} as never).issues[0]).toEqual({ field: 'that', message: 'is required' });
    expect(assert({ that: ['x == 1'] } as never).issues[0]?.field).toBe('that');
    expect(assert({ that: () => true, quiet: 'yes' } as never).issues[0]?.field).toBe('quiet');
    expect(fail({ msg: 3 } as never).issues[0]?.field).toBe('msg');
    expect(set_fact({ 'bad-name': 1 }).issues.length).toBeGreaterThan(0);
    expect(set_fact({}).issues.length).toBeGreaterThan(0);
    expect(pause({ minutes: 1, seconds: 2 }).issues).toEqual([{ field: '', message: 'parameters are mutually exclusive: minutes|seconds' }]);
    expect(debug({ msg: { any: ['json'] } }).issues).toEqual([]);
  });
});

describe('planners', () => {
  it('debug: msg, var by path, undefined, verbosity threshold', () => {
    const d = debug({}).module;
    expect(d.plan({ msg: 'hi' }, undefined, ctx()).result).toEqual({ msg: 'hi', _ansible_verbose_always: true });
    expect(d.plan({}, undefined, ctx()).result).toMatchObject({ msg: 'Hello world!' });
    expect(d.plan({ var: 'a.b[1]' }, undefined, ctx({ a: { b: [1, 2] } })).result).toMatchObject({ 'a.b[1]': '2' });
    expect(d.plan({ var: 'a' }, undefined, ctx({ a: 5 })).result).toMatchObject({ a: 5 });
    expect(d.plan({ var: 'nope' }, undefined, ctx()).result).toMatchObject({ nope: 'VARIABLE IS NOT DEFINED!' });
    expect(d.plan({ var: 'nope' }, undefined, ctx({ ansible_verbosity: 1 })).result).toMatchObject({ nope: "VARIABLE IS NOT DEFINED!: 'nope' is undefined. 'nope' is undefined" });
    expect(d.plan({ msg: 'x', verbosity: 2 }, undefined, ctx({ ansible_verbosity: 1 })).result).toEqual({ skipped: true, skipped_reason: 'Verbosity threshold not met.' });
  });
  it('assert: evaluates up to the first false condition, per host', () => {
    let calls = 0;
    const call = assert({ that: [(h) => h.vars.n === 1, () => (calls++, true)], fail_msg: 'n must be 1' });
    const params = call.params as (h: HostContext) => Record<string, unknown>;
    const failed = params(host({ n: 2 }));
    expect(calls).toBe(0);
    expect(failed.failed_assertion).toContain('h.vars.n === 1');
    const plan = call.module.plan(failed as never, undefined, ctx());
    expect(plan.failed).toBe('n must be 1');
    expect(plan.result).toMatchObject({ evaluated_to: false, msg: 'n must be 1', _ansible_verbose_always: true });
    const passed = call.module.plan(params(host({ n: 1 })) as never, undefined, ctx());
    expect(passed).toMatchObject({ changed: false, result: { msg: 'All assertions passed' } });
    expect(calls).toBe(1);
  });
  it('fail and set_fact', () => {
    expect(fail({}).module.plan({}, undefined, ctx()).failed).toBe('Failed as requested from task');
    expect(set_fact({ a: 1, b: [true] }).module.plan({ a: 1, b: [true] }, undefined, ctx())).toEqual({ changed: false, actions: [], result: { ansible_facts: { a: 1, b: [true] } } });
  });
  it('pause: Ansible result keys; a prompt without a terminal warns instead of waiting', async () => {
    const m = pause({}).module;
    const state = await m.gather({ prompt: 'go?' }, { run: () => Promise.reject(new Error('no host')) }, ctx());
    const plan = m.plan({ prompt: 'go?' }, state, ctx());
    expect(plan.result).toMatchObject({ rc: 0, user_input: '', echo: true, delta: 0, stdout: 'Paused for 0.0 seconds', warnings: ['Not waiting for response to prompt as stdin is not interactive'] });
    expect(String(plan.result?.start)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
  });
});

describe('lookupVar', () => {
  it('reads names, dots, indexes and quoted keys; says why a step is missing', () => {
    const vars = { app: { ports: [80, 443], 'x-y': 1 } };
    expect(lookupVar(vars, "app['x-y']")).toEqual({ found: true, value: 1 });
    expect(lookupVar(vars, 'app.ports[0]')).toEqual({ found: true, value: 80 });
    expect(lookupVar(vars, 'app.nope')).toEqual({ found: false, reason: "'dict object' has no attribute 'nope'" });
    expect(lookupVar(vars, 'app.ports[9]')).toEqual({ found: false, reason: 'list object has no element 9' });
    expect(lookupVar(vars, '1+1').found).toBe(false);
  });
});

describe('set_fact is typed', () => {
  it('its result carries the type of the facts it set', () => {
    const facts = task('pick', set_fact((h) => ({ release: `/srv/${String(h.vars.v)}`, keep: 3 })));
    expectTypeOf<NonNullable<ReturnType<typeof facts.result>>['ansible_facts']>().toEqualTypeOf<{ release: string; keep: number }>();
    expect(facts.result(host({}))).toBeUndefined();
    expect(facts.call.issues).toEqual([]);
  });
});
