/**
 * A converged fleet against the cost of its connections, all measured in one run on this machine:
 *  - the floor: N fresh OpenSSH connections in parallel running `true`, and the same with the
 *    ssh2 library alone (bench/ssh2-floor.ts, started with tsx like a playbook);
 *  - Hostwright: bench/playbooks/twelve.ts no-op over N hosts with default flags, and over 1 host
 *    (from process start, node_modules/.bin/tsx);
 *  - Ansible: its twin bench/playbooks/twelve.yml over the same N hosts (-f N, pipelining);
 *  - counts per host per task: round trips (commands Hostwright sent, from -vvvv) and processes
 *    started on the host (its PID namespace's ns_last_pid before and after, less the reading's own),
 *    with probes observed ahead (the default) and each on its own (HOSTWRIGHT_PROBE_AHEAD=0).
 * Each figure is the median of --runs runs (--ansible-runs 0 leaves Ansible out, e.g. at 200 hosts); wall, controller CPU (cgroup: the tool and all it
 * starts) and the hosts' CPU. Prints a markdown table for bench/README.md.
 *
 *   npm run lab -- up 30 --name bench && npx tsx bench/noop.ts --name bench [--hosts 30] [--runs 5] [--ansible-runs 5]
 *   npm run lab -- up 5 --name bench && npx tsx bench/noop.ts --name bench --hosts 5 --counts-only
 * (bench/processes.ts says what the processes are.)
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { childEnv, REPO_ROOT, TSX } from '../test/e2e/playbooks/parity/output.js';
import { readLabState } from '../test/lab/lab.js';
import { netnsName } from '../test/lab/paths.js';
import type { LabHost, LabState } from '../test/lab/state.js';
import { cleanupCgroups, cpuMethod, measure, TargetCpu, type Measured } from './measure.js';

const { values } = parseArgs({
  options: {
    name: { type: 'string', default: 'bench' },
    hosts: { type: 'string', default: '30' },
    runs: { type: 'string', default: '5' },
    'ansible-runs': { type: 'string' },
    /** Only the counts per host per task (round trips, processes): no timing, no Ansible. */
    'counts-only': { type: 'boolean', default: false },
  },
});
const N = Number(values.hosts);
const RUNS = Number(values.runs);
const ANSIBLE_RUNS = Number(values['ansible-runs'] ?? values.runs);
const TASKS = 13; // twelve.ts's 12 tasks and the facts
const log = (line: string) => process.stderr.write(`${line}\n`);

const found = await readLabState(values.name);
if (!found) throw new Error(`no lab named '${values.name}' is up (npm run lab -- up ${N} --name ${values.name})`);
const state: LabState = found;
const hosts = state.hosts.filter((h) => h.kind === 'plain').slice(0, N);
if (hosts.length < N) throw new Error(`lab '${values.name}' has ${hosts.length} plain hosts, not ${N}`);
const limit = hosts.map((h) => h.name).join(',');
const twelveTs = path.join(REPO_ROOT, 'bench/playbooks/twelve.ts');
const twelveYml = path.join(REPO_ROOT, 'bench/playbooks/twelve.yml');

function sshArgv(s: LabState, h: LabHost, command: string): string[] {
  return [
    'ssh', '-i', s.keyFile, '-o', `UserKnownHostsFile=${s.knownHostsFile}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes',
    '-o', 'ControlMaster=no', '-o', 'ControlPath=none', '-p', String(h.port), `root@${h.address}`, command,
  ];
}
const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

const RUNNERS = {
  openssh: (n: readonly LabHost[]) => ['sh', '-c', `${n.map((h) => `${sshArgv(state, h, 'true').map(shQuote).join(' ')} &`).join('\n')}\nwait`],
  ssh2: (n: readonly LabHost[]) => [TSX, path.join(REPO_ROOT, 'bench/ssh2-floor.ts'), '--name', state.instance, '--hosts', String(n.length)],
  hostwright: (n: readonly LabHost[]) => [TSX, twelveTs, '-i', state.inventoryFile, '-l', n.map((h) => h.name).join(',')],
  /** The same with each probe on its own, as before probes were observed ahead. */
  alone: (n: readonly LabHost[]) => [TSX, twelveTs, '-i', state.inventoryFile, '-l', n.map((h) => h.name).join(',')],
  ansible: (n: readonly LabHost[]) => ['ansible-playbook', twelveYml, '-i', state.inventoryFile, '-l', n.map((h) => h.name).join(','), '-f', String(n.length)],
};
type Kind = keyof typeof RUNNERS;
const envFor = (k: Kind) => (k === 'ansible' ? childEnv({ ANSIBLE_PIPELINING: '1' }) : k === 'alone' ? childEnv({ HOSTWRIGHT_PROBE_AHEAD: '0' }) : childEnv());

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const method = await cpuMethod();
const targets = await TargetCpu.create(method);
await targets?.add(hosts.map((h) => netnsName(state.instance, h.name)));

async function timed(kind: Kind, on: readonly LabHost[], runs: number): Promise<{ wall: number; cpu: number; target?: number; loads: string }> {
  const samples: Measured[] = [];
  const loads: number[] = [];
  for (let r = 0; r < runs; r++) {
    loads.push(os.loadavg()[0]!);
    const m = await measure(RUNNERS[kind](on), envFor(kind), method, REPO_ROOT, targets);
    if (m.code !== 0) throw new Error(`${kind} on ${on.length} hosts exited ${m.code}:\n${m.stdout.slice(-2000)}\n${m.stderr.slice(-2000)}`);
    if (kind !== 'openssh' && kind !== 'ssh2' && !/PLAY RECAP/.test(m.stdout)) throw new Error(`${kind}: no recap`);
    if (kind !== 'openssh' && kind !== 'ssh2' && / changed=[1-9]/.test(m.stdout)) throw new Error(`${kind}: the no-op run changed something`);
    samples.push(m);
    log(`noop: ${kind} on ${on.length} host(s): ${(m.wallMs / 1000).toFixed(2)} s wall, ${(m.cpuMs / 1000).toFixed(2)} s cpu` +
      `${m.targetCpuMs !== undefined ? `, ${(m.targetCpuMs / 1000).toFixed(2)} s target cpu` : ''}, load ${loads.at(-1)!.toFixed(1)}`);
  }
  const t = samples.flatMap((m) => (m.targetCpuMs !== undefined ? [m.targetCpuMs] : []));
  return {
    wall: median(samples.map((m) => m.wallMs)),
    cpu: median(samples.map((m) => m.cpuMs)),
    ...(t.length ? { target: median(t) } : {}),
    loads: `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`,
  };
}

/** Hosts whose processes are counted: a sample (reading a host costs an ssh of its own, one after another). */
const COUNTED = hosts.slice(0, 5);

/** Processes started per host (its PID namespace's last PID, median over COUNTED) by `run`, less one reading's own. */
async function processesStarted(run: () => Promise<void>): Promise<number> {
  const read = () =>
    COUNTED.map((h) => {
      const [ssh, ...args] = sshArgv(state, h, 'cat /proc/sys/kernel/ns_last_pid');
      return Number(execFileSync(ssh!, args, { encoding: 'utf8' }));
    });
  const a = read();
  const b = read(); // nothing ran in between: the reading's own processes
  await run();
  const c = read();
  const perHost = COUNTED.map((_, i) => c[i]! - b[i]! - (b[i]! - a[i]!));
  return median(perHost);
}

/** Commands sent to one host in a run, from -vvvv; `alone`: each probe on its own (HOSTWRIGHT_PROBE_AHEAD=0). */
async function roundTrips(alone = false): Promise<number> {
  const kind = alone ? 'alone' : 'hostwright';
  const m = await measure([...RUNNERS[kind](hosts.slice(0, 1)), '-vvvv'], envFor(kind), method, REPO_ROOT);
  return (m.stdout.match(/^<[^>]+> EXEC /gm) ?? []).length;
}

/** The counts per host per task, from -vvvv (round trips) and the hosts' PID namespaces (processes). */
async function counts(): Promise<{ trips: number; tripsAlone: number; procs: number; procsAlone: number }> {
  const trips = await roundTrips();
  const tripsAlone = await roundTrips(true);
  const procs = await processesStarted(async () => void (await measure(RUNNERS.hostwright(hosts), envFor('hostwright'), method, REPO_ROOT)));
  const procsAlone = await processesStarted(async () => void (await measure(RUNNERS.alone(hosts), envFor('alone'), method, REPO_ROOT)));
  return { trips, tripsAlone, procs, procsAlone };
}
const countsLine = (c: Awaited<ReturnType<typeof counts>>, anProcs?: number) =>
  `Per host per task: Hostwright ${(c.trips / TASKS).toFixed(2)} round trips (${c.trips} commands for ${TASKS} tasks incl. facts), ` +
  `${(c.procs / TASKS).toFixed(2)} processes started on the host (${c.procs} per host per run, the connection's own included); ` +
  `each probe on its own (HOSTWRIGHT_PROBE_AHEAD=0): ${(c.tripsAlone / TASKS).toFixed(2)} round trips (${c.tripsAlone} commands), ` +
  `${(c.procsAlone / TASKS).toFixed(2)} processes (${c.procsAlone}); ` +
  `${anProcs !== undefined ? `Ansible ${(anProcs / TASKS).toFixed(2)} processes (${anProcs} per host per run)` : ''}`;

if (values['counts-only']) {
  try {
    await measure(RUNNERS.hostwright(hosts), envFor('hostwright'), method, REPO_ROOT);
    const load = os.loadavg()[0]!.toFixed(1);
    process.stdout.write(`${countsLine(await counts())} (median of ${COUNTED.length} hosts; load ${load})\n`);
  } finally {
    await targets?.release();
    await cleanupCgroups();
  }
  process.exit(0);
}

try {
  // Converge both tools' way once (they agree: each one's no-op after the other's is changed=0).
  for (const k of ANSIBLE_RUNS > 0 ? (['hostwright', 'ansible'] as const) : (['hostwright'] as const)) await measure(RUNNERS[k](hosts), envFor(k), method, REPO_ROOT);
  const openssh = await timed('openssh', hosts, RUNS);
  const ssh2 = await timed('ssh2', hosts, RUNS);
  const hw = await timed('hostwright', hosts, RUNS);
  const alone = await timed('alone', hosts, RUNS);
  const hw1 = await timed('hostwright', hosts.slice(0, 1), RUNS);
  const an = ANSIBLE_RUNS > 0 ? await timed('ansible', hosts, ANSIBLE_RUNS) : undefined;
  const c = await counts();
  const anProcs = an ? await processesStarted(async () => void (await measure(RUNNERS.ansible(hosts), envFor('ansible'), method, REPO_ROOT))) : undefined;

  const s = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`);
  const perHostTask = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / N / TASKS).toFixed(1)} ms`);
  const row = (what: string, f: { wall: number; cpu: number; target?: number; loads: string }, runs: number, tasks = true) =>
    `| ${what} | ${s(f.wall)} | ${(f.wall / openssh.wall).toFixed(2)}x | ${s(f.cpu)} | ${s(f.target)} | ${tasks ? `${perHostTask(f.cpu)} + ${perHostTask(f.target)}` : '-'} | ${runs} | ${f.loads} |`;
  const out = [
    `${os.cpus().length} cpus (${os.cpus()[0]?.model.trim() ?? '?'}), node ${process.version}, ${execFileSync('ansible-playbook', ['--version'], { encoding: 'utf8' }).split('\n')[0]}; cpu: ${method}`,
    '',
    `| ${N} hosts (1 where said) | wall (median) | × OpenSSH floor | controller cpu | hosts' cpu | cpu per host per task (controller + hosts) | runs | load average (1 min) |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    row(`floor: OpenSSH, ${N} × \`ssh host true\` in parallel`, openssh, RUNS, false),
    row(`floor: ssh2 alone, ${N} connections running \`true\` (tsx start included)`, ssh2, RUNS, false),
    row(`Hostwright twelve.ts no-op, default flags`, hw, RUNS),
    row(`Hostwright twelve.ts no-op, each probe on its own (HOSTWRIGHT_PROBE_AHEAD=0)`, alone, RUNS),
    ...(an ? [row(`Ansible twelve.yml no-op, -f ${N}, pipelining`, an, ANSIBLE_RUNS)] : []),
    row(`Hostwright twelve.ts no-op, 1 host, from process start`, hw1, RUNS, false),
    '',
    an
      ? `Ansible / Hostwright (${N} hosts): wall ${(an.wall / hw.wall).toFixed(1)}x, controller cpu ${(an.cpu / hw.cpu).toFixed(1)}x` +
        `${an.target !== undefined && hw.target !== undefined ? `, controller + hosts cpu ${((an.cpu + an.target) / (hw.cpu + hw.target)).toFixed(1)}x` : ''}`
      : 'Ansible: not run (--ansible-runs 0)',
    countsLine(c, anProcs),
    '',
  ];
  process.stdout.write(out.join('\n'));
} finally {
  await targets?.release();
  await cleanupCgroups();
}
