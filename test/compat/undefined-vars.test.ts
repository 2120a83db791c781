/**
 * Reading an undefined variable, compared with the real ansible-playbook on localhost: the task
 * fails with Ansible's `'<name>' is undefined`, the host stops there, exit 2; a default (Jinja's
 * `| default(3)`, Hostwright's `optional(h.vars).x ?? 3`) and a defined test (`is defined`, `in`)
 * do not fail.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { command } from '../../modules/index.js';
import { play, task } from '../../runner/dsl.js';
import type { Reporter, RunEvent } from '../../runner/events.js';
import type { Inventory } from '../../runner/inventory/types.js';
import { localInventory } from './local-inventory.js';
import { realDeps } from '../../runner/main.js';
import { defaultRunOptions } from '../../runner/options.js';
import { runPlaybook } from '../../runner/run.js';
import { optional } from '../../runner/vars.js';

const run = promisify(execFile);

const YAML = `
- name: undefined
  hosts: localhost
  gather_facts: false
  tasks:
    - { name: with a default, command: 'true', when: (worker_count | default(3)) > 2 }
    - { name: asks first, command: 'true', when: worker_count is defined }
    - { name: scale, command: 'true', when: worker_count > 2 }
    - { name: after, command: 'true' }
`;

const plays = [
  play({
    name: 'undefined',
    hosts: 'localhost',
    gather_facts: false,
    tasks: [
      task('with a default', command({ cmd: 'true' }), { when: (h) => (optional(h.vars).worker_count ?? 3) as number > 2 }),
      task('asks first', command({ cmd: 'true' }), { when: (h) => 'worker_count' in h.vars }),
      task('scale', command({ cmd: 'true' }), { when: (h) => (h.vars.worker_count as number) > 2 }),
      task('after', command({ cmd: 'true' })),
    ],
  }),
];

const localhost = localInventory('localhost');

describe('undefined variables match ansible-playbook', () => {
  it("statuses, the failing task's message and the exit code", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hw-undefined-'));
    const file = path.join(dir, 'undefined.yml');
    writeFileSync(file, YAML);
    const ansible = await run('ansible-playbook', ['-i', 'localhost,', '-c', 'local', file], {
      env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCALHOST_WARNING: 'false' },
    }).then(
      (r) => ({ stdout: r.stdout, code: 0 }),
      (e: { stdout: string; code: number }) => ({ stdout: e.stdout, code: e.code }),
    );
    const theirs = [...ansible.stdout.matchAll(/^(ok|changed|skipping|fatal): \[localhost\]/gm)].map((m) => m[1]);

    const events: RunEvent[] = [];
    const reporter: Reporter = { emit: (e) => void events.push(e), close: async () => undefined };
    const code = await runPlaybook(plays, defaultRunOptions(), reporter, { inventory: localhost, deps: realDeps, playbookDir: dir });
    const results = events.flatMap((e) => (e.type === 'host_result' ? [e] : []));
    const word = { ok: 'ok', changed: 'changed', skipped: 'skipping', failed: 'fatal', unreachable: 'unreachable' } as const;

    expect(theirs).toEqual(['changed', 'skipping', 'fatal']);
    expect(results.map((e) => word[e.status])).toEqual(theirs);
    const msg = String(results.at(-1)!.result.msg);
    expect(msg).toBe("'worker_count' is undefined");
    expect(ansible.stdout).toContain(`error while evaluating conditional (worker_count > 2): ${msg}`);
    expect(code).toBe(ansible.code);
    expect(code).toBe(2);
  });
});
