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
import { block, handler, play, task } from '../../runner/dsl.js';
import type { Reporter, RunEvent } from '../../runner/events.js';
import type { Inventory } from '../../runner/inventory/types.js';
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

const localhost: Inventory = {
  hosts: new Map([['localhost', { name: 'localhost', vars: { ansible_connection: 'local' }, groups: [] }]]),
  groups: new Map(),
  hostVars: () => ({ inventory_hostname: 'localhost', ansible_connection: 'local' }),
  select: (p) => (p === 'localhost' || p === 'all' ? ['localhost'] : []),
  warnings: [],
};

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
