import { describe, expect, it } from 'vitest';
import { flushHandlers, handler, play, task, type Task } from '../../runner/dsl.js';
import { checkPlays } from '../../runner/run.js';
import { cmd, runPlays, setv, World } from './engine-fakes.js';

const change = (name: string, notify: string | string[], key = name) => task(name, setv({ key, value: '1' }), { notify });
const h = (name: string, listen?: string[]) => handler(name, setv({ key: `h_${name}`, value: '1' }), listen ? { listen } : {});
const only = (lines: string[], names: string[]) => lines.filter((l) => names.includes(l.split(' ')[0]!));

function playOf(opts: { tasks?: Task[]; pre?: Task[]; post?: Task[]; handlers: Task[]; force?: boolean; items?: Parameters<typeof play>[0]['tasks'] }) {
  return play({
    hosts: 'all',
    gather_facts: false,
    pre_tasks: opts.pre ?? [],
    tasks: opts.items ?? opts.tasks ?? [],
    post_tasks: opts.post ?? [],
    handlers: opts.handlers,
    ...(opts.force ? { force_handlers: true } : {}),
  });
}

describe('handlers (Ansible rules)', () => {
  it('run once per flush however often notified, by name or by a listen topic', async () => {
    const { rec } = await runPlays(
      [playOf({ tasks: [change('t1', 'restart'), change('t2', 'restart'), change('t3', 'web changed')], handlers: [h('restart', ['web changed'])] })],
      {},
      { hosts: ['h1'] },
    );
    expect(only(rec.lines, ['restart'])).toEqual(['restart h1 changed']);
    expect(rec.events.filter((e) => e.type === 'task_start' && e.kind === 'handler')).toHaveLength(1);
  });

  it('run in definition order, not notification order', async () => {
    const { rec } = await runPlays([playOf({ tasks: [change('t1', 'second'), change('t2', 'first')], handlers: [h('first'), h('second')] })], {}, { hosts: ['h1'] });
    expect(only(rec.lines, ['first', 'second'])).toEqual(['first h1 changed', 'second h1 changed']);
  });

  it('run only on hosts whose notifying task changed', async () => {
    const world = new World();
    world.store.set('h2', new Map([['t1', '1']]));
    const { rec } = await runPlays([playOf({ tasks: [change('t1', 'restart')], handlers: [h('restart')] })], {}, { hosts: ['h1', 'h2', 'h3'], world });
    expect(world.get('h2', 'h_restart')).toBeUndefined();
    expect(only(rec.grouped, ['restart'])).toEqual(['restart h1 changed', 'restart h3 changed']);
  });

  it('flush after pre_tasks, after tasks, after post_tasks and at flushHandlers()', async () => {
    const { rec } = await runPlays(
      [
        playOf({
          pre: [change('pre', 'hp')],
          items: [change('a', 'ha'), flushHandlers(), change('b', 'hb')],
          post: [change('post', 'hpost')],
          handlers: [h('hp'), h('ha'), h('hb'), h('hpost')],
        }),
      ],
      {},
      { hosts: ['h1'] },
    );
    expect(rec.lines).toEqual(['pre h1 changed', 'hp h1 changed', 'a h1 changed', 'ha h1 changed', 'b h1 changed', 'hb h1 changed', 'post h1 changed', 'hpost h1 changed']);
  });

  it('a handler runs again at a later flush when notified again', async () => {
    const { rec } = await runPlays(
      [playOf({ items: [change('a', 'x'), flushHandlers(), task('b', setv({ key: 'h_x', value: '2' }), { notify: 'x' })], handlers: [h('x')] })],
      {},
      { hosts: ['h1'] },
    );
    expect(only(rec.lines, ['x'])).toEqual(['x h1 changed', 'x h1 changed']);
  });

  it('a handler notified by an earlier handler runs in the same flush', async () => {
    const first = handler('first', setv({ key: 'f', value: '1' }), { notify: 'second' });
    const { rec } = await runPlays([playOf({ tasks: [change('t', 'first')], handlers: [first, h('second')] })], {}, { hosts: ['h1'] });
    expect(rec.lines).toEqual(['t h1 changed', 'first h1 changed', 'second h1 changed']);
  });

  it('do not run on a host that failed after notifying', async () => {
    const { rec } = await runPlays(
      [playOf({ tasks: [change('t', 'restart'), task('fail h2', cmd((c) => ({ cmd: c.host === 'h2' ? 'exit 1' : 'exit 0' })))], handlers: [h('restart')] })],
      {},
      { hosts: ['h1', 'h2'] },
    );
    expect(only(rec.lines, ['restart'])).toEqual(['restart h1 changed']);
  });

  it('--force-handlers (or force_handlers: true) runs them on the failed host too', async () => {
    const tasks = [change('t', 'restart'), task('fail h2', cmd((c) => ({ cmd: c.host === 'h2' ? 'exit 1' : 'exit 0' })))];
    const forced = await runPlays([playOf({ tasks, handlers: [h('restart')] })], { forceHandlers: true }, { hosts: ['h1', 'h2'] });
    expect(only(forced.rec.grouped, ['restart'])).toEqual(['restart h1 changed', 'restart h2 changed']);
    const keyword = await runPlays([playOf({ tasks, handlers: [h('restart')], force: true })], {}, { hosts: ['h1', 'h2'] });
    expect(only(keyword.rec.grouped, ['restart'])).toEqual(['restart h1 changed', 'restart h2 changed']);
  });

  it('forced handlers run even when every host failed', async () => {
    const tasks = [change('t', 'restart'), task('fail', cmd({ cmd: 'exit 1' }))];
    const { rec } = await runPlays([playOf({ tasks, handlers: [h('restart')] })], { forceHandlers: true }, { hosts: ['h1'] });
    expect(only(rec.lines, ['restart'])).toEqual(['restart h1 changed']);
  });

  it('a handler that fails fails its host', async () => {
    const bad = handler('bad', cmd({ cmd: 'exit 1' }));
    const { code, rec } = await runPlays([playOf({ tasks: [change('t', 'bad')], post: [change('after', [])], handlers: [bad] })], {}, { hosts: ['h1'] });
    expect(code).toBe(2);
    expect(rec.lines).toEqual(['t h1 changed', 'bad h1 failed']);
  });

  it('notifying a handler that does not exist is a load error, like Ansible', () => {
    expect(() => checkPlays([playOf({ tasks: [change('t', 'nope')], handlers: [h('restart')] })])).toThrow(
      /task 't': the requested handler 'nope' was not found in either the main handlers list nor in the listening handlers list/,
    );
  });
});


describe('handlers under the free strategy', () => {
  it('each host flushes its own notifications when it reaches the flush', async () => {
    const world = new World();
    world.latency.set('h2', 20);
    const { rec } = await runPlays(
      [play({ hosts: 'all', gather_facts: false, strategy: 'free', tasks: [change('t', 'restart')], handlers: [h('restart')] })],
      {},
      { hosts: ['h1', 'h2'], world },
    );
    // h1 (fast) runs its handler before slow h2 has finished its task.
    expect(rec.lines.indexOf('restart h1 changed')).toBeLessThan(rec.lines.indexOf('t h2 changed'));
    expect(rec.lines.filter((l) => l.startsWith('restart')).sort()).toEqual(['restart h1 changed', 'restart h2 changed']);
  });
});
