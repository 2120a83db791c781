/**
 * Runs the same list of single-module tasks as an Ansible YAML play (ansible-playbook with the json
 * callback) and as a Hostwright play (runPlaybook in this process, events captured) on one lab host,
 * and returns each task's registered result from both, in order: what the parity tests of the
 * builtins compare (state left, changed status, the keys a playbook would register and read).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { play, task, type AnyModuleCall } from '../../../runner/dsl.js';
import type { Reporter } from '../../../runner/events.js';
import { loadInventory } from '../../../runner/inventory/index.js';
import { realDeps } from '../../../runner/main.js';
import type { TaskResult } from '../../../runner/module.types.js';
import { defaultRunOptions } from '../../../runner/options.js';
import { runPlaybook } from '../../../runner/run.js';
import { labState } from '../../lab/testing.js';

const exec = promisify(execFile);

export interface ParityCase {
  name: string;
  /** Ansible's module name and arguments, as in YAML. */
  ansible: { module: string; args: Record<string, unknown> };
  ours: AnyModuleCall;
  ignore_errors?: boolean;
  /** Run the task as this user (become through sudo), in both tools. */
  become_user?: string;
}

/** Each case's result on `host` under ansible-playbook (json callback), in order. */
export async function ansibleResults(host: string, cases: readonly ParityCase[], check = false): Promise<TaskResult[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hw-builtins-parity-'));
  try {
    const yaml = [
      '- hosts: all',
      '  gather_facts: false',
      '  tasks:',
      ...cases.map(
        (c) =>
          `    - { name: ${JSON.stringify(c.name)}, ${c.ansible.module}: ${JSON.stringify(c.ansible.args)}${c.ignore_errors ? ', ignore_errors: true' : ''}${c.become_user ? `, become: true, become_user: ${c.become_user}` : ''} }`,
      ),
    ].join('\n');
    const file = path.join(dir, 'cases.yml');
    await writeFile(file, yaml + '\n');
    const env = { ...process.env, ANSIBLE_STDOUT_CALLBACK: 'json', ANSIBLE_LOAD_CALLBACK_PLUGINS: '1', ANSIBLE_NOCOLOR: '1', ANSIBLE_RETRY_FILES_ENABLED: '0' };
    const args = ['-i', labState().inventoryFile, '-l', host, ...(check ? ['--check'] : []), file];
    const out = await exec('ansible-playbook', args, { env, maxBuffer: 64 << 20 }).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
    // pause writes its "Pausing for N seconds" lines to stdout before the callback's JSON.
    const tasks = JSON.parse(out.stdout.slice(out.stdout.indexOf('{'))).plays[0].tasks as { hosts: Record<string, TaskResult> }[];
    return tasks.map((t) => t.hosts[host]!);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Each case's result on `host` under Hostwright, in order. */
export async function ourResults(host: string, cases: readonly ParityCase[], check = false): Promise<TaskResult[]> {
  const inventory = await loadInventory([labState().inventoryFile]);
  const results: TaskResult[] = [];
  const reporter: Reporter = {
    emit: (e) => {
      if (e.type === 'host_result' && e.host === host) results.push(e.result);
    },
    close: async () => undefined,
  };
  const plays = [
    play({
      hosts: 'all',
      gather_facts: false,
      tasks: cases.map((c) => task(c.name, c.ours, { ...(c.ignore_errors ? { ignore_errors: true } : {}), ...(c.become_user ? { become: true, become_user: c.become_user } : {}) })),
    }),
  ];
  await runPlaybook(plays, defaultRunOptions({ check, limit: host }), reporter, { inventory, deps: realDeps, playbookDir: process.cwd() });
  return results;
}

/** The keys of a result that a case compares (missing keys compare as undefined). */
export function pick(r: TaskResult | undefined, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, r?.[k] ?? (k === 'failed' || k === 'changed' || k === 'skipped' ? false : undefined)]));
}

/**
 * Runs Hostwright `plays` on `host` (check mode or not) and returns each task's status in order
 * (`ok`, `changed`, `skipped`, `failed`; a check-mode skip for a dependency as `depends on <task>`):
 * what a check-mode chain test compares with the real run.
 */
export async function playStatuses(host: string, plays: Parameters<typeof runPlaybook>[0], check: boolean): Promise<string[]> {
  const inventory = await loadInventory([labState().inventoryFile]);
  const statuses: string[] = [];
  const reporter: Reporter = {
    emit: (e) => {
      if (e.type === 'host_result' && e.host === host) statuses.push(e.dependsOn ? `depends on ${e.dependsOn}` : e.status);
    },
    close: async () => undefined,
  };
  await runPlaybook(plays, defaultRunOptions({ check, limit: host }), reporter, { inventory, deps: realDeps, playbookDir: process.cwd() });
  return statuses;
}
