import { describe, expect, it } from 'vitest';
import { play, task } from '../../runner/dsl.js';
import { orderHosts, serialBatches, Slots } from '../../runner/schedule.js';
import { cmd, runPlays, setv, World } from './engine-fakes.js';

const hosts = (n: number) => Array.from({ length: n }, (_, i) => `h${String(i + 1).padStart(2, '0')}`);
const twoTasks = [task('one', setv({ key: 'a', value: '1' })), task('two', setv({ key: 'b', value: '1' }))];

describe('serial batches (Ansible _get_serialized_batches)', () => {
  const ten = hosts(10);
  it('no serial: one batch', () => expect(serialBatches(ten, undefined)).toEqual([ten]));
  it('a number', () => expect(serialBatches(ten, 4).map((b) => b.length)).toEqual([4, 4, 2]));
  it('a percentage rounds down, at least 1', () => {
    expect(serialBatches(ten, '30%').map((b) => b.length)).toEqual([3, 3, 3, 1]);
    expect(serialBatches(ten, '5%').map((b) => b.length)).toEqual(Array(10).fill(1));
  });
  it('a list: sizes in turn, the last one repeating', () => {
    expect(serialBatches(ten, [1, '20%', 3]).map((b) => b.length)).toEqual([1, 2, 3, 3, 1]);
  });
  it('0 means all hosts', () => expect(serialBatches(ten, 0)).toEqual([ten]));
});

describe('host order', () => {
  const list = ['b', 'c', 'a'];
  it('orders as Ansible names them', () => {
    expect(orderHosts(list, 'inventory')).toEqual(['b', 'c', 'a']);
    expect(orderHosts(list, 'reverse_inventory')).toEqual(['a', 'c', 'b']);
    expect(orderHosts(list, 'sorted')).toEqual(['a', 'b', 'c']);
    expect(orderHosts(list, 'reverse_sorted')).toEqual(['c', 'b', 'a']);
    expect(orderHosts(list, 'shuffle').sort()).toEqual(['a', 'b', 'c']);
  });
});

describe('Slots', () => {
  it('never runs more than its size at once, and serves waiters in order', async () => {
    const slots = new Slots(2);
    let busy = 0;
    let max = 0;
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        slots.run(async () => {
          busy++;
          max = Math.max(max, busy);
          order.push(i);
          await new Promise((r) => setTimeout(r, 2));
          busy--;
        }),
      ),
    );
    expect(max).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('strategies and forks', () => {
  it('linear: each task runs on all hosts before the next task starts', async () => {
    const { rec } = await runPlays([play({ hosts: 'all', gather_facts: false, tasks: twoTasks })], { forks: 2 }, { hosts: hosts(5) });
    const names = rec.lines.map((l) => l.split(' ')[0]);
    expect(names).toEqual([...Array(5).fill('one'), ...Array(5).fill('two')]);
  });

  it('free: a fast host runs ahead to its next task while slower hosts are still on the first', async () => {
    const world = new World();
    // h1 answers at once, the others slowly.
    world.latency.set('h2', 30).set('h3', 30);
    const { rec } = await runPlays([play({ hosts: 'all', gather_facts: false, strategy: 'free', tasks: twoTasks })], { forks: 5 }, { hosts: ['h1', 'h2', 'h3'], world });
    const h1two = rec.lines.indexOf('two h1 changed');
    const lastOne = Math.max(...rec.lines.flatMap((l, i) => (l.startsWith('one ') ? [i] : [])));
    expect(h1two).toBeGreaterThanOrEqual(0);
    expect(h1two).toBeLessThan(lastOne);
    expect(rec.lines).toHaveLength(6);
  });

  it.each([1, 3, 5])('forks=%i bounds the hosts working at once (linear)', async (forks) => {
    const world = new World();
    await runPlays([play({ hosts: 'all', tasks: twoTasks })], { forks }, { hosts: hosts(12), world });
    expect(world.maxBusy).toBe(forks);
  });

  it('forks bound the free strategy too', async () => {
    const world = new World();
    await runPlays([play({ hosts: 'all', strategy: 'free', tasks: twoTasks })], { forks: 3 }, { hosts: hosts(12), world });
    expect(world.maxBusy).toBe(3);
  });

  it('serial runs the whole play (handlers included) batch by batch', async () => {
    const { rec } = await runPlays(
      [play({ hosts: 'all', gather_facts: false, serial: 2, tasks: [task('one', setv({ key: 'a', value: '1' }), { notify: 'h' })], handlers: [task('h', setv({ key: 'h', value: '1' }))] })],
      {},
      { hosts: hosts(4) },
    );
    expect(rec.grouped).toEqual(['one h01 changed', 'one h02 changed', 'h h01 changed', 'h h02 changed', 'one h03 changed', 'one h04 changed', 'h h03 changed', 'h h04 changed']);
    expect(rec.events.filter((e) => e.type === 'play_start')).toHaveLength(1);
  });

  it('failed hosts stay out of later plays', async () => {
    const { rec } = await runPlays([
      play({ hosts: 'all', gather_facts: false, tasks: [task('fail h2', cmd((h) => ({ cmd: h.host === 'h2' ? 'exit 1' : 'exit 0' })))] }),
      play({ hosts: 'all', gather_facts: false, tasks: [task('second play', setv({ key: 'a', value: '1' }))] }),
    ]);
    expect(rec.grouped.filter((l) => l.startsWith('second'))).toEqual(['second play h1 changed', 'second play h3 changed']);
  });

  it('a batch where every host failed ends the playbook', async () => {
    const { rec, code } = await runPlays([
      play({ hosts: 'all', gather_facts: false, tasks: [task('all fail', cmd({ cmd: 'exit 1' }))] }),
      play({ hosts: 'all', gather_facts: false, tasks: [task('never', setv({ key: 'a', value: '1' }))] }),
    ]);
    expect(rec.lines.some((l) => l.startsWith('never'))).toBe(false);
    expect(code).toBe(2);
  });

  it('any_errors_fatal stops the play for every host after the failing task', async () => {
    const { rec, code } = await runPlays([
      play({
        hosts: 'all',
        gather_facts: false,
        any_errors_fatal: true,
        tasks: [task('fail h2', cmd((h) => ({ cmd: h.host === 'h2' ? 'exit 1' : 'exit 0' }))), task('next', setv({ key: 'a', value: '1' }))],
      }),
    ]);
    expect(rec.lines.some((l) => l.startsWith('next'))).toBe(false);
    expect(rec.events.some((e) => e.type === 'play_abort')).toBe(true);
    expect(code).toBe(2);
  });

  it('max_fail_percentage: aborts only when strictly greater', async () => {
    const failTwo = task('fail 2 of 4', cmd((h) => ({ cmd: ['h01', 'h02'].includes(h.host) ? 'exit 1' : 'exit 0' })));
    const next = task('next', setv({ key: 'a', value: '1' }));
    const at50 = await runPlays([play({ hosts: 'all', gather_facts: false, max_fail_percentage: 50, tasks: [failTwo, next] })], {}, { hosts: hosts(4) });
    expect(at50.rec.lines.filter((l) => l.startsWith('next'))).toHaveLength(2);
    const at49 = await runPlays([play({ hosts: 'all', gather_facts: false, max_fail_percentage: 49, tasks: [failTwo, next] })], {}, { hosts: hosts(4) });
    expect(at49.rec.lines.filter((l) => l.startsWith('next'))).toHaveLength(0);
    expect(at49.code).toBe(2);
  });

  it('--limit narrows every play; a play whose pattern matches nothing says so', async () => {
    const { rec } = await runPlays(
      [play({ hosts: 'all', gather_facts: false, tasks: [task('t', setv({ key: 'a', value: '1' }))] }), play({ hosts: 'nomatch', tasks: [] })],
      { limit: 'h2' },
    );
    expect(rec.lines).toEqual(['t h2 changed']);
    expect(rec.events.some((e) => e.type === 'play_no_hosts')).toBe(true);
  });

  it('--start-at-task skips everything before the named task', async () => {
    const { rec } = await runPlays(
      [play({ hosts: 'h1', gather_facts: false, tasks: [task('first', setv({ key: 'a', value: '1' })), task('second', setv({ key: 'b', value: '1' }))] })],
      { startAtTask: 'second' },
    );
    expect(rec.lines).toEqual(['second h1 changed']);
    const glob = await runPlays(
      [play({ hosts: 'h1', gather_facts: false, tasks: [task('first', setv({ key: 'a', value: '1' })), task('second (b)', setv({ key: 'b', value: '1' }))] })],
      { startAtTask: 'sec*(b)' },
    );
    expect(glob.rec.lines).toEqual(['second (b) h1 changed']);
    // fnmatch's [!seq] (not a regex's [!...]), as Ansible's fnmatch.fnmatch reads it.
    const seq = await runPlays(
      [play({ hosts: 'h1', gather_facts: false, tasks: [task('step 1', setv({ key: 'a', value: '1' })), task('step 2', setv({ key: 'b', value: '1' }))] })],
      { startAtTask: 'step [!1]' },
    );
    expect(seq.rec.lines).toEqual(['step 2 h1 changed']);
    const missing = await runPlays([play({ hosts: 'h1', gather_facts: false, tasks: [task('first', setv({ key: 'a', value: '1' }))] })], { startAtTask: 'nope' });
    expect(missing.rec.lines).toEqual([]);
    expect(missing.rec.events).toContainEqual({ type: 'warning', message: 'No matching task "nope" found. Note: --start-at-task can only follow static includes.' });
  });

  it('facts are gathered once per host per run, even over several plays', async () => {
    const world = new World();
    let gathers = 0;
    const deps = world.deps();
    const counting = { ...deps, gatherFacts: async (c: Parameters<typeof deps.gatherFacts>[0]) => (gathers++, deps.gatherFacts(c)) };
    const { runPlaybook } = await import('../../runner/run.js');
    const { defaultRunOptions } = await import('../../runner/options.js');
    const { fakeInventory, Recorder } = await import('./engine-fakes.js');
    const rec = new Recorder();
    const t = task('t', setv({ key: 'a', value: '1' }));
    await runPlaybook([play({ hosts: 'all', tasks: [t] }), play({ hosts: 'all', tasks: [t] })], defaultRunOptions(), rec, {
      inventory: fakeInventory(['h1', 'h2']),
      deps: counting,
      playbookDir: '/pb',
    });
    expect(gathers).toBe(2);
    expect(rec.recap.h1).toMatchObject({ ok: 4 });
  });
});

describe('Ctrl-C', () => {
  it('stops starting tasks and actions, lets the running one finish, reports interrupted and the recap, exit 99', async () => {
    const world = new World();
    const deps = world.deps();
    let interrupted = false;
    const interrupting = {
      ...deps,
      applyActions: async (...args: Parameters<typeof deps.applyActions>) => {
        if (!interrupted) {
          interrupted = true;
          process.emit('SIGINT');
        }
        return deps.applyActions(...args);
      },
    };
    const { runPlaybook } = await import('../../runner/run.js');
    const { defaultRunOptions } = await import('../../runner/options.js');
    const { fakeInventory, Recorder } = await import('./engine-fakes.js');
    const rec = new Recorder();
    const code = await runPlaybook(
      [play({ hosts: 'all', gather_facts: false, tasks: [task('first', setv({ key: 'a', value: '1' })), task('second', setv({ key: 'b', value: '1' }))] })],
      defaultRunOptions({ forks: 1 }),
      rec,
      { inventory: fakeInventory(['h1', 'h2']), deps: interrupting, playbookDir: '/pb' },
    );
    expect(code).toBe(99);
    // h1's write was under way and completes; h2 never starts, nor does the second task.
    expect(world.applied).toEqual(['h1: set a=1']);
    expect(rec.lines).toEqual(['first h1 changed']);
    const types = rec.events.map((e) => e.type);
    expect(types.slice(-2)).toEqual(['interrupted', 'recap']);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });
});

describe('facts', () => {
  it('a host whose facts cannot be read fails (it is reachable), an unreachable one is unreachable', async () => {
    const world = new World();
    world.unreachable.add('h3');
    const deps = world.deps();
    const broken = {
      ...deps,
      gatherFacts: async (c: Parameters<typeof deps.gatherFacts>[0]) => {
        if (c.host === 'h2') throw new Error('gathering facts on h2 failed (rc=127): sh: 1: uname: not found');
        return deps.gatherFacts(c);
      },
    };
    const { runPlaybook } = await import('../../runner/run.js');
    const { defaultRunOptions } = await import('../../runner/options.js');
    const { fakeInventory, Recorder } = await import('./engine-fakes.js');
    const rec = new Recorder();
    const code = await runPlaybook([play({ hosts: 'all', tasks: [task('t', setv({ key: 'a', value: '1' }))] })], defaultRunOptions(), rec, {
      inventory: fakeInventory(['h1', 'h2', 'h3']),
      deps: broken,
      playbookDir: '/pb',
    });
    expect(rec.grouped).toEqual(['Gathering Facts h1 ok', 'Gathering Facts h2 failed', 'Gathering Facts h3 unreachable', 't h1 changed']);
    expect(rec.recap.h2).toMatchObject({ failed: 1, unreachable: 0 });
    expect(code).toBe(4);
  });
});

describe('targets', () => {
  it('--limit matching no host is an error (exit 1 in the CLI), before any host is contacted', async () => {
    const world = new World();
    const { RunError } = await import('../../runner/errors.js');
    await expect(runPlays([play({ hosts: 'all', tasks: [] })], { limit: 'zzz' }, { world })).rejects.toThrow(RunError);
    await expect(runPlays([play({ hosts: 'all', tasks: [] })], { limit: 'zzz' }, { world })).rejects.toThrow(
      'Specified inventory, host pattern and/or --limit leaves us with no hosts to target.',
    );
    expect(world.connects).toEqual([]);
  });
});
