/**
 * Probes observed ahead (runner/observe.ts) on lab hosts: fewer round trips, the same run.
 * - twelve.ts (bench/playbooks) converged: its 12 tasks and the facts cost 13 commands one probe
 *   at a time (HOSTWRIGHT_PROBE_AHEAD=0) and 2 observing ahead (the facts, then one batch),
 *   counted from -vvvv's EXEC lines; its first run on a clean host, its no-op run and its check
 *   run print the same statuses, diffs and recap both ways.
 * - ahead.ts: every kind of change an observation made ahead must not survive (a module's write,
 *   a shell command, another host's task delegated to this one under a second inventory name for
 *   the same machine, a handler, a rescue, a loop), each followed by a task that looks and an
 *   assert; it passes and prints the same both ways, and its converged tail is observed ahead.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LabHost } from '../lab/state.js';
import { labHosts, labState, sshOk } from '../lab/testing.js';
import { childEnv, parseRun, REPO_ROOT, runTool, TSX, type ParsedRun, type ToolRun } from './playbooks/parity/output.js';

const TWELVE = path.join(REPO_ROOT, 'bench/playbooks/twelve.ts');
const AHEAD = path.join(REPO_ROOT, 'test/e2e/playbooks/ahead/ahead.ts');

let a: LabHost;
let b: LabHost;
let dir: string;
let inventory: string;

beforeAll(async () => {
  const plain = labHosts('plain');
  expect(plain.length, 'the e2e lab has too few plain hosts for this file').toBeGreaterThanOrEqual(2);
  [a, b] = [plain[0]!, plain[1]!];
  const lab = labState();
  dir = await mkdtemp(path.join(tmpdir(), 'hw-ahead-'));
  inventory = path.join(dir, 'inventory.ini');
  const line = (name: string, h: LabHost) => `${name} ansible_host=${h.address} ansible_port=${h.port}`;
  await writeFile(
    inventory,
    [
      '[pair]', line(a.name, a), line(b.name, b),
      '[others]', line('again', a),
      '[all:vars]', 'ansible_user=root', `ansible_ssh_private_key_file=${lab.keyFile}`,
      `ansible_ssh_common_args='-o UserKnownHostsFile=${lab.knownHostsFile} -o StrictHostKeyChecking=yes'`,
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function run(playbook: string, ahead: boolean, ...args: string[]): Promise<ToolRun> {
  const r = await runTool([TSX, playbook, '-i', inventory, ...args], { env: childEnv(ahead ? {} : { HOSTWRIGHT_PROBE_AHEAD: '0' }) });
  expect(r.code, `${path.basename(playbook)} ${args.join(' ')} (ahead ${ahead}): exit ${r.code}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
}

/** What a run shows, in an order that does not depend on which host finished first. */
function shown(r: ToolRun): Pick<ParsedRun, 'plays' | 'recap'> & { tasks: { banner: string; statuses: string[]; body: string[] }[] } {
  const p = parseRun(r.stdout);
  return { plays: p.plays, recap: p.recap, tasks: p.tasks.map((t) => ({ ...t, body: [...t.body].sort() })) };
}

/** Commands sent to the host, from -vvvv (a count, never a time). */
function commands(r: ToolRun): number {
  return (r.stdout.match(/^<[^>]+> EXEC /gm) ?? []).length;
}

/** -vvvv lines of one task's section. */
function section(r: ToolRun, task: string): string[] {
  const lines = r.stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`TASK [${task}] `));
  expect(start, `no TASK [${task}] in the output`).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > start && /^(TASK|RUNNING HANDLER|PLAY)/.test(l));
  return lines.slice(start, end < 0 ? undefined : end);
}

describe('probes observed ahead', () => {
  test('twelve.ts: 2 commands instead of 13 on a converged host; first, no-op and check runs print the same', async () => {
    const one = ['-l', a.name];
    const fresh = () => sshOk(a, 'rm -rf /srv/bench');
    // Once before, so that what twelve.ts manages outside /srv/bench (cron running) is as it leaves it.
    await run(TWELVE, false, ...one);
    await fresh();
    const firstOff = shown(await run(TWELVE, false, ...one, '--diff'));
    await fresh();
    const firstOn = shown(await run(TWELVE, true, ...one, '--diff'));
    expect(firstOn).toEqual(firstOff);
    expect(firstOn.recap.join('\n')).toMatch(/changed=[1-9]/);

    const noopOff = await run(TWELVE, false, ...one, '-vvvv');
    const noopOn = await run(TWELVE, true, ...one, '-vvvv');
    expect(commands(noopOff)).toBe(13);
    expect(commands(noopOn)).toBe(2);
    // Every task but the first was handed what the batch observed for it.
    expect((noopOn.stdout.match(/^<[^>]+> PROBE observed ahead, in one round trip with task 'base directory': /gm) ?? []).length).toBe(11);
    expect(shown(await run(TWELVE, true, ...one))).toEqual(shown(await run(TWELVE, false, ...one)));
    expect(shown(await run(TWELVE, true, ...one, '--check', '--diff'))).toEqual(shown(await run(TWELVE, false, ...one, '--check', '--diff')));
  });

  test('ahead.ts: no change is ever missed, the output is the same, the converged tail is observed ahead', async () => {
    // Once before, so that every compared run starts from the directory a run leaves ('clean' changes).
    await run(AHEAD, false);
    const off = shown(await run(AHEAD, false));
    const onVerbose = await run(AHEAD, true, '-vvvv');
    const on = shown(await run(AHEAD, true));
    expect(on).toEqual(off);
    expect(on.recap).toHaveLength(2);
    for (const h of [a, b]) {
      // A look right after a change goes to the host; the last two tasks, after no change, were observed ahead.
      for (const task of ['look at x', 'look at y', 'look at z', 'look at w', 'look at r', 'look at l2']) {
        expect(section(onVerbose, task).some((l) => l.startsWith(`<${h.name}> PROBE observed ahead`)), `${task} on ${h.name}`).toBe(false);
      }
      for (const task of ['converged x', 'converged y']) {
        expect(section(onVerbose, task).filter((l) => l.startsWith(`<${h.name}> `))[0]).toMatch(/^<[^>]+> PROBE observed ahead, in one round trip with task 'look at l2': /);
      }
    }
  });
});
