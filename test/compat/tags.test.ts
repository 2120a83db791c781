/**
 * Tag selection compared with the real ansible-playbook: the same task/tag layout written as YAML
 * and as Hostwright plays, and for each --tags/--skip-tags combination the `--list-tasks` output
 * (play lines, selected tasks and their inherited tags) must be the same. Fact gathering, an
 * implicit task tagged `always` in Ansible, is compared by running both on localhost.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { command } from '../../modules/index.js';
import { block, flushHandlers, play, playbook, task } from '../../runner/dsl.js';
import { listPlaybook } from '../../runner/list.js';
import { defaultRunOptions } from '../../runner/options.js';
import type { Reporter, RunEvent } from '../../runner/events.js';
import type { Inventory } from '../../runner/inventory/types.js';
import { realDeps } from '../../runner/main.js';
import { runPlaybook } from '../../runner/run.js';

const run = promisify(execFile);

const YAML = `
- name: p1
  hosts: localhost
  gather_facts: false
  tags: [play1]
  tasks:
    - { name: t_untagged, command: 'true' }
    - { name: t_a, command: 'true', tags: [a] }
    - { name: t_ab, command: 'true', tags: [a, b] }
    - { name: t_always, command: 'true', tags: [always] }
    - { name: t_never, command: 'true', tags: [never] }
    - { name: t_never_debug, command: 'true', tags: [never, debug] }
    - { name: t_always_a, command: 'true', tags: [always, a] }
    - name: blk
      tags: [blk]
      block:
        - { name: t_in_block, command: 'true' }
        - { name: t_in_block_c, command: 'true', tags: [c] }
      rescue:
        - { name: t_rescue, command: 'true', tags: [r] }
      always:
        - { name: t_block_always, command: 'true' }
    - { name: t_c, command: 'true', tags: [c] }
- name: p2
  hosts: localhost
  gather_facts: false
  tasks:
    - { name: u2, command: 'true' }
    - { name: a2, command: 'true', tags: a }
    - { name: n2, command: 'true', tags: [never] }
    - { name: al2, command: 'true', tags: [always] }
    - meta: flush_handlers
    - { name: comma, command: 'true', tags: 'base, ssh' }
    - name: flush now
      meta: flush_handlers
      tags: [flush]
    - name: nested
      tags: [outer]
      block:
        - name: inner
          tags: [inner]
          block:
            - { name: deep, command: 'true', tags: [d] }
            - { name: deep_never, command: 'true', tags: [never, d] }
`;

const t = (name: string, tags?: string | string[]) => task(name, command({ cmd: 'true' }), tags ? { tags } : {});

const pb = playbook(import.meta, [
  play({
    name: 'p1',
    hosts: 'localhost',
    gather_facts: false,
    tags: ['play1'],
    tasks: [
      t('t_untagged'),
      t('t_a', ['a']),
      t('t_ab', ['a', 'b']),
      t('t_always', ['always']),
      t('t_never', ['never']),
      t('t_never_debug', ['never', 'debug']),
      t('t_always_a', ['always', 'a']),
      block({
        name: 'blk',
        tags: ['blk'],
        block: [t('t_in_block'), t('t_in_block_c', ['c'])],
        rescue: [t('t_rescue', ['r'])],
        always: [t('t_block_always')],
      }),
      t('t_c', ['c']),
    ],
  }),
  play({
    name: 'p2',
    hosts: 'localhost',
    gather_facts: false,
    tasks: [
      t('u2'),
      t('a2', ['a']),
      t('n2', ['never']),
      t('al2', ['always']),
      flushHandlers(),
      t('comma', 'base, ssh'),
      flushHandlers({ name: 'flush now', tags: ['flush'] }),
      block({ tags: 'outer', block: [block({ tags: ['inner'], block: [t('deep', ['d']), t('deep_never', ['never', 'd'])] })] }),
    ],
  }),
]);

const localhost: Inventory = {
  hosts: new Map([['localhost', { name: 'localhost', vars: {}, groups: [] }]]),
  groups: new Map(),
  hostVars: () => ({}),
  select: (p) => (p === 'localhost' || p === 'all' ? ['localhost'] : []),
  warnings: [],
};

const COMBINATIONS: [string[], string[]][] = [
  [[], []],
  [['a'], []],
  [['b'], []],
  [['a', 'c'], []],
  [['never'], []],
  [['debug'], []],
  [['tagged'], []],
  [['untagged'], []],
  [['all'], []],
  [['always'], []],
  [['play1'], []],
  [['nonexistent'], []],
  [['d'], []],
  [['outer'], []],
  [[], ['a']],
  [[], ['always']],
  [[], ['all']],
  [[], ['tagged']],
  [[], ['untagged']],
  [[], ['never']],
  [['a'], ['b']],
  [['all'], ['always']],
  [['tagged'], ['blk']],
  [['blk', 'debug'], ['c']],
  [['all', 'never'], ['debug']],
  [['always'], ['all']],
  [['r'], []],
  [['inner'], ['d']],
  // A tags string is split on commas and trimmed.
  [['ssh'], []],
  [['base'], ['ssh']],
  // A named, tagged flush_handlers.
  [['flush'], []],
  [[], ['flush']],
  // No task listed: --list-tags still names the play's own tags.
  [['nonexistent'], ['always']],
];

/** The listing minus the `playbook:` line (paths differ) and warnings, trimmed of trailing space. */
function normalize(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '' && !l.startsWith('playbook:') && !l.startsWith('[WARNING]'));
}

describe('tag selection matches ansible-playbook --list-tasks', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hw-tags-'));
  const file = path.join(dir, 'tags.yml');
  writeFileSync(file, YAML);

  const ansible = (tags: string[], skip: string[], list = '--list-tasks') =>
    run(
      'ansible-playbook',
      ['-i', 'localhost,', '-c', 'local', list, file, ...(tags.length ? ['-t', tags.join(',')] : []), ...(skip.length ? ['--skip-tags', skip.join(',')] : [])],
      { env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCALHOST_WARNING: 'false' } },
    ).then((r) => r.stdout);
  // All the ansible processes at once: each is mostly Python start-up.
  const expected = Promise.all(COMBINATIONS.map(([tags, skip]) => ansible(tags, skip)));

  const TAG_LISTS = [0, 1, 6, 14, 21, 28, 32];
  const expectedTags = Promise.all(TAG_LISTS.map((i) => ansible(COMBINATIONS[i]![0], COMBINATIONS[i]![1], '--list-tags')));

  it.each(TAG_LISTS.map((i, n) => [n, i] as const))('--list-tags %i (combination %i)', async (n, i) => {
    const [tags, skip] = COMBINATIONS[i]!;
    const ours = listPlaybook(pb, defaultRunOptions({ tags, skipTags: skip, listTags: true }), localhost);
    const theirs = (await expectedTags)[n]!;
    expect(normalize(theirs).filter((l) => l.includes('TASK TAGS:'))).toHaveLength(2);
    expect(normalize(ours)).toEqual(normalize(theirs));
  });

  it.each(COMBINATIONS.map((c, i) => [i, c[0].join(',') || '-', c[1].join(',') || '-'] as const))(
    'combination %i: --tags %s --skip-tags %s',
    async (i) => {
      const [tags, skip] = COMBINATIONS[i]!;
      const ours = listPlaybook(pb, defaultRunOptions({ tags, skipTags: skip, listTasks: true }), localhost);
      const theirs = (await expected)[i]!;
      expect(normalize(theirs).length).toBeGreaterThan(2);
      expect(normalize(ours)).toEqual(normalize(theirs));
    },
  );
});

const FACTS_YAML = `
- name: facts
  hosts: localhost
  tasks:
    - { name: plain, command: 'true' }
    - { name: tagged a, command: 'true', tags: [a] }
`;

const factsPlays = [
  play({ name: 'facts', hosts: 'localhost', tasks: [t('plain'), t('tagged a', ['a'])] }),
];

const localConnection: Inventory = { ...localhost, hostVars: () => ({ inventory_hostname: 'localhost', ansible_connection: 'local' }) };

/** Task banners and their status words, in order: `TASK [Gathering Facts] ok`. */
function ansibleRunLines(out: string): string[] {
  const lines: string[] = [];
  for (const l of out.split('\n')) {
    const banner = /^TASK \[(.*)\]/.exec(l);
    if (banner) lines.push(banner[1]!);
    const status = /^(ok|changed|skipping|fatal): \[localhost\]/.exec(l);
    if (status) lines[lines.length - 1] += ` ${status[1]}`;
  }
  return lines;
}

describe('fact gathering is an `always` task, as in ansible-playbook', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hw-facts-tags-'));
  const file = path.join(dir, 'facts.yml');
  writeFileSync(file, FACTS_YAML);

  it.each([
    [[], ['always']],
    [[], ['tagged']],
    [['a'], []],
    [[], ['a']],
    [['never'], []],
  ] as [string[], string[]][])('--tags %j --skip-tags %j', async (tags, skip) => {
    const ansible = await run(
      'ansible-playbook',
      ['-i', 'localhost,', '-c', 'local', file, ...(tags.length ? ['-t', tags.join(',')] : []), ...(skip.length ? ['--skip-tags', skip.join(',')] : [])],
      { env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCALHOST_WARNING: 'false' } },
    );
    const events: RunEvent[] = [];
    const reporter: Reporter = { emit: (e) => void events.push(e), close: async () => undefined };
    await runPlaybook(factsPlays, defaultRunOptions({ tags, skipTags: skip }), reporter, { inventory: localConnection, deps: realDeps, playbookDir: dir });
    const ours: string[] = [];
    for (const e of events) {
      if (e.type === 'task_start') ours.push(e.name);
      if (e.type === 'host_result') ours[ours.length - 1] += ` ${e.status === 'skipped' ? 'skipping' : e.status}`;
    }
    expect(ours).toEqual(ansibleRunLines(ansible.stdout));
  });
});
