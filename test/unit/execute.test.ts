import { describe, expect, it } from 'vitest';
import { block, play, registered, task, type LoopResult } from '../../runner/dsl.js';
import { secret } from '../../runner/secret.js';
import { cmd, runPlays, setv, World } from './engine-fakes.js';

const noFacts = { gather_facts: false } as const;

describe('per-host task execution', () => {
  it('applies a change, reports changed, then ok on the second run', async () => {
    const world = new World();
    const plays = [play({ hosts: 'all', ...noFacts, tasks: [task('set a', setv({ key: 'a', value: '1' }))] })];
    const first = await runPlays(plays, {}, { world });
    expect(first.rec.grouped).toEqual(['set a h1 changed', 'set a h2 changed', 'set a h3 changed']);
    expect(world.get('h2', 'a')).toBe('1');
    const second = await runPlays(plays, {}, { world });
    expect(second.rec.grouped).toEqual(['set a h1 ok', 'set a h2 ok', 'set a h3 ok']);
    expect(second.code).toBe(0);
  });

  it('check mode never applies, but predicts the change and its diff', async () => {
    const { rec, world, code } = await runPlays(
      [play({ hosts: 'all', ...noFacts, tasks: [task('set a', setv({ key: 'a', value: '1' })), task('run', cmd({ cmd: 'touch x' }))] })],
      { check: true, diff: true },
    );
    expect(world.applied).toEqual([]);
    expect(code).toBe(0);
    expect(rec.grouped.slice(0, 3)).toEqual(['set a h1 changed', 'set a h2 changed', 'set a h3 changed']);
    const results = rec.events.filter((e) => e.type === 'host_result');
    expect(results[0]).toMatchObject({ diffs: [{ before: '\n', after: '1\n' }] });
    expect(results[3]).toMatchObject({ task: 'run', status: 'changed', wouldRun: true });
  });

  it('check_mode: false applies even under --check; check_mode: true never applies', async () => {
    const { world } = await runPlays(
      [
        play({
          hosts: 'h1',
          ...noFacts,
          tasks: [task('forced', setv({ key: 'a', value: '1' }), { check_mode: false }), task('dry', setv({ key: 'b', value: '1' }), { check_mode: true })],
        }),
      ],
      { check: true },
    );
    expect(world.applied).toEqual(['h1: set a=1']);
    const again = await runPlays([play({ hosts: 'h1', ...noFacts, tasks: [task('dry', setv({ key: 'b', value: '1' }), { check_mode: true })] })]);
    expect(again.world.applied).toEqual([]);
  });

  it('a failing host leaves the play, the others finish; exit 2', async () => {
    const { rec, code } = await runPlays([
      play({
        hosts: 'all',
        ...noFacts,
        tasks: [
          task('maybe fail', cmd((h) => ({ cmd: h.host === 'h2' ? 'exit 3' : 'exit 0' }))),
          task('after', setv({ key: 'a', value: '1' })),
        ],
      }),
    ]);
    expect(rec.grouped).toEqual(['maybe fail h1 changed', 'maybe fail h2 failed', 'maybe fail h3 changed', 'after h1 changed', 'after h3 changed']);
    expect(code).toBe(2);
    expect(rec.recap.h2).toMatchObject({ ok: 0, failed: 1 });
    const failed = rec.events.find((e) => e.type === 'host_result' && e.status === 'failed');
    expect(failed).toMatchObject({ result: { rc: 3, stderr: 'boom', msg: 'non-zero return code' } });
  });

  it('an unreachable host is reported once, the others go on; exit 4 wins over 2', async () => {
    const world = new World();
    world.unreachable.add('h3');
    const { rec, code } = await runPlays(
      [play({ hosts: 'all', tasks: [task('fail h1', cmd((h) => ({ cmd: h.host === 'h1' ? 'exit 1' : 'exit 0' }))), task('b', setv({ key: 'b', value: '1' }))] })],
      {},
      { world },
    );
    expect(rec.grouped).toEqual([
      'Gathering Facts h1 ok',
      'Gathering Facts h2 ok',
      'Gathering Facts h3 unreachable',
      'fail h1 h1 failed',
      'fail h1 h2 changed',
      'b h2 changed',
    ]);
    expect(rec.recap.h3).toMatchObject({ unreachable: 1, ok: 0 });
    expect(code).toBe(4);
  });

  it('opens one connection per host for the whole run and closes it at the end', async () => {
    const t = task('set', setv({ key: 'a', value: '1' }));
    const { world } = await runPlays([play({ hosts: 'all', tasks: [t] }), play({ hosts: 'h1:h2', tasks: [t] })]);
    expect(world.connects.sort()).toEqual(['h1', 'h2', 'h3']);
    expect(world.closed.sort()).toEqual(['h1', 'h2', 'h3']);
  });

  it('a no-op task costs exactly the module gather on each host (no extra round trip)', async () => {
    const world = new World();
    const plays = [play({ hosts: 'all', tasks: [task('a', setv({ key: 'a', value: '1' })), task('b', setv({ key: 'b', value: '1' }))] })];
    await runPlays(plays, {}, { world });
    world.execs.length = 0;
    await runPlays(plays, {}, { world });
    expect(world.execs.map((e) => `${e.host} ${e.script}`).sort()).toEqual(['h1 get a', 'h1 get b', 'h2 get a', 'h2 get b', 'h3 get a', 'h3 get b']);
  });

  it('when skips per host and sees vars, facts and registered results', async () => {
    const stat = task('read', setv({ key: 'x', value: 'v' }), { register: 'reg', check_mode: true });
    const { rec } = await runPlays(
      [
        play({
          hosts: 'all',
          vars: { wanted: 'h2' },
          tasks: [
            stat,
            task('only wanted', setv({ key: 'a', value: '1' }), { when: (h) => h.host === h.vars.wanted && h.facts.os_family === 'Debian' }),
            task('typed handle', setv({ key: 'b', value: '1' }), { when: (h) => stat.result(h)?.changed === true && h.host === 'h1' }),
            task('register name', setv({ key: 'c', value: '1' }), { when: (h) => registered(h, 'reg')?.key === 'x' && h.host === 'h3' }),
          ],
        }),
      ],
      {},
      { hosts: ['h1', 'h2', 'h3'] },
    );
    expect(rec.grouped.filter((l) => !l.startsWith('Gathering') && !l.startsWith('read'))).toEqual([
      'only wanted h1 skipped',
      'only wanted h2 changed',
      'only wanted h3 skipped',
      'typed handle h1 changed',
      'typed handle h2 skipped',
      'typed handle h3 skipped',
      'register name h1 skipped',
      'register name h2 skipped',
      'register name h3 changed',
    ]);
    expect(rec.recap.h1).toMatchObject({ ok: 3, changed: 2, skipped: 2 });
  });

  it('loop runs per item with `item`, registers Ansible-shaped results, and when filters items', async () => {
    let seen: LoopResult | undefined;
    const looped = task('loop', setv((h) => ({ key: String(h.item), value: 'on' })), { loop: ['a', 'b', 'c'], when: (h) => h.item !== 'b' });
    const { rec, world } = await runPlays(
      [
        play({
          hosts: 'h1',
          ...noFacts,
          tasks: [
            looped,
            task('inspect', setv({ key: 'z', value: '1' }), {
              when: (h) => {
                seen = looped.result(h);
                return false;
              },
            }),
          ],
        }),
      ],
    );
    expect(rec.lines).toEqual(['loop h1 changed a', 'loop h1 skipped b', 'loop h1 changed c', 'inspect h1 skipped']);
    expect(world.applied).toEqual(['h1: set a=on', 'h1: set c=on']);
    expect(seen?.changed).toBe(true);
    expect(seen?.results.map((r) => [r.item, r.changed, Boolean(r.skipped)])).toEqual([
      ['a', true, false],
      ['b', false, true],
      ['c', true, false],
    ]);
    expect(rec.recap.h1).toMatchObject({ ok: 1, changed: 1, skipped: 1 });
  });

  it('a loop whose items are all skipped, or that has none, adds one skipping line for the host (Ansible)', async () => {
    const { rec } = await runPlays([
      play({
        hosts: 'h1',
        gather_facts: false,
        tasks: [
          task('none wanted', setv((h) => ({ key: String(h.item), value: '1' })), { loop: ['a', 'b'], when: () => false }),
          task('empty', setv({ key: 'k', value: '1' }), { loop: [] }),
        ],
      }),
    ]);
    expect(rec.lines).toEqual(['none wanted h1 skipped a', 'none wanted h1 skipped b', 'none wanted h1 skipped', 'empty h1 skipped']);
    expect(rec.recap.h1).toMatchObject({ ok: 0, skipped: 2 });
  });

  it('a loop item that fails (or whose params throw) fails alone; the loop goes on', async () => {
    const { rec, code } = await runPlays([
      play({
        hosts: 'h1',
        gather_facts: false,
        tasks: [
          task(
            'items',
            cmd((h) => {
              if (h.item === 'boom') throw new Error('no command for boom');
              return { cmd: `exit ${String(h.item)}` };
            }),
            { loop: ['0', '1', 'boom', '0'] },
          ),
        ],
      }),
    ]);
    expect(rec.lines).toEqual(['items h1 changed 0', 'items h1 failed 1', 'items h1 failed boom', 'items h1 changed 0']);
    expect(rec.events.filter((e) => e.type === 'host_result')[2]).toMatchObject({ result: { msg: 'no command for boom', failed: true } });
    expect(code).toBe(2);
  });

  it('loop from a function of the host', async () => {
    const { world } = await runPlays([
      play({ hosts: 'all', ...noFacts, tasks: [task('per host', setv((h) => ({ key: String(h.item), value: '1' })), { loop: (h) => [h.host + 'x'] })] }),
    ]);
    expect(world.applied.sort()).toEqual(['h1: set h1x=1', 'h2: set h2x=1', 'h3: set h3x=1']);
  });

  it('changed_when and failed_when replace the module verdict', async () => {
    const { rec, code } = await runPlays([
      play({
        hosts: 'h1',
        ...noFacts,
        tasks: [
          task('never changed', cmd({ cmd: 'exit 0' }), { changed_when: () => false }),
          task('fail on output', cmd({ cmd: 'exit 0' }), { failed_when: (r) => String(r.stdout).includes('out') }),
          task('not reached', setv({ key: 'a', value: '1' })),
        ],
      }),
    ]);
    expect(rec.lines).toEqual(['never changed h1 ok', 'fail on output h1 failed']);
    expect(code).toBe(2);
  });

  it('ignore_errors keeps the host going and counts ok + ignored', async () => {
    const { rec, code } = await runPlays([
      play({ hosts: 'h1', ...noFacts, tasks: [task('bad', cmd({ cmd: 'exit 1' }), { ignore_errors: true }), task('next', setv({ key: 'a', value: '1' }))] }),
    ]);
    expect(rec.lines).toEqual(['bad h1 failed ignored', 'next h1 changed']);
    expect(rec.recap.h1).toMatchObject({ ok: 2, changed: 2, failed: 0, ignored: 1 });
    expect(code).toBe(0);
  });

  it('a failed plan fails the host without applying anything', async () => {
    const { rec, world } = await runPlays([play({ hosts: 'h1', ...noFacts, tasks: [task('cannot', setv({ key: 'a', value: '1', planFail: true }))] })]);
    expect(world.applied).toEqual([]);
    expect(rec.events.find((e) => e.type === 'host_result')).toMatchObject({ status: 'failed', result: { msg: 'cannot set a' } });
  });

  it('per-host params are validated per host: bad ones fail only that host, naming the field', async () => {
    const { rec } = await runPlays([
      play({ hosts: 'h1:h2', ...noFacts, tasks: [task('dyn', setv((h) => ({ key: 'k', value: (h.host === 'h2' ? 5 : 'x') as string })))] }),
    ]);
    expect(rec.grouped).toEqual(['dyn h1 changed', 'dyn h2 failed']);
    const bad = rec.events.find((e) => e.type === 'host_result' && e.host === 'h2');
    expect(bad).toMatchObject({ result: { msg: "setv: field 'value' must be string" } });
  });

  it('run_once runs on the first host only and registers its result for all', async () => {
    const once = task('once', cmd({ cmd: 'exit 0' }), { run_once: true, register: 'o' });
    const { rec, world } = await runPlays([
      play({ hosts: 'all', ...noFacts, tasks: [once, task('use', setv((h) => ({ key: 'got', value: String(registered(h, 'o')?.stdout) })))] }),
    ]);
    expect(world.applied.filter((a) => a.includes('exit'))).toEqual(['h1: exit 0']);
    expect(rec.lines.filter((l) => l.startsWith('once'))).toEqual(['once h1 changed']);
    expect(world.get('h3', 'got')).toBe('out h1');
  });

  it('delegate_to runs on the other host with the current host vars', async () => {
    const { rec, world } = await runPlays(
      [play({ hosts: 'h1:h2', ...noFacts, tasks: [task('on bastion', setv((h) => ({ key: `for_${h.host}`, value: String(h.vars.color) })), { delegate_to: 'b1' })] })],
      {},
      { hosts: ['h1', 'h2', 'b1'], vars: { h1: { color: 'red' }, h2: { color: 'blue' } } },
    );
    expect(world.applied.sort()).toEqual(['b1: set for_h1=red', 'b1: set for_h2=blue']);
    expect(rec.events.filter((e) => e.type === 'host_result').map((e) => e.type === 'host_result' && e.delegatedTo)).toEqual(['b1', 'b1']);
  });

  it('become: the task, block or play keyword reaches the probe and the actions', async () => {
    const { world } = await runPlays(
      [
        play({
          hosts: 'h1',
          ...noFacts,
          become: true,
          tasks: [
            task('as root', setv({ key: 'a', value: '1' })),
            task('as app', setv({ key: 'b', value: '1' }), { become_user: 'app' }),
            block({ become: false, block: [task('as login', setv({ key: 'c', value: '1' }))] }),
          ],
        }),
      ],
    );
    expect(world.execs.map((e) => `${e.script} ${e.become ?? '-'}`)).toEqual([
      'get a root',
      'set a=1 root',
      'get b app',
      'set b=1 app',
      'get c -',
      'set c=1 -',
    ]);
  });

  it('passwords given as variables (inventory or -e) are masked like -K', async () => {
    const { rec } = await runPlays(
      [play({ hosts: 'h1:h2', gather_facts: false, tasks: [task('echo', cmd((h) => ({ cmd: `echo ${String(h.vars.ansible_become_password)}` })))] })],
      { extraVars: {} },
      { hosts: ['h1', 'h2'], vars: { h1: { ansible_become_password: 'inv-pass-1' }, h2: { ansible_password: 'inv-pass-2', ansible_become_password: 'inv-pass-3' } } },
    );
    const text = JSON.stringify(rec.events);
    expect(text).not.toMatch(/inv-pass-/);
    const viaExtra = await runPlays(
      [play({ hosts: 'h1', gather_facts: false, tasks: [task('echo', cmd((h) => ({ cmd: `echo ${String(h.vars.ansible_become_pass)}` })))] })],
      { extraVars: { ansible_become_pass: 'extra-pass-9' } },
    );
    expect(JSON.stringify(viaExtra.rec.events)).not.toContain('extra-pass-9');
    expect(JSON.stringify(viaExtra.rec.events)).toContain('echo ********');
  });

  it("the host's ansible_become* vars beat the keywords and the command line", async () => {
    const { world } = await runPlays(
      [play({ hosts: 'h1:h2', gather_facts: false, become: false, tasks: [task('t', setv({ key: 'a', value: '1' }), { become_user: 'app' })] })],
      { become: true },
      { hosts: ['h1', 'h2'], vars: { h1: { ansible_become: 'yes', ansible_become_user: 'svc' } } },
    );
    expect(world.execs.map((e) => `${e.host} ${e.script} ${e.become ?? '-'}`).sort()).toEqual(['h1 get a svc', 'h1 set a=1 svc', 'h2 get a -', 'h2 set a=1 -']);
  });

  it('no_log censors the result and diff in events; secret params and the become password are masked', async () => {
    const { rec } = await runPlays(
      [
        play({
          hosts: 'h1',
          ...noFacts,
          tasks: [
            task('hidden', cmd({ cmd: 'echo topsecret' }), { no_log: true }),
            task('secret value', setv({ key: 'pw', value: 'hunter22' })),
            task('echo password', cmd({ cmd: 'echo s3cr3t-pass' })),
          ],
        }),
      ],
      { diff: true, becomePassword: secret('s3cr3t-pass') },
    );
    const text = JSON.stringify(rec.events);
    expect(text).not.toContain('topsecret');
    expect(text).not.toContain('hunter22');
    expect(text).not.toContain('s3cr3t-pass');
    expect(text).toContain("the output has been hidden due to the fact that 'no_log: true' was specified for this result");
    expect(rec.lines).toEqual(['hidden h1 changed', 'secret value h1 changed', 'echo password h1 changed']);
  });

  it("hostvars reads another host's inventory vars and registered results", async () => {
    const { world } = await runPlays(
      [
        play({
          hosts: 'all',
          gather_facts: false,
          tasks: [
            task('reg', setv((h) => ({ key: 'r', value: `from-${h.host}` })), { register: 'mine' }),
            task('peek', setv((h) => {
              const other = (h.vars.hostvars as Record<string, Record<string, unknown>>)['h2']!;
              return { key: 'peek', value: `${String(other.color)}/${String((other.mine as { key: string }).key)}/${'h9' in (h.vars.hostvars as object)}` };
            })),
          ],
        }),
      ],
      {},
      { hosts: ['h1', 'h2'], vars: { h2: { color: 'blue' } } },
    );
    expect(world.get('h1', 'peek')).toBe('blue/r/false');
  });

  it('extra vars win over play, block and task vars', async () => {
    const { world } = await runPlays(
      [
        play({
          hosts: 'h1',
          ...noFacts,
          vars: { v: 'play', w: 'play' },
          tasks: [
            block({ vars: { v: 'block', w: 'block' }, block: [task('t', setv((h) => ({ key: 'v', value: `${h.vars.v}/${h.vars.w}` })), { vars: { w: 'task' } })] }),
          ],
        }),
      ],
      { extraVars: { v: 'extra' } },
    );
    expect(world.get('h1', 'v')).toBe('extra/task');
  });
});

describe('blocks', () => {
  it('rescue runs on the hosts that failed in the block and counts rescued; always runs everywhere', async () => {
    const { rec, code, world } = await runPlays([
      play({
        hosts: 'h1:h2',
        ...noFacts,
        tasks: [
          block({
            block: [task('risky', cmd((h) => ({ cmd: h.host === 'h2' ? 'exit 1' : 'exit 0' }))), task('rest', setv({ key: 'r', value: '1' }))],
            rescue: [task('recover', setv((h) => ({ key: 'rescued', value: `${(h.vars.ansible_failed_task as { name: string }).name}:${(h.vars.ansible_failed_result as { rc: number }).rc}` })))],
            always: [task('cleanup', setv({ key: 'always', value: '1' }))],
          }),
          task('after', setv({ key: 'after', value: '1' })),
        ],
      }),
    ]);
    expect(rec.grouped).toEqual([
      'risky h1 changed',
      'risky h2 failed',
      'rest h1 changed',
      'recover h2 changed',
      'cleanup h1 changed',
      'cleanup h2 changed',
      'after h1 changed',
      'after h2 changed',
    ]);
    expect(rec.recap.h2).toMatchObject({ failed: 0, rescued: 1 });
    expect(world.get('h2', 'rescued')).toBe('risky:1');
    expect(code).toBe(0);
  });

  it('without rescue, always still runs and then the host fails', async () => {
    const { rec, code } = await runPlays([
      play({
        hosts: 'h1',
        ...noFacts,
        tasks: [block({ block: [task('bad', cmd({ cmd: 'exit 1' }))], always: [task('cleanup', setv({ key: 'c', value: '1' }))] }), task('after', setv({ key: 'a', value: '1' }))],
      }),
    ]);
    expect(rec.lines).toEqual(['bad h1 failed', 'cleanup h1 changed']);
    expect(code).toBe(2);
  });

  it('block when applies to every task inside', async () => {
    const { rec } = await runPlays([
      play({ hosts: 'h1:h2', ...noFacts, tasks: [block({ when: (h) => h.host === 'h1', block: [task('a', setv({ key: 'a', value: '1' })), task('b', setv({ key: 'b', value: '1' }))] })] }),
    ]);
    expect(rec.grouped).toEqual(['a h1 changed', 'a h2 skipped', 'b h1 changed', 'b h2 skipped']);
  });
});

describe('verbosity', () => {
  it('-vvv traces each command on the host (masked), nothing below -vvv', async () => {
    const plays = [play({ hosts: 'h1', gather_facts: false, tasks: [task('t', cmd({ cmd: 'echo s3cr3t-pass' }))] })];
    const quiet = await runPlays(plays, { verbosity: 2 }, { hosts: ['h1'] });
    expect(quiet.rec.events.filter((e) => e.type === 'verbose')).toEqual([]);
    const loud = await runPlays(plays, { verbosity: 3, becomePassword: secret('s3cr3t-pass') }, { hosts: ['h1'] });
    const traces = loud.rec.events.flatMap((e) => (e.type === 'verbose' ? [`${e.host} ${e.message}`] : []));
    expect(traces).toEqual(['h1 ESTABLISH CONNECTION', 'h1 EXEC echo ********']);
  });
});

describe('durations in results', () => {
  it('each host result carries durationMs; loop items say which of how many they are', async () => {
    const { rec } = await runPlays([
      play({
        hosts: 'h1',
        gather_facts: true,
        tasks: [task('set a', setv({ key: 'a', value: '1' })), task('items', setv((h) => ({ key: String(h.item), value: '1' })), { loop: ['x', 'y', 'z'] })],
      }),
    ]);
    const results = rec.events.flatMap((e) => (e.type === 'host_result' ? [e] : []));
    expect(results.map((r) => r.task)).toEqual(['Gathering Facts', 'set a', 'items', 'items', 'items']);
    for (const r of results) {
      expect(r.durationMs, r.task).toEqual(expect.any(Number));
      expect(r.durationMs!).toBeGreaterThanOrEqual(0);
    }
    expect(results.slice(2).map((r) => r.loop)).toEqual([
      { index: 0, total: 3 },
      { index: 1, total: 3 },
      { index: 2, total: 3 },
    ]);
    expect(results[1]).not.toHaveProperty('loop');
  });
});
