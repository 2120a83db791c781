/**
 * The first play's connections open before the run starts its first task (run.ts
 * openFirstConnections), only where its fact gathering would open them at once anyway.
 */
import { describe, expect, it } from 'vitest';
import { play, task } from '../../runner/dsl.js';
import type { RunEvent } from '../../runner/events.js';
import { defaultRunOptions, type RunOptions } from '../../runner/options.js';
import { runPlaybook } from '../../runner/run.js';
import { fakeInventory, Recorder, setv, World } from './engine-fakes.js';

/** The hosts connected to by the time the playbook's start is reported, and in the whole run. */
async function connectsAtStart(options: Partial<RunOptions>, playOptions: Partial<Parameters<typeof play>[0]> = {}) {
  const world = new World();
  let atStart: string[] | undefined;
  const rec = new (class extends Recorder {
    override emit(e: RunEvent): void {
      if (e.type === 'playbook_start') atStart = [...world.connects];
      super.emit(e);
    }
  })();
  const plays = [play({ hosts: 'all', ...playOptions, tasks: [task('set', setv({ key: 'a', value: '1' }))] })];
  const code = await runPlaybook(plays, defaultRunOptions(options), rec, { inventory: fakeInventory(['h1', 'h2', 'h3']), deps: world.deps(), playbookDir: '/pb' });
  return { code, atStart, all: [...world.connects].sort() };
}

describe("the first play's connections", () => {
  it('open before the run starts, as many as forks, in the play order', async () => {
    const r = await connectsAtStart({ forks: 2 });
    expect(r.atStart).toEqual(['h1', 'h2']);
    expect(r.all).toEqual(['h1', 'h2', 'h3']);
    expect(r.code).toBe(0);
  });

  it('the first serial batch only', async () => {
    expect((await connectsAtStart({}, { serial: 1 })).atStart).toEqual(['h1']);
  });

  it('not where fact gathering would not open them at once', async () => {
    expect((await connectsAtStart({}, { gather_facts: false })).atStart).toEqual([]);
    expect((await connectsAtStart({ skipTags: ['always'] })).atStart).toEqual([]);
    expect((await connectsAtStart({ startAtTask: 'set' })).atStart).toEqual([]);
    expect((await connectsAtStart({ verbosity: 3 })).atStart).toEqual([]);
    expect((await connectsAtStart({}, { order: 'shuffle' })).atStart).toEqual([]);
  });

  it('an unreachable one is reported by the gathering, as before', async () => {
    const world = new World();
    world.unreachable.add('h2');
    const rec = new Recorder();
    const plays = [play({ hosts: 'all', tasks: [task('set', setv({ key: 'a', value: '1' }))] })];
    const code = await runPlaybook(plays, defaultRunOptions({}), rec, { inventory: fakeInventory(['h1', 'h2', 'h3']), deps: world.deps(), playbookDir: '/pb' });
    expect(rec.recap.h2).toMatchObject({ unreachable: 1 });
    expect(rec.lines).toContain('Gathering Facts h2 unreachable');
    expect(code).toBe(4);
  });
});
