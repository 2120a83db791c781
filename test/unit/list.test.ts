import { describe, expect, it } from 'vitest';
import { play, playbook, task } from '../../runner/dsl.js';
import { listPlaybook } from '../../runner/list.js';
import { defaultRunOptions } from '../../runner/options.js';
import { fakeInventory, setv } from './engine-fakes.js';

describe('--list-hosts / --list-tasks / --list-tags', () => {
  const pb = playbook(import.meta, [
    play({ name: 'web', hosts: 'web', tags: 'p', tasks: [task('one', setv({ key: 'a', value: '1' }), { tags: ['b', 'a'] }), task('two', setv({ key: 'b', value: '1' }))] }),
    play({ hosts: 'nothing', tasks: [] }),
  ]);
  const inventory = fakeInventory(['w1', 'w2', 'db1'], { web: ['w1', 'w2'] });

  it("prints ansible-playbook's layout: hosts per play (after --limit), tasks with sorted inherited tags", () => {
    const text = listPlaybook(pb, defaultRunOptions({ listHosts: true, listTasks: true, listTags: true, limit: 'w2' }), inventory);
    expect(text).toBe(
      [
        '',
        'playbook: test/unit/list.test.ts',
        '',
        '  play #1 (web): web\tTAGS: [p]',
        "    pattern: ['web']",
        '    hosts (1):',
        '      w2',
        '    tasks:',
        '      one\tTAGS: [a, b, p]',
        '      two\tTAGS: [p]',
        '      TASK TAGS: [a, b, p]',
        '',
        '  play #2 (nothing): nothing\tTAGS: []',
        "    pattern: ['nothing']",
        '    hosts (0):',
        '    tasks:',
        '      TASK TAGS: []',
        '',
      ].join('\n'),
    );
  });
});
