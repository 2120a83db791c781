/**
 * The parity runs of the firewall modules: the same cases as one ansible-playbook play (the
 * collection's module, a task per case) and as one Hostwright playbook (cases.ts), each run on a
 * lab host; what a test compares is each task's status, first and second run.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import type { LabHost } from '../../../lab/state.js';
import { labState } from '../../../lab/testing.js';
import { parseRun, REPO_ROOT, runTool, TSX } from '../parity/output.js';

export interface ParityCase {
  name: string;
  params: Record<string, unknown>;
}

/** Writes the Ansible side as `<dir>/cases.yml` and returns its path. */
export async function writeAnsibleCases(dir: string, module: string, cases: readonly ParityCase[]): Promise<string> {
  const file = path.join(dir, 'cases.yml');
  const tasks = cases.flatMap((c) => [`    - name: ${c.name}`, `      ${module}: ${JSON.stringify(c.params)}`]);
  await writeFile(file, ['- hosts: all', '  gather_facts: false', '  tasks:', ...tasks, ''].join('\n'));
  return file;
}

export type Tool = { ansible: string } | { hostwright: 'firewalld' | 'ufw' };

/** Runs the cases on `host`; one line per task: its banner and its status (ok, changed, ...). */
export async function playCases(tool: Tool, host: LabHost, cases: readonly ParityCase[]): Promise<string[]> {
  const argv = 'ansible' in tool ? ['ansible-playbook', tool.ansible] : [TSX, path.join(REPO_ROOT, 'test/e2e/playbooks/firewall/cases.ts')];
  const env = { ...process.env, NO_COLOR: '1', ANSIBLE_NOCOLOR: '1', HOSTWRIGHT_CASES: JSON.stringify(cases), HOSTWRIGHT_CASES_MODULE: 'hostwright' in tool ? tool.hostwright : '' };
  const r = await runTool([...argv, '-i', labState().inventoryFile, '-l', host.name], { env });
  expect(r.code, `exit ${r.code}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return parseRun(r.stdout).tasks.map((t) => `${t.banner} ${t.statuses.map((x) => x.split(':')[0]).join(',')}`);
}
