/**
 * Speed contract: a task that has nothing to do costs one command on the host (its probe), and
 * applying costs one command per action (a write is one). Checked on this machine's sh through a
 * LocalConnection that counts commands.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockinfile, command, copy, file, lineinfile, stat, template } from '../../../modules/index.js';
import { LocalConnection } from '../../../runner/connection/local.js';
import type { Connection } from '../../../runner/connection/types.js';
import { gatherFacts } from '../../../runner/facts.js';
import type { Facts } from '../../../runner/facts.types.js';
import type { ModuleCall } from '../../../runner/module.js';
import { runCallOn } from '../../../runner/module-run.js';

let dir: string;
let facts: Facts;
const local = new LocalConnection('local');
let count = 0;
const counting: Connection = { host: 'local', exec: (s, o) => (count++, local.exec(s, o)), close: async () => {} };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hw-trips-'));
  facts = await gatherFacts(local);
  await writeFile(path.join(dir, 'conf'), 'a=1\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await local.close();
});

async function commands<P, S>(call: ModuleCall<P, S>): Promise<{ n: number; changed: boolean }> {
  count = 0;
  const { result } = await runCallOn(counting, call, { facts });
  expect(result.failed, result.msg).toBe(false);
  return { n: count, changed: result.changed };
}

describe('round trips per task', () => {
  const cases: [string, () => Promise<{ n: number; changed: boolean }>, number][] = [
    ['copy', () => commands(copy({ dest: path.join(dir, 'c'), content: 'x\n', mode: '0640' })), 1],
    ['template', () => commands(template({ dest: path.join(dir, 't'), render: (h) => `${h.host}\n` })), 1],
    ['file', () => commands(file({ path: path.join(dir, 'd/e'), state: 'directory', mode: '0750' })), 1],
    ['lineinfile', () => commands(lineinfile({ path: path.join(dir, 'conf'), regexp: '^b=', line: 'b=2' })), 1],
    ['blockinfile', () => commands(blockinfile({ path: path.join(dir, 'conf'), block: 'k=v' })), 1],
    ['command with creates', () => commands(command({ argv: ['touch', path.join(dir, 'made')], creates: path.join(dir, 'made') })), 1],
  ];
  for (const [name, make, applyCommands] of cases) {
    it(`${name}: probe + ${applyCommands} on the first run, only the probe on the no-op run`, async () => {
      expect(await make()).toEqual({ n: 1 + applyCommands, changed: true });
      expect(await make()).toEqual({ n: 1, changed: false });
    });
  }
  it('stat: one command', async () => {
    expect(await commands(stat({ path: dir }))).toEqual({ n: 1, changed: false });
  });
  it('command without creates/removes: no probe at all', async () => {
    expect(await commands(command({ cmd: 'true' }))).toEqual({ n: 1, changed: true });
  });
});
