/**
 * Dynamic includes with loops and includeRole, on fake hosts: how an include expands per host
 * and per item (Ansible's IncludedFile grouping and order), when per item, loop_control, tags
 * with and without apply, handlers notified from included tasks, a failing item, includeRole's
 * vars / public / tasks_from / handlers, check mode, and load and run-time errors. The same
 * cases run against ansible-playbook on lab hosts in test/e2e/include-parity.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { block, defineRole, handler, includeRole, includeTasks, play, task, validatePlays, type Items } from '../../runner/dsl.js';
import type { RunEvent } from '../../runner/events.js';
import { TextReporter } from '../../runner/report/text.js';
import { runPlaybook } from '../../runner/run.js';
import { defaultRunOptions } from '../../runner/options.js';
import { cmd, fakeInventory, runPlays, setv, World } from './engine-fakes.js';

const set = (name: string, key: string, value = '1') => task(name, setv({ key, value }));

type HostResult = Extract<RunEvent, { type: 'host_result' }>;
const includedLines = (events: RunEvent[]) =>
  events.flatMap((e) => (e.type === 'host_result' && e.included !== undefined && e.includedHosts?.[0] === e.host ? [`${e.includedHosts.join(',')} ${e.item ?? '-'}`] : []));

describe('includeTasks with loop', () => {
  it('expands per host and item: when per item, skipped items shown not counted, one file per item for all its hosts', async () => {
    const { rec, world } = await runPlays(
      [
        play({
          hosts: 'h1:h2',
          gather_facts: false,
          tasks: [
            includeTasks('per item', (h) => [set(`set ${String(h.item)}`, String(h.vars.item))], { loop: ['a', 'b', 'c'], when: (h) => h.vars.item !== 'b' }),
            set('after', 'after'),
          ],
        }),
      ],
      {},
      { hosts: ['h1', 'h2'] },
    );
    expect(rec.lines).toEqual([
      'per item h1 skipped b',
      'per item h2 skipped b',
      'per item h1 ok a',
      'per item h2 ok a',
      'per item h1 ok c',
      'per item h2 ok c',
      'set a h1 changed',
      'set a h2 changed',
      'set c h1 changed',
      'set c h2 changed',
      'after h1 changed',
      'after h2 changed',
    ]);
    expect(includedLines(rec.events)).toEqual(['h1,h2 a', 'h1,h2 c']);
    expect(world.get('h1', 'c')).toBe('1');
    expect(world.get('h1', 'b')).toBeUndefined();
    // Two includes (ok, not skipped) + three changed tasks.
    expect(rec.recap.h1).toMatchObject({ ok: 5, changed: 3, skipped: 0 });
  });

  it("groups as Ansible's IncludedFile: a file's order is its first host's, disjoint items run one after the other", async () => {
    const { rec } = await runPlays(
      [
        play({
          hosts: 'h1:h2',
          gather_facts: false,
          tasks: [
            includeTasks('order', (h) => [set(`two ${String(h.item)}`, `o${String(h.item)}`)], { loop: (h) => (h.host === 'h1' ? [2, 1] : [1, 2]) }),
            includeTasks('disjoint', () => [set('same name', 'd')], { loop: (h) => (h.host === 'h1' ? [1] : [2]) }),
          ],
        }),
      ],
      {},
      { hosts: ['h1', 'h2'] },
    );
    expect(includedLines(rec.events)).toEqual(['h1,h2 2', 'h1,h2 1', 'h1 1', 'h2 2']);
    // h2 runs item 2 first, as in Ansible; the two files of 'disjoint' are two steps (two banners).
    expect(rec.lines.filter((l) => !l.startsWith('order') && !l.startsWith('disjoint'))).toEqual([
      'two 2 h1 changed',
      'two 2 h2 changed',
      'two 1 h1 changed',
      'two 1 h2 changed',
      'same name h1 changed',
      'same name h2 changed',
    ]);
    expect(rec.events.filter((e) => e.type === 'task_start' && e.name === 'same name')).toHaveLength(2);
  });

  it('loop_control: loop_var, index_var, label and extended reach the function and the included tasks', async () => {
    const seen: unknown[] = [];
    const { rec } = await runPlays(
      [
        play({
          hosts: 'h1',
          gather_facts: false,
          tasks: [
            includeTasks(
              'ctl',
              (h) => {
                seen.push([h.item, h.vars.pkg, h.vars.i, (h.vars.ansible_loop as { index: number; last: boolean }).index]);
                return [task('uses vars', setv({ key: 'k', value: 'v' }), { when: (c) => (c.vars.pkg as { n: string }).n === 'x' && c.vars.i === 0 })];
              },
              { loop: [{ n: 'x', big: 'zzz' }, { n: 'y', big: 'yyy' }], loop_control: { loop_var: 'pkg', index_var: 'i', label: (h) => (h.vars.pkg as { n: string }).n, extended: true } },
            ),
          ],
        }),
      ],
      {},
      { hosts: ['h1'] },
    );
    expect(seen).toEqual([
      [{ n: 'x', big: 'zzz' }, { n: 'x', big: 'zzz' }, 0, 1],
      [{ n: 'y', big: 'yyy' }, { n: 'y', big: 'yyy' }, 1, 2],
    ]);
    expect(includedLines(rec.events)).toEqual(['h1 x', 'h1 y']);
    expect(rec.lines.filter((l) => l.startsWith('uses vars'))).toEqual(['uses vars h1 changed', 'uses vars h1 skipped']);
  });

  it("per item, `when` and the function read earlier tasks' results through their handles", async () => {
    const first = task('first', setv({ key: 'f', value: 'v' }));
    const { rec } = await runPlays([
      play({
        hosts: 'h1',
        gather_facts: false,
        tasks: [first, includeTasks('uses result', (h) => [set(`got ${String(first.result(h)?.changed)} ${String(h.item)}`, 'g')], { loop: [1, 2], when: (h) => first.result(h)?.changed === true && h.item === 2 })],
      }),
    ], {}, { hosts: ['h1'] });
    expect(rec.lines).toEqual(['first h1 changed', 'uses result h1 skipped 1', 'uses result h1 ok 2', 'got true 2 h1 changed']);
  });

  it('a loop with no item run is one counted skip; an empty loop too', async () => {
    const { rec } = await runPlays([
      play({
        hosts: 'h1',
        gather_facts: false,
        tasks: [includeTasks('none', () => [set('x', 'x')], { loop: [1, 2], when: () => false }), includeTasks('empty', () => [set('y', 'y')], { loop: [] })],
      }),
    ], {}, { hosts: ['h1'] });
    expect(rec.lines).toEqual(['none h1 skipped 1', 'none h1 skipped 2', 'none h1 skipped', 'empty h1 skipped']);
    expect(rec.recap.h1).toMatchObject({ ok: 0, skipped: 2 });
  });

  it('a failing included task for one item fails the host there: later items do not run, other hosts go on', async () => {
    const { rec, code } = await runPlays([
      play({
        hosts: 'h1:h2',
        gather_facts: false,
        tasks: [
          includeTasks('items', (h) => [task(`item ${String(h.item)}`, setv({ key: String(h.item), value: '1', planFail: h.item === 'b' && h.host === 'h1' }))], { loop: ['a', 'b', 'c'] }),
          set('after', 'after'),
        ],
      }),
    ], {}, { hosts: ['h1', 'h2'] });
    expect(code).toBe(2);
    const h1 = rec.lines.filter((l) => l.includes(' h1 '));
    expect(h1).toEqual(['items h1 ok a', 'items h1 ok b', 'items h1 ok c', 'item a h1 changed', 'item b h1 failed']);
    expect(rec.lines).toContain('after h2 changed');
    expect(rec.recap.h1).toMatchObject({ ok: 4, changed: 1, failed: 1 });
  });

  it("a loop that is not a list at run time fails that host with Ansible's message, before when", async () => {
    const { rec } = await runPlays([
      play({ hosts: 'h1:h2', gather_facts: false, tasks: [includeTasks('bad', () => [], { loop: ((h: { host: string }) => (h.host === 'h1' ? 5 : [1])) as never, when: () => false })] }),
    ], {}, { hosts: ['h1', 'h2'] });
    const bad = rec.events.find((e): e is HostResult => e.type === 'host_result' && e.host === 'h1')!;
    expect(bad.status).toBe('failed');
    expect(bad.result.msg).toMatch(/^Invalid data passed to 'loop', it requires a list, got this instead: 5\./);
    expect(rec.lines).toContain('bad h2 skipped');
  });

  it('tags: the include selects itself; its tasks run only with their own tags or apply', async () => {
    const tasks = (): Items => [set('plain', 'p'), task('tagged t', setv({ key: 't', value: '1' }), { tags: ['t'] })];
    const plays = () => [
      play({
        hosts: 'h1',
        gather_facts: false,
        tasks: [includeTasks('no apply', tasks, { loop: [1], tags: ['inc'] }), includeTasks('apply', tasks, { loop: [1], tags: ['inc2'], apply: { tags: ['inc2'] } })],
      }),
    ];
    const ran = async (tags: string[]) => (await runPlays(plays(), { tags }, { hosts: ['h1'] })).rec.lines;
    expect(await ran(['inc'])).toEqual(['no apply h1 ok 1']);
    expect(await ran(['inc2'])).toEqual(['apply h1 ok 1', 'plain h1 changed', 'tagged t h1 changed']);
    expect(await ran(['inc', 't'])).toEqual(['no apply h1 ok 1', 'tagged t h1 changed']);
  });

  it('included tasks notify the play handlers; a notify nobody listens to fails the host at run time', async () => {
    const { rec } = await runPlays([
      play({
        hosts: 'h1:h2',
        gather_facts: false,
        tasks: [
          includeTasks('notifies', (h) => [task('change', setv({ key: 'n', value: '1' }), { notify: h.host === 'h1' ? 'restart' : 'nobody' })], { loop: [1] }),
        ],
        handlers: [handler('restart', setv({ key: 'restarted', value: '1' }))],
      }),
    ], {}, { hosts: ['h1', 'h2'] });
    expect(rec.lines).toContain('restart h1 changed');
    const h2 = rec.events.find((e): e is HostResult => e.type === 'host_result' && e.host === 'h2')!;
    expect(h2.status).toBe('failed');
    expect(h2.result.msg).toContain("the requested handler 'nobody' was not found");
  });
});

const webHandlers = [handler('restart web', setv({ key: 'web_restarted', value: '1' }))];
interface WebVars {
  port: number;
}
const web = defineRole('web', (v: WebVars): Items => [task('port', setv({ key: 'port', value: String(v.port) }), { notify: 'restart web' })], {
  handlers: webHandlers,
  entries: { reload: (v: WebVars): Items => [set(`reload ${v.port}`, 'reloaded')] },
});

describe('includeRole', () => {
  it("runs the role with its typed vars per host, as '<role> : <task>', with its handlers; no line, no count for the include", async () => {
    const { rec, world } = await runPlays([
      play({
        hosts: 'h1:h2',
        gather_facts: false,
        tasks: [includeRole(web, { vars: (h) => ({ port: h.host === 'h1' ? 80 : 81 }) }), task('sees port?', setv({ key: 'after', value: 'x' }), { when: (h) => !('port' in h.vars) })],
      }),
    ], {}, { hosts: ['h1', 'h2'] });
    expect(world.get('h1', 'port')).toBe('80');
    expect(world.get('h2', 'port')).toBe('81');
    expect(rec.lines).toEqual([
      'include_role : web h1 ok',
      'include_role : web h2 ok',
      'web : port h1 changed',
      'web : port h2 changed',
      'sees port? h1 changed',
      'sees port? h2 changed',
      'web : restart web h1 changed',
      'web : restart web h2 changed',
    ]);
    expect(rec.events.filter((e) => e.type === 'task_start').map((e) => (e as { name: string }).name)).toContain('include_role : web');
    // The include is not counted: port, sees port?, the handler.
    expect(rec.recap.h1).toMatchObject({ ok: 3, changed: 3 });
  });

  it('public: true keeps the vars visible to later tasks; tasks_from picks an entry; loop and when per item', async () => {
    const { rec } = await runPlays([
      play({
        hosts: 'h1',
        gather_facts: false,
        tasks: [
          includeRole(web, { name: 'public web', vars: { port: 90 }, public: true }),
          task('sees port', setv({ key: 'seen', value: 'x' }), { when: (h) => h.vars.port === 90 }),
          includeRole(web, { tasks_from: 'reload', loop: [1, 2], vars: (h) => ({ port: h.item as number }), when: (h) => h.item === 2 }),
        ],
      }),
    ], {}, { hosts: ['h1'] });
    expect(rec.lines).toEqual([
      'public web h1 ok',
      'web : port h1 changed',
      'sees port h1 changed',
      'include_role : web h1 skipped 1',
      'include_role : web h1 ok',
      'web : reload 2 h1 changed',
      'web : restart web h1 changed',
    ]);
  });

  it.each(['linear', 'free'] as const)('%s: a loop include nested in a looped role keeps the role name and each level its own item', async (strategy) => {
    const inner = defineRole('inner', (v: { tag: string }): Items => [
      includeTasks('nested', (h) => [set(`deep ${v.tag} ${String(h.vars.n)}`, `${v.tag}${String(h.vars.n)}`)], { loop: [1, 2], loop_control: { loop_var: 'n' } }),
    ]);
    const { rec, world } = await runPlays([
      play({ hosts: 'h1:h2', gather_facts: false, strategy, tasks: [includeRole(inner, { loop: ['a', 'b'], vars: (h) => ({ tag: String(h.item) }) }), set('end', 'end')] }),
    ], {}, { hosts: ['h1', 'h2'] });
    const of = (host: string) => rec.lines.filter((l) => l.split(' ').at(-2) === host && !l.includes(' ok'));
    expect(of('h1')).toEqual(['inner : deep a 1 h1 changed', 'inner : deep a 2 h1 changed', 'inner : deep b 1 h1 changed', 'inner : deep b 2 h1 changed', 'end h1 changed']);
    expect(of('h2')).toEqual(of('h1').map((l) => l.replace(' h1 ', ' h2 ')));
    expect(world.get('h2', 'b2')).toBe('1');
  });

  it('refuses at load: not a role, an unknown entry, loop_control without loop, a loop that is no list', () => {
    const errors = validatePlays([
      play({
        hosts: 'all',
        tasks: [
          includeRole((() => []) as never),
          includeRole(web, { tasks_from: 'nope' as never }),
          includeTasks('lc', () => [], { loop_control: { loop_var: 'x' } }),
          includeTasks('num', () => [], { loop: 5 as never }),
          includeTasks('badvar', () => [], { loop: [1], loop_control: { loop_var: 'a-b' } }),
        ],
      }),
    ]).map((e) => e.message);
    expect(errors).toEqual([
      expect.stringMatching(/include-loop\.test\.ts:\d+:\d+: include_role 'anonymous': the first argument must be a role from defineRole\(\), got a function/),
      expect.stringMatching(/include_role 'web': tasks_from 'nope' is not an entry of role 'web' \(entries: reload\)/),
      expect.stringMatching(/include_tasks 'lc': 'loop_control' needs a 'loop'/),
      expect.stringMatching(/include_tasks 'num': field 'loop' must be a list or a function returning one, got number 5/),
      expect.stringMatching(/include_tasks 'badvar': loop_control: field 'loop_var' must be a variable name/),
    ]);
    expect(() => defineRole('', (() => []) as never)).toThrow(/role '': the name must be a non-empty string/);
  });
});

describe('includes in check mode', () => {
  it('expand as the real run does: the check predicts what the run then reports', async () => {
    const world = new World();
    const plays = () => [
      play({
        hosts: 'h1:h2',
        gather_facts: false,
        tasks: [
          set('first', 'base'),
          includeTasks('per item', (h) => [set(`set ${String(h.item)}`, String(h.item))], { loop: (h) => (h.host === 'h1' ? ['a', 'b'] : ['b']) }),
          includeRole(web, { vars: { port: 1 } }),
        ],
      }),
    ];
    const check = await runPlays(plays(), { check: true }, { hosts: ['h1', 'h2'], world });
    expect(world.applied).toEqual([]);
    const real = await runPlays(plays(), {}, { hosts: ['h1', 'h2'], world });
    expect(check.rec.lines).toEqual(real.rec.lines);
    expect(check.rec.recap).toEqual(real.rec.recap);
  });

  it('a loop over what an earlier would-run task registers is reported as depending on it', async () => {
    const out = task('out', cmd({ cmd: 'list' }));
    const { rec } = await runPlays([
      play({
        hosts: 'h1',
        gather_facts: false,
        tasks: [out, includeTasks('from output', () => [set('x', 'x')], { loop: (h) => String(out.result(h)?.stdout).split(' ') })],
      }),
    ], { check: true }, { hosts: ['h1'] });
    const inc = rec.events.find((e): e is HostResult => e.type === 'host_result' && e.task === 'from output')!;
    expect(inc.status).toBe('skipped');
    expect(inc.dependsOn).toBe('out');
  });
});

describe('the text output', () => {
  it("prints Ansible's included lines: one per file, its hosts, its item", async () => {
    let stdout = '';
    const reporter = new TextReporter({ verbosity: 0, stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => undefined } });
    const plays = [
      play({
        hosts: 'h1:h2',
        gather_facts: false,
        tasks: [
          includeTasks('loop include', () => [set('in it', 'k')], { loop: ['a', 'b', 'c'], when: (h) => h.vars.item !== 'b' || h.host === 'h2' }),
          block({ block: [includeRole(web, { vars: { port: 5 } })] }),
        ],
      }),
    ];
    await runPlaybook(plays, defaultRunOptions({}), reporter, { inventory: fakeInventory(['h1', 'h2']), deps: new World().deps(), playbookDir: '/pb' });
    const lines = stdout.split('\n').filter((l) => l && !l.startsWith('PLAY') && !/^\w+\s+: ok=/.test(l));
    expect(lines.slice(0, 5)).toEqual([
      `TASK [loop include] ${'*'.repeat(60)}`,
      'skipping: [h1] => (item=b) ',
      // The files in the order the first host met them (h1: a, c), then h2's own (b).
      'included: loop include for h1, h2 => (item=a)',
      'included: loop include for h1, h2 => (item=c)',
      'included: loop include for h2 => (item=b)',
    ]);
    expect(lines).toContain(`TASK [include_role : web] ${'*'.repeat(54)}`);
    expect(lines).toContain(`TASK [web : port] ${'*'.repeat(62)}`);
    expect(lines).toContain(`RUNNING HANDLER [web : restart web] ${'*'.repeat(44)}`);
  });
});
