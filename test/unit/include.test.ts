/**
 * includeTasks() in the engine, on fake hosts: load-time keyword checks, apply's keywords reaching
 * the included tasks (become), the include's vars, a function that throws or returns a broken
 * task failing only its host, per-host task lists under both strategies. Tag selection and run
 * results are compared with ansible-playbook in test/compat/include-tasks.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { includeTasks, play, task, validatePlays } from '../../runner/dsl.js';
import { runPlays, setv } from './engine-fakes.js';

const set = (key: string) => task(`set ${key}`, setv({ key, value: '1' }));

describe('includeTasks', () => {
  it('refuses keywords an include does not take, at load time', () => {
    const bad = includeTasks('x', () => [], { become: true } as never);
    const badApply = includeTasks('y', () => [], { apply: { notify: 'h' } as never });
    const errors = validatePlays([play({ hosts: 'all', tasks: [bad, badApply] })]).map((e) => e.message);
    expect(errors).toEqual([
      expect.stringContaining("include_tasks 'x': 'become' is not a valid attribute for a Include"),
      expect.stringContaining("include_tasks 'y': apply: 'notify' is not a valid attribute for a Apply"),
    ]);
  });

  it("apply's become reaches the included tasks; the include's vars are theirs; when decides per host", async () => {
    const { world, rec } = await runPlays([
      play({
        hosts: 'h1:h2',
        gather_facts: false,
        tasks: [
          includeTasks('as app', (h) => [task(`set ${String(h.vars.which)}`, setv({ key: String(h.vars.which), value: '1' }))], {
            vars: { which: 'k' },
            apply: { become: true, become_user: 'app' },
            when: (h) => h.host === 'h1',
          }),
          set('after'),
        ],
      }),
    ]);
    expect(world.execs.filter((e) => e.host === 'h1').map((e) => `${e.script} ${e.become ?? '-'}`)).toEqual(['get k app', 'set k=1 app', 'get after -', 'set after=1 -']);
    // As Ansible: the skips as they come, the `included:` lines after every host's result.
    expect(rec.lines).toEqual(['as app h2 skipped', 'as app h1 ok', 'set k h1 changed', 'set after h1 changed', 'set after h2 changed']);
  });

  it('a function that throws, or returns a task with bad params, fails that host only', async () => {
    const { rec } = await runPlays([
      play({
        hosts: 'h1:h2:h3',
        gather_facts: false,
        tasks: [
          includeTasks('per host', (h) => {
            if (h.host === 'h1') throw new Error('no tasks for h1');
            return h.host === 'h2' ? [task('bad', setv({ key: 5 } as never))] : [set('fine')];
          }),
          set('next'),
        ],
      }),
    ]);
    const results = rec.events.flatMap((e) => (e.type === 'host_result' ? [[e.task, e.host, e.status, e.result.msg ?? '']] : []));
    expect(results).toEqual([
      ['per host', 'h1', 'failed', 'no tasks for h1'],
      ['per host', 'h2', 'failed', expect.stringContaining("include.test.ts:52:51: task 'bad': setv: field 'value' is required; field 'key' must be string")],
      ['per host', 'h3', 'ok', ''],
      ['set fine', 'h3', 'changed', 'set fine'],
      ['set next', 'h3', 'changed', 'set next'],
    ]);
  });

  it.each(['linear', 'free'] as const)('%s: each host runs the tasks its include returned, a nested include too', async (strategy) => {
    const { rec } = await runPlays([
      play({
        hosts: 'h1:h2',
        gather_facts: false,
        strategy,
        tasks: [includeTasks('role', (h) => (h.host === 'h1' ? [set('web'), includeTasks('nested', () => [set('deep')])] : [set('db')])), set('end')],
      }),
    ]);
    const of = (host: string) => rec.lines.filter((l) => l.split(' ').at(-2) === host);
    expect(of('h1')).toEqual(['role h1 ok', 'set web h1 changed', 'nested h1 ok', 'set deep h1 changed', 'set end h1 changed']);
    expect(of('h2')).toEqual(['role h2 ok', 'set db h2 changed', 'set end h2 changed']);
  });
});
