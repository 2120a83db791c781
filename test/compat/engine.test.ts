/**
 * The engine's counting and control flow compared with the real ansible-playbook on localhost
 * (local connection on both sides): ignore_errors, block/rescue/always, loops with skipped items,
 * changed_when/failed_when, handlers, a failure ending the host's play. Per-task statuses in order
 * and the PLAY RECAP line must be the same.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { command } from '../../modules/index.js';
import { block, flushHandlers, handler, play, task, type Play } from '../../runner/dsl.js';
import type { Reporter, RunEvent } from '../../runner/events.js';
import type { Inventory } from '../../runner/inventory/types.js';
import { localInventory } from './local-inventory.js';
import { realDeps } from '../../runner/main.js';
import { defaultRunOptions } from '../../runner/options.js';
import { runPlaybook } from '../../runner/run.js';

const run = promisify(execFile);

const YAML = `
- name: counting
  hosts: localhost
  gather_facts: false
  tasks:
    - { name: changes, command: 'true', notify: h }
    - { name: fails ignored, command: 'false', ignore_errors: true }
    - name: guarded
      block:
        - { name: breaks, command: 'false' }
        - { name: not reached, command: 'true' }
      rescue:
        - { name: recovers, command: 'true' }
      always:
        - { name: cleans, command: 'true' }
    - { name: some items, command: 'echo {{ item }}', loop: [1, 2, 3], when: item != 2 }
    - { name: no items wanted, command: 'echo {{ item }}', loop: [1, 2], when: false }
    - { name: skipped, command: 'true', when: false }
    - { name: quiet, command: 'true', changed_when: false }
    - { name: tolerated, command: 'false', failed_when: false }
    - { name: flagged, command: 'true', failed_when: true, ignore_errors: true }
  handlers:
    - { name: h, command: 'true' }
- name: ending
  hosts: localhost
  gather_facts: false
  tasks:
    - name: unrescued
      block:
        - { name: breaks again, command: 'false' }
      always:
        - { name: still cleans, command: 'true' }
    - { name: never runs, command: 'true' }
`;

const plays = [
  play({
    name: 'counting',
    hosts: 'localhost',
    gather_facts: false,
    tasks: [
      task('changes', command({ cmd: 'true' }), { notify: 'h' }),
      task('fails ignored', command({ cmd: 'false' }), { ignore_errors: true }),
      block({
        name: 'guarded',
        block: [task('breaks', command({ cmd: 'false' })), task('not reached', command({ cmd: 'true' }))],
        rescue: [task('recovers', command({ cmd: 'true' }))],
        always: [task('cleans', command({ cmd: 'true' }))],
      }),
      task('some items', command((h) => ({ cmd: `echo ${String(h.item)}` })), { loop: [1, 2, 3], when: (h) => h.item !== 2 }),
      task('no items wanted', command((h) => ({ cmd: `echo ${String(h.item)}` })), { loop: [1, 2], when: () => false }),
      task('skipped', command({ cmd: 'true' }), { when: () => false }),
      task('quiet', command({ cmd: 'true' }), { changed_when: () => false }),
      task('tolerated', command({ cmd: 'false' }), { failed_when: () => false }),
      task('flagged', command({ cmd: 'true' }), { failed_when: () => true, ignore_errors: true }),
    ],
    handlers: [handler('h', command({ cmd: 'true' }))],
  }),
  play({
    name: 'ending',
    hosts: 'localhost',
    gather_facts: false,
    tasks: [
      block({ name: 'unrescued', block: [task('breaks again', command({ cmd: 'false' }))], always: [task('still cleans', command({ cmd: 'true' }))] }),
      task('never runs', command({ cmd: 'true' })),
    ],
  }),
];

const localhost = localInventory('localhost');

const STATUS: Record<string, string> = { ok: 'ok', changed: 'changed', skipping: 'skipped', fatal: 'failed', failed: 'failed' };

/** `status[ item]` per result line of ansible-playbook's default output. */
function ansibleStatuses(out: string): string[] {
  return out.split('\n').flatMap((l) => {
    const m = /^(ok|changed|skipping|fatal|failed): \[localhost\](?: => \(item=([^)]*)\)|:? \(item=([^)]*)\))?/.exec(l);
    if (!m) return [];
    const item = m[2] ?? m[3];
    return [`${STATUS[m[1]!]}${item !== undefined ? ` ${item}` : ''}`];
  });
}

function recap(stats: Record<string, number>): string {
  return ['ok', 'changed', 'unreachable', 'failed', 'skipped', 'rescued', 'ignored'].map((k) => `${k}=${stats[k]}`).join(' ');
}

describe('engine semantics match ansible-playbook', () => {
  it('statuses per task and the recap for ignore_errors, block/rescue/always, loops, *_when, handlers', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hw-engine-compat-'));
    const file = path.join(dir, 'engine.yml');
    writeFileSync(file, YAML);
    const ansible = await run('ansible-playbook', ['-i', 'localhost,', '-c', 'local', file], {
      env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCALHOST_WARNING: 'false' },
    }).catch((e: { stdout: string; code: number }) => ({ stdout: e.stdout, code: e.code }));
    const theirCode = 'code' in ansible ? ansible.code : 0;
    const theirRecap = /localhost\s+: (ok=.*?)\s*$/m.exec(ansible.stdout)![1]!.replace(/\s+/g, ' ');

    const events: RunEvent[] = [];
    const reporter: Reporter = { emit: (e) => void events.push(e), close: async () => undefined };
    const code = await runPlaybook(plays, defaultRunOptions(), reporter, { inventory: localhost, deps: realDeps, playbookDir: dir });
    const ours = events.flatMap((e) => (e.type === 'host_result' ? [`${e.status}${e.item !== undefined ? ` ${e.item}` : ''}`] : []));
    const ourRecap = events.flatMap((e) => (e.type === 'recap' ? [recap(e.stats.localhost as unknown as Record<string, number>)] : []))[0];

    expect(ansibleStatuses(ansible.stdout).length).toBeGreaterThan(10);
    expect(ours).toEqual(ansibleStatuses(ansible.stdout));
    expect(ourRecap).toBe(theirRecap);
    expect(code).toBe(theirCode);
  });
});

const HANDLERS_YAML = `
- name: handlers
  hosts: all
  gather_facts: false
  pre_tasks:
    - { name: pre change, command: 'true', notify: second }
  tasks:
    - { name: change a only, command: 'true', notify: [second, first], changed_when: "inventory_hostname == 'a'" }
    - { name: topic, command: 'true', notify: web changed }
    - meta: flush_handlers
    - { name: again, command: 'true', notify: first }
    - { name: b fails, command: "{{ 'false' if inventory_hostname == 'b' else 'true' }}" }
  post_tasks:
    - { name: post, command: 'true' }
  handlers:
    - { name: first, command: 'true', notify: chained }
    - { name: second, command: 'true' }
    - { name: listener, command: 'true', listen: web changed }
    - { name: chained, command: 'true' }
`;

const handlerPlays: Play[] = [
  play({
    name: 'handlers',
    hosts: 'all',
    gather_facts: false,
    pre_tasks: [task('pre change', command({ cmd: 'true' }), { notify: 'second' })],
    tasks: [
      task('change a only', command({ cmd: 'true' }), { notify: ['second', 'first'], changed_when: (_r, h) => h.host === 'a' }),
      task('topic', command({ cmd: 'true' }), { notify: 'web changed' }),
      flushHandlers(),
      task('again', command({ cmd: 'true' }), { notify: 'first' }),
      task('b fails', command((h) => ({ cmd: h.host === 'b' ? 'false' : 'true' }))),
    ],
    post_tasks: [task('post', command({ cmd: 'true' }))],
    handlers: [
      handler('first', command({ cmd: 'true' }), { notify: 'chained' }),
      handler('second', command({ cmd: 'true' })),
      handler('listener', command({ cmd: 'true' }), { listen: 'web changed' }),
      handler('chained', command({ cmd: 'true' })),
    ],
  }),
];

const twoLocal = localInventory('a', 'b');

/**
 * What both runs must agree on: the handler banners in order, each host's sequence of statuses,
 * and the recap. (Task names per host are not compared: around a flush, Ansible 2.14 lets a host
 * without pending handlers run its next task under the banner of another host's handler.)
 */
interface Summary {
  handlers: string[];
  hosts: Record<string, string[]>;
  recap: Record<string, string>;
}

function ansibleSummary(out: string): Summary {
  const sum: Summary = { handlers: [], hosts: { a: [], b: [] }, recap: {} };
  for (const l of out.split('\n')) {
    const h = /^RUNNING HANDLER \[(.*)\]/.exec(l);
    // The banner may repeat when another host's result interleaves (the quirk above): once is enough.
    if (h && sum.handlers.at(-1) !== h[1]) sum.handlers.push(h[1]!);
    const m = /^(ok|changed|skipping|fatal|failed): \[(\w+)\]/.exec(l);
    if (m) (sum.hosts[m[2]!] ??= []).push(STATUS[m[1]!]!);
    const r = /^(\w+)\s+: (ok=.*?)\s*$/.exec(l);
    if (r) sum.recap[r[1]!] = r[2]!.replace(/\s+/g, ' ');
  }
  return sum;
}

function ourSummary(events: RunEvent[]): Summary {
  const sum: Summary = { handlers: [], hosts: { a: [], b: [] }, recap: {} };
  for (const e of events) {
    if (e.type === 'task_start' && e.kind === 'handler' && sum.handlers.at(-1) !== e.name) sum.handlers.push(e.name);
    if (e.type === 'host_result') (sum.hosts[e.host] ??= []).push(e.status);
    if (e.type === 'recap') for (const [h, st] of Object.entries(e.stats)) sum.recap[h] = recap(st as unknown as Record<string, number>);
  }
  return sum;
}

describe('handlers match ansible-playbook', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hw-handlers-compat-'));
  const file = path.join(dir, 'handlers.yml');
  writeFileSync(file, HANDLERS_YAML);

  it.each([[false], [true]])('flush points, order, listen, chains, a host failing later (--force-handlers=%s)', async (force) => {
    const ansible = await run('ansible-playbook', ['-i', 'a,b,', '-c', 'local', file, ...(force ? ['--force-handlers'] : [])], {
      env: { ...process.env, ANSIBLE_NOCOLOR: '1' },
    }).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
    const events: RunEvent[] = [];
    const reporter: Reporter = { emit: (e) => void events.push(e), close: async () => undefined };
    await runPlaybook(handlerPlays, defaultRunOptions({ forceHandlers: force }), reporter, { inventory: twoLocal, deps: realDeps, playbookDir: dir });
    const theirs = ansibleSummary(ansible.stdout);
    expect(theirs.handlers.length).toBeGreaterThan(3);
    expect(ourSummary(events)).toEqual(theirs);
  });
});

/** A command that fails on the named hosts only. */
const failOn = (...hosts: string[]) => command((h) => ({ cmd: hosts.includes(h.host) ? 'false' : 'true' }));
const yamlFailOn = (...hosts: string[]) => `"{{ 'false' if inventory_hostname in [${hosts.map((h) => `'${h}'`).join(', ')}] else 'true' }}"`;

const threeLocal = localInventory('a', 'b', 'c');

const POLICIES: { name: string; yaml: string; plays: Play[] }[] = [
  {
    name: 'serial 2 with max_fail_percentage 40: a batch at 50% stops the run',
    yaml: `
- hosts: all
  gather_facts: false
  serial: 2
  max_fail_percentage: 40
  tasks:
    - { name: one, command: ${yamlFailOn('b')} }
    - { name: two, command: 'true' }
`,
    plays: [play({ hosts: 'all', gather_facts: false, serial: 2, max_fail_percentage: 40, tasks: [task('one', failOn('b')), task('two', command({ cmd: 'true' }))] })],
  },
  {
    name: 'serial [1, 50%] with a failure in the second batch: the third batch still runs',
    yaml: `
- hosts: all
  gather_facts: false
  serial: [1, '50%']
  tasks:
    - { name: one, command: ${yamlFailOn('b')} }
    - { name: two, command: 'true' }
`,
    plays: [play({ hosts: 'all', gather_facts: false, serial: [1, '50%'], tasks: [task('one', failOn('b')), task('two', command({ cmd: 'true' }))] })],
  },
  {
    name: 'any_errors_fatal: the play and the playbook stop after the failing task',
    yaml: `
- hosts: all
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - { name: one, command: ${yamlFailOn('b')} }
    - { name: two, command: 'true' }
- hosts: all
  gather_facts: false
  tasks:
    - { name: three, command: 'true' }
`,
    plays: [
      play({ hosts: 'all', gather_facts: false, any_errors_fatal: true, tasks: [task('one', failOn('b')), task('two', command({ cmd: 'true' }))] }),
      play({ hosts: 'all', gather_facts: false, tasks: [task('three', command({ cmd: 'true' }))] }),
    ],
  },
  {
    name: 'every host of a batch failing ends the playbook; failed hosts stay out of later plays',
    yaml: `
- hosts: all
  gather_facts: false
  tasks:
    - { name: one, command: ${yamlFailOn('a')} }
- hosts: all
  gather_facts: false
  serial: 1
  tasks:
    - { name: two, command: ${yamlFailOn('b')} }
- hosts: all
  gather_facts: false
  tasks:
    - { name: three, command: 'true' }
`,
    plays: [
      play({ hosts: 'all', gather_facts: false, tasks: [task('one', failOn('a'))] }),
      play({ hosts: 'all', gather_facts: false, serial: 1, tasks: [task('two', failOn('b'))] }),
      play({ hosts: 'all', gather_facts: false, tasks: [task('three', command({ cmd: 'true' }))] }),
    ],
  },
];

describe('failure policies match ansible-playbook', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hw-policies-compat-'));
  it.each(POLICIES.map((p, i) => [p.name, i] as const))('%s', async (_name, i) => {
    const policy = POLICIES[i]!;
    const file = path.join(dir, `policy${i}.yml`);
    writeFileSync(file, policy.yaml);
    const ansible = await run('ansible-playbook', ['-i', 'a,b,c,', '-c', 'local', file], { env: { ...process.env, ANSIBLE_NOCOLOR: '1' } })
      .then((r) => ({ stdout: r.stdout, code: 0 }))
      .catch((e: { stdout: string; code: number }) => ({ stdout: e.stdout, code: e.code }));
    const events: RunEvent[] = [];
    const reporter: Reporter = { emit: (e) => void events.push(e), close: async () => undefined };
    const code = await runPlaybook(policy.plays, defaultRunOptions(), reporter, { inventory: threeLocal, deps: realDeps, playbookDir: dir });
    const theirs = ansibleSummary(ansible.stdout);
    theirs.hosts.c ??= [];
    const ours = ourSummary(events);
    ours.hosts.c ??= [];
    expect(Object.keys(theirs.recap).length).toBeGreaterThan(0);
    expect({ ...ours, code }).toEqual({ ...theirs, code: ansible.code });
  });
});
