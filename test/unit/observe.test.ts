/**
 * Observing ahead (runner/observe.ts, runner/ahead.ts, schedule.ts's tasksAfter) in the engine with
 * fake hosts (engine-fakes.ts: `setva` is setv whose probe may be observed ahead): which tasks ride
 * on a probe, and that no task is ever handed what a host was before a change.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { block, flushHandlers, handler, play, task } from '../../runner/dsl.js';
import { Observations, type AheadProbe } from '../../runner/observe.js';
import { compilePlay, tasksAfter } from '../../runner/schedule.js';
import type { Connection, ExecOptions, ExecResult } from '../../runner/connection/types.js';
import type { TaskNode } from '../../runner/execute.js';
import { defaultRunOptions } from '../../runner/options.js';
import { runPlaybook } from '../../runner/run.js';
import { cmd, fakeInventory, Recorder, runPlays, setv, setva, setvs, World } from './engine-fakes.js';

const noFacts = { gather_facts: false } as const;

/** The commands each host got, as `host script` (a batch as `host batch: <its probes>`). */
function sent(world: World): string[] {
  return world.execs.map(({ host, script }) =>
    script.includes('probes in one round trip')
      ? `${host} batch: ${[...script.matchAll(/\( eval '([^']*)' \)/g)].map((m) => m[1]).join(', ')}`
      : `${host} ${script}`,
  );
}

afterEach(() => {
  delete process.env.HOSTWRIGHT_PROBE_AHEAD;
});

describe('observing ahead in a run', () => {
  const converged = async (tasks: Parameters<typeof play>[0]['tasks'], hosts = ['h1'], opts = {}) => {
    const world = new World();
    const plays = [play({ hosts: 'all', ...noFacts, tasks })];
    await runPlays(plays, {}, { world, hosts });
    world.execs.length = 0;
    const ran = await runPlays(plays, opts, { world, hosts });
    return { world, ran };
  };

  it('a converged host: one command for the run of tasks; off, one each; the same results', async () => {
    const tasks = ['a', 'b', 'c', 'd'].map((k) => task(`set ${k}`, setva({ key: k, value: '1' })));
    const on = await converged(tasks);
    expect(sent(on.world)).toEqual(['h1 batch: get a, get b, get c, get d']);
    process.env.HOSTWRIGHT_PROBE_AHEAD = '0';
    const off = await converged(tasks);
    expect(sent(off.world)).toEqual(['h1 get a', 'h1 get b', 'h1 get c', 'h1 get d']);
    expect(on.ran.rec.lines).toEqual(off.ran.rec.lines);
    expect(on.ran.rec.lines).toEqual(['set a h1 ok', 'set b h1 ok', 'set c h1 ok', 'set d h1 ok']);
  });

  it("probes declared inBatchShell, the carrier's and those observed ahead, run in the batch's own shell, after the others", async () => {
    const tasks = [task('a', setvs({ key: 'a', value: '1' })), task('b', setva({ key: 'b', value: '1' })), task('c', setvs({ key: 'c', value: '1' }))];
    const { world, ran } = await converged(tasks);
    expect(world.execs).toHaveLength(1);
    expect([...world.execs[0]!.script.matchAll(/^(\( )?eval '([^']*)'/gm)].map((m) => `${m[1] ? 'subshell' : 'shell'} ${m[2]}`)).toEqual(['subshell get b', 'shell get a', 'shell get c']);
    expect(ran.rec.lines).toEqual(['a h1 ok', 'b h1 ok', 'c h1 ok']);
    // Their declared paths are statted once, before them.
    expect(world.execs[0]!.script).toMatch(/^# 2 paths the parts below stat, in one stat$/m);
    expect(world.execs[0]!.script).toMatch(/hw_w="\$hw_w "\/kv\/a;.*\n.*hw_w="\$hw_w "\/kv\/c;/);
  });

  it('a change discards what was observed ahead: the next task looks again and sees it', async () => {
    const world = new World();
    // b is set twice: the second must see the first's value (ok), not the value observed before it (changed).
    const plays = [play({ hosts: 'all', ...noFacts, tasks: [task('a', setva({ key: 'a', value: '1' })), task('b', setva({ key: 'b', value: '1' })), task('b again', setva({ key: 'b', value: '1' })), task('c', setva({ key: 'c', value: '1' }))] })];
    const ran = await runPlays(plays, {}, { world, hosts: ['h1'] });
    expect(ran.rec.lines).toEqual(['a h1 changed', 'b h1 changed', 'b again h1 ok', 'c h1 changed']);
    // After each change the next probe carries the rest again (the window halves: 32, 16, 8).
    expect(sent(world)).toEqual([
      'h1 batch: get a, get b, get b, get c',
      'h1 set a=1',
      'h1 batch: get b, get b, get c',
      'h1 set b=1',
      'h1 batch: get b, get c',
      'h1 set c=1',
    ]);
  });

  it("another host's change discards this host's observations too (a delegated task, shared storage)", async () => {
    const world = new World();
    const tasks = [
      task('look', setva({ key: 'a', value: '1' })),
      task('h2 sets x on h1', setv({ key: 'x', value: 'new' }), { when: (h) => h.host === 'h2', delegate_to: 'h1' }),
      task('x', setva({ key: 'x', value: 'new' })),
    ];
    await runPlays([play({ hosts: 'all', ...noFacts, tasks: [task('a', setva({ key: 'a', value: '1' }))] })], {}, { world, hosts: ['h1', 'h2'] });
    world.execs.length = 0;
    const ran = await runPlays([play({ hosts: 'all', ...noFacts, tasks })], {}, { world, hosts: ['h1', 'h2'] });
    // h1's x was observed ahead (absent) before h2's delegated task set it: h1 looks again and is ok.
    expect(ran.rec.grouped).toEqual(['look h1 ok', 'look h2 ok', 'h2 sets x on h1 h1 skipped', 'h2 sets x on h1 h2 changed', 'x h1 ok', 'x h2 changed']);
    expect(sent(world).filter((l) => l.startsWith('h1 '))).toEqual(['h1 batch: get a, get x', 'h1 get x', 'h1 set x=new', 'h1 get x']);
  });

  it('what does not ride: delegated, looped, run_once, no_log, another become, `when` false now, a module without probeAhead, params that throw', async () => {
    const { world } = await converged([
      task('first', setva({ key: 'a', value: '1' })),
      task('delegated', setva({ key: 'b', value: '1' }), { delegate_to: 'h1' }),
      task('looped', setva((h) => ({ key: String(h.item), value: '1' })), { loop: ['c'] }),
      task('once', setva({ key: 'd', value: '1' }), { run_once: true }),
      task('secret', setva({ key: 'e', value: '1' }), { no_log: true }),
      task('as root', setva({ key: 'f', value: '1' }), { become: true }),
      task('not now', setva({ key: 'g', value: '1' }), { when: () => false }),
      task('plain setv', setv({ key: 'h', value: '1' })),
      task('from a variable not set yet', setva((h) => ({ key: String(h.vars.later), value: '1' }))),
      task('rides', setva({ key: 'i', value: '1' })),
    ], ['h1']);
    expect(sent(world)[0]).toBe('h1 batch: get a, get i');
  });

  it('not from a no_log task, nor with --step', async () => {
    const tasks = [task('a', setva({ key: 'a', value: '1' }), { no_log: true }), task('b', setva({ key: 'b', value: '1' })), task('c', setva({ key: 'c', value: '1' }))];
    expect(sent((await converged(tasks)).world)).toEqual(['h1 get a', 'h1 batch: get b, get c']);
    const world = new World();
    const code = await runPlaybook([play({ hosts: 'all', ...noFacts, tasks })], defaultRunOptions({ step: true }), new Recorder(), {
      inventory: fakeInventory(['h1']),
      deps: world.deps(),
      playbookDir: '/pb',
      ask: async () => 'y',
    });
    expect(code).toBe(0);
    // Each probe alone (without --step, a's would carry b's and c's).
    expect(sent(world)).toEqual(['h1 get a', 'h1 set a=1', 'h1 get b', 'h1 set b=1', 'h1 get c', 'h1 set c=1']);
  });

  it('a param computed from a result registered since is a miss, asked then: never the stale answer', async () => {
    const world = new World();
    const tasks = [
      task('reg', cmd({ cmd: 'echo' }), { register: 'r' }),
      task('a', setva((h) => ({ key: (h.vars.r as { changed: boolean }).changed ? 'yes' : 'no', value: '1' }))),
    ];
    const ran = await runPlays([play({ hosts: 'all', ...noFacts, tasks })], {}, { world, hosts: ['h1'] });
    expect(ran.rec.lines).toEqual(['reg h1 changed', 'a h1 changed']);
    expect(world.get('h1', 'yes')).toBe('1');
  });

  it('check mode: nothing applies, so observations hold for the whole run of tasks; predictions still overlay them', async () => {
    const world = new World();
    const tasks = [task('a', setva({ key: 'a', value: '1' })), task('a again', setva({ key: 'a', value: '1' }))];
    const ran = await runPlays([play({ hosts: 'all', ...noFacts, tasks })], { check: true }, { world, hosts: ['h1'] });
    // The second task is handed what was observed (a absent) and the first task's prediction makes it ok.
    expect(ran.rec.lines).toEqual(['a h1 changed', 'a again h1 ok']);
    expect(sent(world)).toEqual(['h1 batch: get a, get a']);
  });
});

describe('tasksAfter', () => {
  it('follows the way of a host where every task goes well, up to the next flush or meta', () => {
    const t = (name: string) => task(name, setva({ key: name, value: '1' }));
    const p = play({
      hosts: 'all',
      tasks: [t('a'), block({ block: [t('b')], rescue: [t('r')], always: [t('c')] }), t('d'), flushHandlers(), t('e')],
      handlers: [handler('h', setva({ key: 'h', value: '1' }))],
    });
    const compiled = compilePlay(p, { only: [], skip: [] });
    const after = tasksAfter(compiled.nodes);
    const nodes: TaskNode[] = [];
    const visit = (ns: typeof compiled.nodes): void => {
      for (const n of ns) {
        if (n.kind === 'task') nodes.push(n);
        else if (n.kind === 'block') [n.block, n.rescue, n.always].forEach(visit);
      }
    };
    visit(compiled.nodes);
    const names = (name: string) => after(nodes.find((n) => n.task.name === name)!).map((n) => n.task.name);
    expect(names('a')).toEqual(['b', 'c', 'd']);
    expect(names('b')).toEqual(['c', 'd']);
    expect(names('r')).toEqual([]);
    expect(names('d')).toEqual([]);
    expect(names('e')).toEqual([]);
    expect(after(compiled.handlers[0]!)).toEqual([]);
  });
});

describe('Observations', () => {
  const result = (stdout: string, rc = 0): ExecResult => ({ rc, stdout, stderr: '', stdoutBytes: Buffer.from(stdout) });
  /** A host answering `get K` with `v:K`; each command waits for `gate` when set. */
  function host() {
    const log: string[] = [];
    let gate: Promise<void> | undefined;
    const conn: Connection = {
      host: 'h',
      exec: async (script: string, o?: ExecOptions) => {
        log.push(o?.stdin !== undefined ? `stdin ${script}` : script);
        if (gate) await gate;
        const world = new World();
        world.store.set('h', new Map([['a', 'v:a'], ['b', 'v:b'], ['c', 'v:c']]));
        return world.connection('h').exec(script);
      },
      close: async () => {},
    };
    return { conn, log, hold: (p: Promise<void>) => (gate = p) };
  }
  const ahead = (...keys: string[]) => async (): Promise<AheadProbe[]> => keys.map((k) => ({ owner: { k }, label: k, script: `get ${k}` }));

  it('hands each task its own result only: another task with the same script asks the host', async () => {
    const o = new Observations(true);
    const { conn, log } = host();
    const watched = o.watch(conn);
    const owners = { b: {}, c: {} };
    const list = async (): Promise<AheadProbe[]> => [{ owner: owners.b, label: 'b', script: 'get b' }];
    expect((await o.probe(watched, {}, 'a', undefined, list).run('get a')).stdout).toBe('v:a');
    expect((await o.probe(watched, owners.c, 'c', undefined).run('get b')).stdout).toBe('v:b');
    expect((await o.probe(watched, owners.b, 'b', undefined).run('get b')).stdout).toBe('v:b');
    expect(log).toHaveLength(2);
  });

  it('a change in flight while the batch ran: its results are not handed out', async () => {
    const o = new Observations(true);
    const { conn, log, hold } = host();
    const watched = o.watch(conn);
    const owner = {};
    let release!: () => void;
    hold(new Promise<void>((r) => (release = r)));
    const change = watched.exec('set a=2');
    const probe = o.probe(watched, {}, 'a', undefined, async () => [{ owner, label: 'b', script: 'get b' }]).run('get a');
    release();
    await change;
    await probe;
    expect((await o.probe(watched, owner, 'b', undefined).run('get b')).stdout).toBe('v:b');
    expect(log).toEqual(['set a=2', expect.stringContaining('probes in one round trip'), 'get b']);
  });

  it('invalidate() (a pause) discards; stdin probes go alone; off: no batch', async () => {
    const o = new Observations(true);
    const { conn, log } = host();
    const watched = o.watch(conn);
    const owner = {};
    await o.probe(watched, {}, 'a', undefined, async () => [{ owner, label: 'b', script: 'get b' }]).run('get a');
    o.invalidate();
    await o.probe(watched, owner, 'b', undefined).run('get b');
    await o.probe(watched, {}, 'x', undefined, ahead('c')).run('get a', { stdin: 'data' });
    const off = new Observations(false);
    await off.probe(off.watch(conn), {}, 'y', undefined, ahead('c')).run('get a');
    expect(log).toEqual([expect.stringContaining('probes in one round trip'), 'get b', 'stdin get a', 'get a']);
  });

  it('a host whose changes waste what was observed gets a smaller window, then a larger one again', async () => {
    const o = new Observations(true);
    const { conn } = host();
    const watched = o.watch(conn);
    const limits: number[] = [];
    const list = (owner: object) => async (limit: number): Promise<AheadProbe[]> => (limits.push(limit), [{ owner, label: 'b', script: 'get b' }]);
    await o.probe(watched, {}, 'a', undefined, list({})).run('get a');
    await watched.exec('set a=1'); // wastes b
    await o.probe(watched, {}, 'a', undefined, list({})).run('get a');
    await watched.exec('set a=1');
    const kept = {};
    await o.probe(watched, {}, 'a', undefined, list(kept)).run('get a');
    await o.probe(watched, kept, 'b', undefined).run('get b'); // used: nothing wasted
    await o.probe(watched, {}, 'a', undefined, list({})).run('get a');
    await o.probe(watched, {}, 'a', undefined, list({})).run('get c');
    expect(limits).toEqual([32, 16, 8, 16, 32]);
  });
});
