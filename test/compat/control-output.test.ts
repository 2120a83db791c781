/**
 * debug, assert, fail, set_fact and the metas against the real ansible-playbook (Debian's
 * ansible-core 2.14), on localhost with the local connection on both sides: the same playbook
 * written in YAML and in the DSL must print the same text, byte for byte (banners, `ok: [h] =>`
 * blocks, fatal lines, skips, the recap), at -v0 and -v1, and exit with the same code. Only the
 * `assertion` value differs by design (Ansible shows the Jinja text, we show the function's source).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { assert, command, debug, fail, set_fact } from '../../modules/index.js';
import { block, clearHostErrors, endHost, endPlay, handler, play, task, type Play } from '../../runner/dsl.js';
import type { Inventory } from '../../runner/inventory/types.js';
import { localInventory } from './local-inventory.js';
import { realDeps } from '../../runner/main.js';
import { defaultRunOptions } from '../../runner/options.js';
import { TextReporter } from '../../runner/report/text.js';
import { runPlaybook } from '../../runner/run.js';

const run = promisify(execFile);

const YAML = `
- name: control
  hosts: all
  gather_facts: false
  vars:
    app: { name: shop, ports: [80, 443] }
  tasks:
    - { name: hello, debug: {} }
    - { name: a message, debug: { msg: 'deploying shop' } }
    - { name: a list message, debug: { msg: [one, 2, true] } }
    - { name: a variable, debug: { var: app } }
    - { name: a path, debug: { var: 'app.ports[1]' } }
    - { name: missing, debug: { var: nothing_here } }
    - { name: only verbose, debug: { msg: details, verbosity: 1 } }
    - { name: facts, set_fact: { release: '2.1', keep: 3, tags_list: [a, b] } }
    - { name: fact seen, debug: { var: release } }
    - { name: fact typed, debug: { msg: '{{ keep + 1 }}' } }
    - { name: holds, assert: { that: ['keep == 3', 'release == "2.1"'] } }
    - { name: holds quietly, assert: { that: ['keep == 3'], quiet: true } }
    - { name: holds with words, assert: { that: ['keep > 1'], success_msg: kept enough } }
    - { name: breaks, assert: { that: ['keep == 3', 'keep > 5'], fail_msg: not enough kept }, ignore_errors: true }
    - { name: stop, fail: {}, ignore_errors: true }
    - { name: stop with words, fail: { msg: giving up }, when: keep == 3, ignore_errors: true }
    - { name: not now, fail: {}, when: keep == 4 }
    - { name: keep going, meta: end_host, when: keep == 4 }
    - block:
        - { name: ends here, meta: end_host }
      always:
        - { name: never printed, debug: {} }
    - { name: after the end, debug: {} }
- name: failing
  hosts: all
  gather_facts: false
  tasks:
    - { name: fails for real, fail: { msg: broken } }
- name: cleared
  hosts: all
  gather_facts: false
  tasks:
    - { name: not run, debug: {} }
- name: clearing
  hosts: all
  gather_facts: false
  tasks:
    - { name: would fail, fail: {}, when: false }
`;

// The failed host leaves the run after "failing": the last two plays show "no hosts matched".
const plays: Play[] = [
  play({
    name: 'control',
    hosts: 'all',
    gather_facts: false,
    vars: { app: { name: 'shop', ports: [80, 443] } },
    tasks: [
      task('hello', debug({})),
      task('a message', debug({ msg: 'deploying shop' })),
      task('a list message', debug({ msg: ['one', 2, true] })),
      task('a variable', debug({ var: 'app' })),
      task('a path', debug({ var: 'app.ports[1]' })),
      task('missing', debug({ var: 'nothing_here' })),
      task('only verbose', debug({ msg: 'details', verbosity: 1 })),
      task('facts', set_fact({ release: '2.1', keep: 3, tags_list: ['a', 'b'] })),
      task('fact seen', debug({ var: 'release' })),
      task('fact typed', debug((h) => ({ msg: String(Number(h.vars.keep) + 1) }))),
      task('holds', assert({ that: [(h) => h.vars.keep === 3, (h) => h.vars.release === '2.1'] })),
      task('holds quietly', assert({ that: (h) => h.vars.keep === 3, quiet: true })),
      task('holds with words', assert({ that: [(h) => Number(h.vars.keep) > 1], success_msg: 'kept enough' })),
      task('breaks', assert({ that: [(h) => h.vars.keep === 3, (h) => Number(h.vars.keep) > 5], fail_msg: 'not enough kept' }), { ignore_errors: true }),
      task('stop', fail({}), { ignore_errors: true }),
      task('stop with words', fail({ msg: 'giving up' }), { when: (h) => h.vars.keep === 3, ignore_errors: true }),
      task('not now', fail({}), { when: (h) => h.vars.keep === 4 }),
      endHost({ name: 'keep going', when: (h) => h.vars.keep === 4 }),
      block({ block: [endHost({ name: 'ends here' })], always: [task('never printed', debug({}))] }),
      task('after the end', debug({})),
    ],
  }),
  play({ name: 'failing', hosts: 'all', gather_facts: false, tasks: [task('fails for real', fail({ msg: 'broken' }))] }),
  play({ name: 'cleared', hosts: 'all', gather_facts: false, tasks: [task('not run', debug({}))] }),
  play({ name: 'clearing', hosts: 'all', gather_facts: false, tasks: [task('would fail', fail({}), { when: () => false })] }),
];

const localhost = localInventory('localhost');

/** The `assertion` text is Jinja on one side and TypeScript on the other. */
const normalize = (out: string): string => out.replace(/("assertion": )"(?:[^"\\]|\\.)*"/g, '$1"…"');

async function ansible(file: string, verbosity: number): Promise<{ stdout: string; code: number }> {
  const args = [...(verbosity ? ['-' + 'v'.repeat(verbosity)] : []), '-i', 'localhost,', '-c', 'local', file];
  const env = { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_STDOUT_CALLBACK: 'default', ANSIBLE_RETRY_FILES_ENABLED: '0' };
  return run('ansible-playbook', args, { env })
    .then((r) => ({ stdout: r.stdout, code: 0 }))
    .catch((e: { stdout: string; code: number }) => ({ stdout: e.stdout, code: e.code }));
}

async function ours(dir: string, verbosity: number): Promise<{ stdout: string; code: number }> {
  let stdout = '';
  const reporter = new TextReporter({ verbosity, stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => undefined } });
  const code = await runPlaybook(plays, defaultRunOptions({ verbosity }), reporter, { inventory: localhost, deps: realDeps, playbookDir: dir });
  return { stdout, code };
}

describe('control modules print what ansible-playbook prints', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hw-control-compat-'));
  const file = path.join(dir, 'control.yml');
  writeFileSync(file, YAML);

  for (const verbosity of [0, 1]) {
    it(`the same text and exit code at -v${verbosity}`, async () => {
      const [theirs, mine] = await Promise.all([ansible(file, verbosity), ours(dir, verbosity)]);
      // -v adds Ansible's "No config file found" line before the first play.
      const body = (s: string) => normalize(s.slice(s.indexOf('\nPLAY [')));
      expect(theirs.stdout).toContain('"msg": "deploying shop"');
      expect(body(mine.stdout)).toBe(body(theirs.stdout));
      expect(mine.code).toBe(theirs.code);
    });
  }
});

const META_YAML = `
- name: metas
  hosts: all
  gather_facts: false
  tasks:
    - { name: change, command: 'true', notify: h }
    - { name: a fails, command: "{{ 'false' if inventory_hostname == 'a' else 'true' }}" }
    - block:
        - { meta: end_host, when: "inventory_hostname == 'b'" }
      always:
        - { name: always part, command: 'true' }
    - { name: after, command: 'true' }
    - meta: clear_host_errors
    - { name: end it, meta: end_play, when: "inventory_hostname == 'c'" }
    - { name: not reached, command: 'true' }
  handlers:
    - { name: h, command: 'true' }
- name: next play
  hosts: all
  gather_facts: false
  tasks:
    - { name: second play, command: 'true' }
`;

const metaPlays: Play[] = [
  play({
    name: 'metas',
    hosts: 'all',
    gather_facts: false,
    tasks: [
      task('change', command({ cmd: 'true' }), { notify: 'h' }),
      task('a fails', command((h) => ({ cmd: h.host === 'a' ? 'false' : 'true' }))),
      block({ block: [endHost({ when: (h) => h.host === 'b' })], always: [task('always part', command({ cmd: 'true' }))] }),
      task('after', command({ cmd: 'true' })),
      clearHostErrors(),
      endPlay({ name: 'end it', when: (h) => h.host === 'c' }),
      task('not reached', command({ cmd: 'true' })),
    ],
    handlers: [handler('h', command({ cmd: 'true' }))],
  }),
  play({ name: 'next play', hosts: 'all', gather_facts: false, tasks: [task('second play', command({ cmd: 'true' }))] }),
];

const threeLocal = localInventory('a', 'b', 'c');

/** Per host, `task status` in order (Ansible's line order between hosts varies), then the recap lines. */
function perHost(out: string): Record<string, string[]> {
  const seen: Record<string, string[]> = {};
  let taskName = '';
  for (const line of out.split('\n')) {
    const banner = /^(?:TASK|RUNNING HANDLER) \[(.*)\] \*+$/.exec(line);
    if (banner) taskName = banner[1]!;
    const m = /^(ok|changed|skipping|fatal|failed): \[(\w+)\]/.exec(line);
    if (m) (seen[m[2]!] ??= []).push(`${taskName} ${m[1]}`);
    const recap = /^(\w+)\s+: (ok=.*?)\s*$/.exec(line);
    if (recap) (seen[recap[1]!] ??= []).push(recap[2]!.replace(/\s+/g, ' '));
  }
  return seen;
}

describe('end_host, end_play and clear_host_errors run as in ansible-playbook', () => {
  it('the same statuses per host, handlers dropped, recap and exit code', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hw-meta-compat-'));
    const file = path.join(dir, 'metas.yml');
    writeFileSync(file, META_YAML);
    const env = { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_STDOUT_CALLBACK: 'default', ANSIBLE_RETRY_FILES_ENABLED: '0' };
    const theirs = await run('ansible-playbook', ['-i', 'a,b,c,', '-c', 'local', file], { env })
      .then((r) => ({ stdout: r.stdout, code: 0 }))
      .catch((e: { stdout: string; code: number }) => ({ stdout: e.stdout, code: e.code }));
    let stdout = '';
    const reporter = new TextReporter({ verbosity: 0, stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => undefined } });
    const code = await runPlaybook(metaPlays, defaultRunOptions(), reporter, { inventory: threeLocal, deps: realDeps, playbookDir: dir });

    const expected = perHost(theirs.stdout);
    expect(expected.a).toContain('second play changed');
    expect(perHost(stdout)).toEqual(expected);
    expect(code).toBe(theirs.code);
  });
});
