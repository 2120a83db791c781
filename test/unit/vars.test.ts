import { describe, expect, it } from 'vitest';
import { mergeVars } from '../../runner/vars.js';
import { facts } from './engine-fakes.js';

describe('variable precedence', () => {
  const levels = ['magic', 'inventory', 'play', 'block', 'task', 'host', 'extra'] as const;

  it('each level wins over every level below it (Ansible order)', () => {
    for (let top = 0; top < levels.length; top++) {
      const set = (lvl: (typeof levels)[number]) => (levels.indexOf(lvl) <= top ? { v: lvl } : undefined);
      const merged = mergeVars({
        magic: set('magic'),
        inventory: set('inventory'),
        play: set('play'),
        blocks: set('block') ? [set('block')!] : [],
        task: set('task'),
        host: set('host'),
        extra: set('extra'),
      });
      expect(merged.v).toBe(levels[top]);
    }
  });

  it('inner blocks win over outer ones; facts are reachable as ansible_facts', () => {
    const merged = mergeVars({ blocks: [{ v: 'outer', o: 1 }, { v: 'inner' }], facts: facts('h1') });
    expect(merged).toMatchObject({ v: 'inner', o: 1, ansible_facts: { hostname: 'h1' } });
  });
});
