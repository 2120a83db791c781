/**
 * A 1-host converged run from process start (issue 18's bar: twelve.ts under 0.6 s with
 * node_modules/.bin/tsx), in each way a playbook can be started, beside what Node and tsx cost
 * before any of Hostwright's code runs. The forms are run in turn, round after round, so a change
 * in the machine's load falls on all of them alike; each row is the median of --runs, with the
 * 1-minute load average over its runs (this 2-core machine is shared: wall time follows the load,
 * CPU much less).
 *
 *   npm run lab -- up 1 --name bench && npx tsx bench/start.ts --name bench [--runs 7]
 *
 * `--list-tasks` loads everything a run loads except the SSH connection's files and connects to
 * nothing: the difference to the run is connecting, facts and the 12 tasks.
 *
 * A change is measured against the tree without it in the same alternating rounds:
 * `--baseline DIR` (a checkout with its own `npm ci`, e.g. `git worktree add --detach DIR main`)
 * adds its `tsx twelve.ts` and `--list-tasks` rows; `--forms tsx,list,base,base-list` runs only
 * those rows (keys: node, tsx-e, list, tsx, import, bin, npx, base, base-list).
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { childEnv, REPO_ROOT, TSX } from '../test/e2e/playbooks/parity/output.js';
import { readLabState } from '../test/lab/lab.js';
import { cleanupCgroups, cpuMethod, measure } from './measure.js';

const { values } = parseArgs({
  options: { name: { type: 'string', default: 'bench' }, runs: { type: 'string', default: '7' }, baseline: { type: 'string' }, forms: { type: 'string' } },
});
const RUNS = Number(values.runs);
const state = await readLabState(values.name!);
if (!state) throw new Error(`no lab named '${values.name}' is up (npm run lab -- up 1 --name ${values.name})`);
const host = state.hosts.find((h) => h.kind === 'plain');
if (!host) throw new Error(`lab '${values.name}' has no plain host`);

const twelve = ['bench/playbooks/twelve.ts', '-i', state.inventoryFile, '-l', host.name];
const BIN = path.join(REPO_ROOT, 'dist/runner/bin.js');
const BASE = values.baseline ? path.resolve(values.baseline) : undefined;
const ALL_FORMS: { key: string; what: string; argv: string[]; run: boolean; cwd?: string }[] = [
  { key: 'node', what: '`node -e 0` (Node alone)', argv: ['node', '-e', '0'], run: false },
  { key: 'tsx-e', what: '`node_modules/.bin/tsx -e 0` (tsx alone: its launcher and the loader thread)', argv: [TSX, '-e', '0'], run: false },
  { key: 'list', what: '`node_modules/.bin/tsx twelve.ts --list-tasks` (loading, no connection)', argv: [TSX, ...twelve, '--list-tasks'], run: false },
  { key: 'tsx', what: '**`node_modules/.bin/tsx twelve.ts`**', argv: [TSX, ...twelve], run: true },
  { key: 'import', what: '`node --import tsx twelve.ts` (one process)', argv: ['node', '--import', 'tsx', ...twelve], run: true },
  { key: 'bin', what: "`node_modules/.bin/hostwright twelve.ts` (the package's bin, one process: dist/runner/bin.js)", argv: ['node', BIN, ...twelve], run: true },
  { key: 'npx', what: '`npx hostwright twelve.ts` (npm exec first)', argv: ['npx', 'hostwright', ...twelve], run: true },
  ...(BASE
    ? [
        { key: 'base-list', what: `baseline (${BASE}): \`tsx twelve.ts --list-tasks\``, argv: [path.join(BASE, 'node_modules/.bin/tsx'), ...twelve, '--list-tasks'], run: false, cwd: BASE },
        { key: 'base', what: `baseline (${BASE}): \`tsx twelve.ts\``, argv: [path.join(BASE, 'node_modules/.bin/tsx'), ...twelve], run: true, cwd: BASE },
      ]
    : []),
];
const keys = values.forms?.split(',');
const FORMS = keys ? ALL_FORMS.filter((f) => keys.includes(f.key)) : ALL_FORMS;
if (FORMS.length === 0) throw new Error(`--forms names none of ${ALL_FORMS.map((f) => f.key).join(', ')}`);

const method = await cpuMethod();
const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const samples = FORMS.map(() => ({ wall: [] as number[], cpu: [] as number[], load: [] as number[] }));
try {
  // Converge once, and fill tsx's and the validators' caches as every later run finds them.
  execFileSync(TSX, twelve, { cwd: REPO_ROOT, env: childEnv(), stdio: 'ignore' });
  if (BASE) execFileSync(path.join(BASE, 'node_modules/.bin/tsx'), twelve, { cwd: BASE, env: childEnv(), stdio: 'ignore' });
  for (let r = 0; r < RUNS; r++) {
    for (const [i, form] of FORMS.entries()) {
      samples[i]!.load.push(os.loadavg()[0]!);
      const m = await measure(form.argv, childEnv(), method, form.cwd ?? REPO_ROOT);
      if (m.code !== 0) throw new Error(`${form.argv.join(' ')} exited ${m.code}:\n${m.stderr.slice(-2000)}`);
      if (form.run && !/ changed=0 /.test(m.stdout)) throw new Error(`${form.argv.join(' ')}: not a converged no-op:\n${m.stdout.slice(-1000)}`);
      samples[i]!.wall.push(m.wallMs);
      samples[i]!.cpu.push(m.cpuMs);
      process.stderr.write(`start: ${form.argv.slice(0, 3).join(' ')}: ${(m.wallMs / 1000).toFixed(2)} s wall, ${(m.cpuMs / 1000).toFixed(2)} s cpu, load ${os.loadavg()[0]!.toFixed(1)}\n`);
    }
  }
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const out = [
    `${os.cpus().length} cpus (${os.cpus()[0]?.model.trim() ?? '?'}), node ${process.version}; cpu: ${method}; ${RUNS} rounds`,
    '',
    '| 1 host, from process start | wall (median) | wall (min–max) | cpu (median) | load average (1 min) |',
    '| --- | --- | --- | --- | --- |',
    ...FORMS.map((f, i) => {
      const x = samples[i]!;
      return `| ${f.what} | ${s(median(x.wall))} | ${s(Math.min(...x.wall))}–${s(Math.max(...x.wall))} | ${s(median(x.cpu))} | ${Math.min(...x.load).toFixed(1)}–${Math.max(...x.load).toFixed(1)} |`;
    }),
    '',
  ];
  process.stdout.write(out.join('\n'));
} finally {
  await cleanupCgroups();
}
