/**
 * git against ansible-core's git module: the same cases as one playbook per batch, written for
 * ansible-playbook (YAML) and for Hostwright (TypeScript) from one case table, run by
 * ansible-playbook on one fresh lab host and by Hostwright on another. Each case must leave the
 * same checkout (commit, branch, status, every file with its mode and sha1) and report the same
 * status (changed / ok / failed), in the first and in the second run of its batch. A third host
 * serves the repository over SSH (host keys checked). Before its first real run, Hostwright's
 * `--check --diff` on its fresh host must predict that run: same statuses, same diffs, nothing made.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { labHosts, labState, resetHost, sshOk } from '../lab/testing.js';
import type { LabHost } from '../lab/state.js';
import { checkoutStateScript, CLIENT_KEY, makeRepo, pushCommit, sshAccess, type RepoCommits } from './modules/git-fixture.js';
import { childEnv, parseRun, REPO_ROOT, runTool, TSX, type ParsedRun } from './playbooks/parity/output.js';

const BARE = '/srv/git/app.git';
const ROOT = '/srv/pg';

interface Case {
  name: string;
  params: Record<string, unknown>;
  /** The failure is the expected outcome (both tools must fail the same way). */
  fails?: boolean;
}

/** Batch 1 on fresh hosts: new checkouts, and the starting points of batch 2. */
function batchOne(c: RepoCommits, server: string): Case[] {
  return [
    { name: 'default version (HEAD), repo as a path', params: { repo: BARE, dest: `${ROOT}/head` } },
    { name: 'a branch', params: { repo: `file://${BARE}`, dest: `${ROOT}/dev`, version: 'dev' } },
    { name: 'a lightweight tag', params: { repo: BARE, dest: `${ROOT}/tag`, version: 'v1' } },
    { name: 'an annotated tag', params: { repo: BARE, dest: `${ROOT}/annotated`, version: 'v1a' } },
    { name: 'a full commit id', params: { repo: BARE, dest: `${ROOT}/sha`, version: c.one } },
    { name: 'a short commit id', params: { repo: BARE, dest: `${ROOT}/short`, version: c.one.slice(0, 8) } },
    { name: 'depth 1 on a branch', params: { repo: BARE, dest: `${ROOT}/shallow`, version: 'main', depth: 1 } },
    { name: 'depth 1 with a commit id (ansible#21316)', params: { repo: BARE, dest: `${ROOT}/shallow-sha`, version: c.two, depth: 1 } },
    { name: 'single_branch', params: { repo: BARE, dest: `${ROOT}/single`, version: 'dev', single_branch: true } },
    { name: 'another remote name', params: { repo: BARE, dest: `${ROOT}/upstream`, version: 'main', remote: 'upstream' } },
    { name: 'umask 0077', params: { repo: BARE, dest: `${ROOT}/private`, version: 'main', umask: '0077' } },
    { name: 'over ssh from another lab host, known host, key_file', params: { repo: `ssh://root@${server}${BARE}`, dest: `${ROOT}/ssh`, version: 'dev', key_file: CLIENT_KEY } },
    { name: 'to update: tag', params: { repo: BARE, dest: `${ROOT}/u-tag`, version: 'v1' } },
    { name: 'to update: dirty, force', params: { repo: BARE, dest: `${ROOT}/u-force`, version: 'v1' } },
    { name: 'to update: dirty, no force', params: { repo: BARE, dest: `${ROOT}/u-dirty`, version: 'v1' } },
    { name: 'to update: untracked', params: { repo: BARE, dest: `${ROOT}/u-untracked`, version: 'v1' } },
    { name: 'to update: update=no', params: { repo: BARE, dest: `${ROOT}/u-noupdate`, version: 'v1' } },
  ];
}

/** Batch 2, after local changes in some checkouts and a new commit on main. */
function batchTwo(): Case[] {
  return [
    { name: 'HEAD after main moved', params: { repo: BARE, dest: `${ROOT}/head` } },
    { name: 'a branch after another branch moved', params: { repo: `file://${BARE}`, dest: `${ROOT}/dev`, version: 'dev' } },
    { name: 'depth 1 branch after it moved', params: { repo: BARE, dest: `${ROOT}/shallow`, version: 'main', depth: 1 } },
    { name: 'from a tag to a branch', params: { repo: BARE, dest: `${ROOT}/u-tag`, version: 'main' } },
    { name: 'local modifications, force', params: { repo: BARE, dest: `${ROOT}/u-force`, version: 'main', force: true } },
    { name: 'local modifications, no force', params: { repo: BARE, dest: `${ROOT}/u-dirty`, version: 'main' }, fails: true },
    { name: 'only untracked files', params: { repo: BARE, dest: `${ROOT}/u-untracked`, version: 'v1' } },
    { name: 'update=no', params: { repo: BARE, dest: `${ROOT}/u-noupdate`, version: 'main', update: false } },
    { name: 'the same URL with a slash', params: { repo: `file://${BARE}/`, dest: `${ROOT}/annotated`, version: 'v1a' } },
    { name: 'a new remote URL', params: { repo: '/srv/git/alias.git', dest: `${ROOT}/tag`, version: 'v1' } },
  ];
}

/** Both tools' playbooks for a batch, from its cases: YAML (JSON is YAML) and TypeScript. */
async function writePlaybooks(dir: string, batch: string, cases: Case[]): Promise<{ yaml: string; ts: string }> {
  const yaml = path.join(dir, `${batch}.yml`);
  const ts = path.join(dir, `${batch}.ts`);
  const tasks = cases.map((c) => ({ name: c.name, 'ansible.builtin.git': c.params, ...(c.fails ? { ignore_errors: true } : {}) }));
  await writeFile(yaml, JSON.stringify([{ name: batch, hosts: 'all', gather_facts: false, tasks }], null, 2));
  const tsTasks = cases.map((c) => `    task(${JSON.stringify(c.name)}, git(${JSON.stringify(c.params)})${c.fails ? ', { ignore_errors: true }' : ''}),`);
  await writeFile(
    ts,
    [
      `import { play, playbook, task } from ${JSON.stringify(path.join(REPO_ROOT, 'runner/index.js'))};`,
      `import { git } from ${JSON.stringify(path.join(REPO_ROOT, 'modules/index.js'))};`,
      `export default playbook(import.meta, [play({ name: ${JSON.stringify(batch)}, hosts: 'all', gather_facts: false, tasks: [`,
      ...tsTasks,
      ']})]);',
      '',
    ].join('\n'),
  );
  return { yaml, ts };
}

function flags(host: LabHost, extra: string[] = []): string[] {
  return ['-i', labState().inventoryFile, '-l', host.name, ...extra];
}

async function ansible(playbook: string, host: LabHost): Promise<ParsedRun> {
  const r = await runTool(['ansible-playbook', playbook, ...flags(host)], { env: childEnv({ ANSIBLE_PIPELINING: '1' }) });
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  return parseRun(r.stdout);
}

async function hostwright(playbook: string, host: LabHost, extra: string[] = []): Promise<ParsedRun> {
  const r = await runTool([TSX, playbook, ...flags(host, extra)]);
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  return parseRun(r.stdout);
}

/** Per task: its name and the host's status word (changed, ok, fatal). */
function statuses(run: ParsedRun): string[] {
  return run.tasks.map((t) => `${t.banner} ${t.statuses.map((s) => s.split(':')[0]).join(',')}`);
}

async function checkouts(host: LabHost, cases: Case[]): Promise<string[]> {
  const dests = [...new Set(cases.map((c) => String(c.params.dest)))];
  return Promise.all(dests.map(async (d) => `${d}\n${await sshOk(host, checkoutStateScript(d))}`));
}

describe('git parity with ansible-core (ansible-playbook on one fresh host, Hostwright on another)', () => {
  let ansibleHost: LabHost;
  let ourHost: LabHost;
  let server: LabHost;
  let commits: RepoCommits;
  let dir: string;

  beforeAll(async () => {
    [ansibleHost, ourHost, server] = labHosts('plain') as [LabHost, LabHost, LabHost];
    expect(server, 'this file needs 3 plain lab hosts').toBeDefined();
    for (const h of [ansibleHost, ourHost]) await resetHost(h.name);
    dir = await mkdtemp(path.join(os.tmpdir(), 'hw-git-parity-'));
    // The same repository (same commit ids) on both hosts, and one served over SSH by the third.
    const made = await Promise.all([ansibleHost, ourHost, server].map((h) => makeRepo(h, BARE)));
    expect(made[1]).toEqual(made[0]);
    commits = made[0]!;
    for (const h of [ansibleHost, ourHost]) await sshAccess(h, server, true);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    // Checkouts, repositories and the lab key were left on three hosts: the next test files get fresh ones.
    for (const h of [ansibleHost, ourHost, server]) if (h) await resetHost(h.name);
  });

  test('17 + 10 cases in two batches: same statuses and the same checkouts, first and second run', async () => {
    const one = batchOne(commits, server.name);
    const two = batchTwo();
    expect(one.length + two.length).toBeGreaterThanOrEqual(10);
    const b1 = await writePlaybooks(dir, 'git-batch-1', one);
    const b2 = await writePlaybooks(dir, 'git-batch-2', two);

    // Check mode on the fresh host predicts Hostwright's first run, and makes nothing.
    const predicted = await hostwright(b1.ts, ourHost, ['--check', '--diff']);
    expect(await sshOk(ourHost, `test -e ${ROOT} && echo made || echo nothing`)).toBe('nothing\n');
    const diffed = await hostwright(b1.ts, ourHost, ['--diff']);
    expect(statuses(predicted)).toEqual(statuses(diffed));
    expect(predicted.tasks.map((t) => t.body)).toEqual(diffed.tasks.map((t) => t.body));
    expect(statuses(diffed).every((s) => s.endsWith(' changed'))).toBe(true);
    await sshOk(ourHost, `rm -rf ${ROOT}`);

    // What ansible-core reports, case by case (so the comparison cannot pass on two empty runs).
    const expected = new Map<string, string[]>([
      [`${b1.yaml} first`, one.map(() => 'changed')],
      [`${b1.yaml} second`, one.map(() => 'ok')],
      [`${b2.yaml} first`, ['changed', 'ok', 'changed', 'changed', 'changed', 'fatal', 'ok', 'ok', 'ok', 'changed']],
      [`${b2.yaml} second`, ['ok', 'ok', 'ok', 'ok', 'ok', 'fatal', 'ok', 'ok', 'ok', 'ok']],
    ]);
    for (const [batch, cases] of [[b1, one], [b2, two]] as const) {
      if (batch === b2) {
        // Between the batches: local changes, and a new commit on main (the same on both hosts).
        for (const h of [ansibleHost, ourHost]) {
          await sshOk(h, `cd ${ROOT}/u-force && echo x >> README && cd ${ROOT}/u-dirty && echo x >> README && touch ${ROOT}/u-untracked/new.txt`);
          await pushCommit(h, BARE, 'main', 'conf/app.conf', 'version=3');
          await sshOk(h, `ln -sfn app.git /srv/git/alias.git`);
        }
      }
      for (const round of ['first', 'second']) {
        const theirs = await ansible(batch.yaml, ansibleHost);
        expect(statuses(theirs).map((t) => t.split(' ').pop())).toEqual(expected.get(`${batch.yaml} ${round}`));
        const ours = await hostwright(batch.ts, ourHost);
        expect(statuses(ours), `${round} run of ${path.basename(batch.ts)}`).toEqual(statuses(theirs));
        expect(await checkouts(ourHost, cases), `${round} run of ${path.basename(batch.ts)}`).toEqual(await checkouts(ansibleHost, cases));
      }
    }
  });
});
