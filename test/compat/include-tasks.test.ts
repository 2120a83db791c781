/**
 * includeTasks() (Ansible's dynamic include_tasks) against the real ansible-playbook, on two hosts
 * with the local connection: the same playbook in YAML (with its included files) and in the DSL,
 * for each --tags/--skip-tags combination: the `--list-tasks` output must be the same, and a run
 * must run the same tasks on each host with the same statuses and the same PLAY RECAP. It covers
 * the include's own tags (not inherited by the included tasks), `apply` tags (inherited), an
 * enclosing block's tags (inherited), `when` on the include (per host), a file chosen per host,
 * the include's vars, a nested include, and a rescue catching an included task's failure.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { assert, command } from '../../modules/index.js';
import { block, includeTasks, play, playbook, task, type Items } from '../../runner/dsl.js';
import { listPlaybook } from '../../runner/list.js';
import { realDeps } from '../../runner/main.js';
import { defaultRunOptions } from '../../runner/options.js';
import { TextReporter } from '../../runner/report/text.js';
import { runPlaybook } from '../../runner/run.js';
import { localInventory } from './local-inventory.js';

const run = promisify(execFile);

const FILES: Record<string, string> = {
  'common.yml': `
- { name: c one, command: 'true' }
- { name: c two, command: 'true', tags: [t2] }
`,
  'web.yml': `
- { name: web task, command: 'true' }
- { name: nested, include_tasks: common.yml }
`,
  'db.yml': `
- { name: db task, command: 'true', tags: [t2] }
`,
  'greet.yml': `
- { name: greeting seen, assert: { that: ["greeting == 'hi'"] } }
`,
  'breaks.yml': `
- { name: breaks, command: 'false' }
- { name: not after a failure, command: 'true' }
`,
};

const PLAYBOOK = `
- name: includes
  hosts: all
  gather_facts: false
  tags: [ptag]
  tasks:
    - { name: before, command: 'true' }
    - { name: dyn plain, include_tasks: common.yml, tags: [inc] }
    - name: dyn apply
      include_tasks: { file: common.yml, apply: { tags: [app] } }
      tags: [inc2]
    - { name: only b, include_tasks: common.yml, when: "inventory_hostname == 'b'" }
    - name: per host
      include_tasks: { file: "{{ 'web.yml' if inventory_hostname == 'a' else 'db.yml' }}" }
      tags: [always]
    - { name: with vars, include_tasks: greet.yml, vars: { greeting: hi } }
    - block:
        - { name: in block, include_tasks: common.yml }
      tags: [blk]
    - block:
        - { name: failing include, include_tasks: breaks.yml }
      rescue:
        - { name: rescued, command: 'true' }
    - { name: after, command: 'true' }
`;

const t = (name: string, tags?: string[]) => task(name, command({ cmd: 'true' }), tags ? { tags } : {});
const common = (): Items => [t('c one'), t('c two', ['t2'])];
const web = (): Items => [t('web task'), includeTasks('nested', common)];
const db = (): Items => [t('db task', ['t2'])];

const pb = playbook(import.meta, [
  play({
    name: 'includes',
    hosts: 'all',
    gather_facts: false,
    tags: ['ptag'],
    tasks: [
      t('before'),
      includeTasks('dyn plain', common, { tags: ['inc'] }),
      includeTasks('dyn apply', common, { tags: ['inc2'], apply: { tags: ['app'] } }),
      includeTasks('only b', common, { when: (h) => h.host === 'b' }),
      includeTasks('per host', (h) => (h.host === 'a' ? web() : db()), { tags: ['always'] }),
      includeTasks('with vars', () => [task('greeting seen', assert({ that: (h) => h.vars.greeting === 'hi' }))], { vars: { greeting: 'hi' } }),
      block({ tags: ['blk'], block: [includeTasks('in block', common)] }),
      block({
        block: [includeTasks('failing include', () => [task('breaks', command({ cmd: 'false' })), t('not after a failure')])],
        rescue: [t('rescued')],
      }),
      t('after'),
    ],
  }),
]);

const COMBINATIONS: [string[], string[]][] = [
  [[], []],
  [['inc'], []],
  [['inc2', 'app'], []],
  [['app'], []],
  [['t2'], []],
  [['blk'], []],
  [['inc', 't2'], []],
  [[], ['t2']],
  [[], ['inc']],
  [['ptag'], ['blk']],
];

const hosts = localInventory('a', 'b');
const args = (tags: string[], skip: string[]) => [...(tags.length ? ['-t', tags.join(',')] : []), ...(skip.length ? ['--skip-tags', skip.join(',')] : [])];
const ENV = { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_STDOUT_CALLBACK: 'default', ANSIBLE_RETRY_FILES_ENABLED: '0' };

/** Per host: `task status` lines in order (`included` for an include), then its recap line. */
function perHost(out: string): Record<string, string[]> {
  const seen: Record<string, string[]> = {};
  let taskName = '';
  for (const line of out.split('\n')) {
    const banner = /^TASK \[(.*)\] \*+$/.exec(line);
    if (banner) taskName = banner[1]!;
    const m = /^(ok|changed|skipping|fatal|failed): \[(\w+)\]/.exec(line);
    if (m) (seen[m[2]!] ??= []).push(`${taskName} ${m[1]}`);
    const inc = /^included: .* for ([\w, ]+)$/.exec(line);
    if (inc) for (const h of inc[1]!.split(', ')) (seen[h] ??= []).push(`${taskName} included`);
    const recap = /^(\w+)\s+: (ok=.*?)\s*$/.exec(line);
    if (recap) (seen[recap[1]!] ??= []).push(recap[2]!.replace(/\s+/g, ' '));
  }
  return seen;
}

const listing = (text: string) => text.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '' && !l.startsWith('playbook:') && !l.startsWith('[WARNING]'));

describe('includeTasks matches ansible-playbook include_tasks', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hw-include-'));
  for (const [name, text] of Object.entries(FILES)) writeFileSync(path.join(dir, name), text);
  const file = path.join(dir, 'site.yml');
  writeFileSync(file, PLAYBOOK);
  const ansible = (extra: string[]) =>
    run('ansible-playbook', ['-i', 'a,b,', '-c', 'local', ...extra, file], { env: ENV })
      .then((r) => r.stdout)
      .catch((e: { stdout: string }) => e.stdout);
  // All ansible processes at once: each is mostly Python start-up.
  const lists = Promise.all(COMBINATIONS.map(([tags, skip]) => ansible(['--list-tasks', ...args(tags, skip)])));
  const runs = Promise.all(COMBINATIONS.map(([tags, skip]) => ansible(args(tags, skip))));

  it.each(COMBINATIONS.map((c, i) => [i, c[0].join(',') || '-', c[1].join(',') || '-'] as const))('--list-tasks, combination %i: --tags %s --skip-tags %s', async (i) => {
    const [tags, skip] = COMBINATIONS[i]!;
    const theirs = (await lists)[i]!;
    expect(listing(theirs).length).toBeGreaterThan(1);
    expect(listing(listPlaybook(pb, defaultRunOptions({ tags, skipTags: skip, listTasks: true }), hosts))).toEqual(listing(theirs));
  });

  it.each(COMBINATIONS.map((c, i) => [i, c[0].join(',') || '-', c[1].join(',') || '-'] as const))('a run, combination %i: --tags %s --skip-tags %s', async (i) => {
    const [tags, skip] = COMBINATIONS[i]!;
    let stdout = '';
    const reporter = new TextReporter({ verbosity: 0, stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => undefined } });
    await runPlaybook(pb.plays, defaultRunOptions({ tags, skipTags: skip }), reporter, { inventory: hosts, deps: realDeps, playbookDir: dir });
    const theirs = perHost((await runs)[i]!);
    expect(Object.keys(theirs).sort()).toEqual(['a', 'b']);
    expect(perHost(stdout)).toEqual(theirs);
  });

  it('the per-host include runs each host its own tasks, and the included tasks of one file in step', async () => {
    const theirs = perHost((await runs)[0]!);
    expect(theirs.a).toEqual(expect.arrayContaining(['per host included', 'web task changed', 'nested included', 'c one changed']));
    expect(theirs.b).toEqual(expect.arrayContaining(['per host included', 'db task changed']));
    expect(theirs.b).not.toContain('web task changed');
  });
});
