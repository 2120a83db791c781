import { describe, expect, it } from 'vitest';
import { block, play, task } from '../../runner/dsl.js';
import { selectItems, shouldRun, type Selected } from '../../runner/tags.js';
import { runPlays, setv } from './engine-fakes.js';

const run = (tags: string[], only: string[], skip: string[] = []) => shouldRun(new Set(tags), { only, skip });

describe('shouldRun (Ansible evaluate_tags)', () => {
  it('no --tags means all: untagged and tagged run, never does not', () => {
    expect(run([], [])).toBe(true);
    expect(run(['a'], [])).toBe(true);
    expect(run(['never'], [])).toBe(false);
    expect(run(['never', 'a'], [])).toBe(false);
  });
  it('always runs unless always is skipped', () => {
    expect(run(['always'], ['x'])).toBe(true);
    expect(run(['always'], [], ['all'])).toBe(true);
    expect(run(['always'], [], ['always'])).toBe(false);
    expect(run(['always'], [], ['all', 'always'])).toBe(false);
  });
  it('never runs only when one of its tags is asked for', () => {
    expect(run(['never', 'debug'], ['debug'])).toBe(true);
    expect(run(['never'], ['never'])).toBe(true);
    expect(run(['never', 'debug'], ['all'])).toBe(false);
    expect(run(['never', 'debug'], ['tagged'])).toBe(false);
  });
  it('tagged and untagged', () => {
    expect(run(['a'], ['tagged'])).toBe(true);
    expect(run([], ['tagged'])).toBe(false);
    expect(run([], ['untagged'])).toBe(true);
    expect(run(['a'], ['untagged'])).toBe(false);
    expect(run(['a'], [], ['tagged'])).toBe(false);
    expect(run([], [], ['tagged'])).toBe(true);
    expect(run([], [], ['untagged'])).toBe(false);
  });
  it('--skip-tags applies after --tags', () => {
    expect(run(['a', 'b'], ['a'], ['b'])).toBe(false);
    expect(run(['a'], ['a'], ['b'])).toBe(true);
  });
});

describe('selectItems', () => {
  const names = (sel: Selected[]): string[] =>
    sel.flatMap((s) => (s.kind === 'block' ? [...names(s.block), ...names(s.rescue), ...names(s.always)] : s.item.kind === 'task' ? [s.item.name] : []));

  it('inherits block tags onto tasks, and drops blocks left empty', () => {
    const items = [
      block({ tags: 'web', block: [task('in web', setv({ key: 'a', value: '1' })), task('in web+db', setv({ key: 'a', value: '1' }), { tags: ['db'] })] }),
      block({ tags: 'other', block: [task('other', setv({ key: 'a', value: '1' }))] }),
      task('plain', setv({ key: 'a', value: '1' })),
    ];
    expect(names(selectItems(items, new Set(), { only: ['web'], skip: [] }))).toEqual(['in web', 'in web+db']);
    expect(names(selectItems(items, new Set(), { only: ['db'], skip: [] }))).toEqual(['in web+db']);
    expect(names(selectItems(items, new Set(), { only: [], skip: ['web'] }))).toEqual(['other', 'plain']);
    expect(selectItems(items, new Set(), { only: ['db'], skip: [] })).toHaveLength(1);
  });

  it('play tags reach every task of the play when it runs', async () => {
    const p = play({ hosts: 'h1', gather_facts: false, tags: 'base', tasks: [task('t', setv({ key: 'a', value: '1' }))] });
    const selected = await runPlays([p], { tags: ['base'] }, { hosts: ['h1'] });
    expect(selected.rec.lines).toEqual(['t h1 changed']);
    const skipped = await runPlays([p], { skipTags: ['base'] }, { hosts: ['h1'] });
    expect(skipped.rec.lines).toEqual([]);
  });
});

describe('recap', () => {
  it('hosts on which nothing ran have no recap line (Ansible lists processed hosts only)', async () => {
    const p = play({ hosts: 'all', gather_facts: false, tasks: [task('t', setv({ key: 'a', value: '1' }), { tags: 'x' })] });
    const { rec } = await runPlays([p], { tags: ['nothing'] }, { hosts: ['h1', 'h2'] });
    expect(rec.events.find((e) => e.type === 'recap')).toEqual({ type: 'recap', stats: {} });
  });
});
