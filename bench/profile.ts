/**
 * Where a Hostwright no-op run spends its time, seen from outside: the 12-task playbook over the
 * hosts of a running lab, with --json, each event line timestamped as it arrives. Phases: process
 * start → playbook_start (tsx, imports, flags), → facts on every host (inventory, ssh connect,
 * facts), each task (linear: until the slowest host is done), last task → exit (recap, closing).
 * Also the cost of starting alone (tsx -e 0; the playbook loaded with --list-tasks).
 *
 *   npm run lab -- up 30 --name bench && npx tsx bench/profile.ts [--name bench] [--runs 3]
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { netnsName } from '../test/lab/paths.js';
import { readLabState } from '../test/lab/lab.js';
import { childEnv, REPO_ROOT, TSX } from '../test/e2e/playbooks/parity/output.js';
import { cleanupCgroups, cpuMethod, measure, TargetCpu } from './measure.js';

const { values } = parseArgs({ options: { name: { type: 'string', default: 'bench' }, runs: { type: 'string', default: '3' } } });
const state = await readLabState(values.name);
if (!state) throw new Error(`no lab named '${values.name}' is up (npm run lab -- up 30 --name ${values.name})`);
const hosts = state.hosts.filter((h) => h.kind === 'plain');
const playbook = path.join(REPO_ROOT, 'bench/playbooks/twelve.ts');
const argv = [TSX, playbook, '-i', state.inventoryFile, '-f', String(hosts.length), '-l', hosts.map((h) => h.name).join(',')];

interface Stamp {
  ms: number;
  event: { type: string; name?: string; host?: string; task?: string };
}

/** Runs the playbook with --json and stamps every event line when it arrives. */
function timeline(): Promise<{ stamps: Stamp[]; totalMs: number; code: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0]!, [...argv.slice(1), '--json'], { cwd: REPO_ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
    const stamps: Stamp[] = [];
    let buffer = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      const now = performance.now() - t0;
      buffer += d;
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) if (line.trim()) stamps.push({ ms: now, event: JSON.parse(line) as Stamp['event'] });
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ stamps, totalMs: performance.now() - t0, code: code ?? -1 }));
  });
}

function phases(stamps: Stamp[], totalMs: number): [string, number][] {
  const out: [string, number][] = [];
  const at = (pred: (s: Stamp) => boolean) => stamps.find(pred)?.ms;
  const start = at((s) => s.event.type === 'playbook_start') ?? 0;
  out.push(['start (tsx, imports, flags)', start]);
  const taskStarts = stamps.filter((s) => s.event.type === 'task_start');
  let prev = start;
  for (const [i, t] of taskStarts.entries()) {
    const next = taskStarts[i + 1]?.ms ?? stamps.findLast((s) => s.event.type === 'host_result')?.ms ?? t.ms;
    if (i === 0) out.push(['inventory, until the first task starts', t.ms - prev]);
    out.push([`task: ${t.event.name ?? '?'}`, next - t.ms]);
    prev = next;
  }
  out.push(['after the last result (recap, close, exit)', totalMs - prev]);
  return out;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(3)} s`;

const method = await cpuMethod();
const targets = await TargetCpu.create(method);
await targets?.add(hosts.map((h) => netnsName(state.instance, h.name)));
try {
  const tsxAlone = await measure([TSX, '-e', '0'], childEnv(), method, REPO_ROOT);
  const loaded = await measure([...argv, '--list-tasks'], childEnv(), method, REPO_ROOT);
  const converge = await measure(argv, childEnv(), method, REPO_ROOT);
  if (converge.code !== 0) throw new Error(`the playbook failed:\n${converge.stdout}${converge.stderr}`);
  console.log(`tsx -e 0:                      ${seconds(tsxAlone.wallMs)} wall, ${seconds(tsxAlone.cpuMs)} cpu`);
  console.log(`twelve.ts --list-tasks:        ${seconds(loaded.wallMs)} wall, ${seconds(loaded.cpuMs)} cpu (start + load, no host contacted)`);
  for (let r = 0; r < Number(values.runs); r++) {
    const before = await targets?.usageMs();
    const { stamps, totalMs, code } = await timeline();
    const after = await targets?.usageMs();
    console.log(`\nno-op run ${r + 1} over ${hosts.length} hosts: ${seconds(totalMs)} wall, exit ${code}` +
      `${before !== undefined && after !== undefined ? `, target cpu ${seconds(after - before)}` : ''}`);
    for (const [name, ms] of phases(stamps, totalMs)) console.log(`  ${seconds(ms).padStart(9)}  ${name}`);
  }
} finally {
  await targets?.release();
  await cleanupCgroups();
}
