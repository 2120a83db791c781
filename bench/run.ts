/**
 * Hostwright against ansible-playbook on the same playbooks, each written twice (YAML and a
 * TypeScript twin), on N lab hosts:
 *  - parity: test/e2e/playbooks/parity (parity.yml / parity.ts, 11 tasks + facts + a handler);
 *  - site: bench/playbooks (site.yml / site.ts), the baseline playbook Ansible and pyinfra were
 *    measured with (apt, file, copy, lineinfile, template, cron, user, git, command with creates,
 *    a link, a handler); its hosts are prepared (apt lists and .debs, /srv/repo.git) untimed.
 *
 *   npm run bench -- [--hosts 1,10,30] [--runs N] [--playbooks parity,site] [--keep] [--only hostwright|ansible] [--name bench]
 *
 * Brings up lab instance `bench` with max(N) plain hosts (or reuses it when it is up and big
 * enough). For each N and each tool, on hosts just reset to a fresh filesystem: a check run
 * (predicting the first run), the first run, and a second, no-op run. Ansible runs with
 * ANSIBLE_PIPELINING=1, -f N and its default ssh ControlPersist; Hostwright with -f N, started the
 * way a user starts it (tsx on the playbook file). Prints wall and CPU time (the tool and every
 * process it starts) with ratios, then the 12-task no-op over 30 hosts figure for Hostwright
 * (bench/playbooks/twelve.ts) against its bar of 2 s. Takes the bench lab down unless --keep.
 * With --runs N each figure is the median of N.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { labDown, labUp, readLabState, resetLabHost, runningInstances } from '../test/lab/lab.js';
import type { LabHost, LabState } from '../test/lab/state.js';
import { ansibleArgv, childEnv, hostwrightArgv, parseRun, PARITY_DIR, REPO_ROOT, TSX } from '../test/e2e/playbooks/parity/output.js';
import { netnsName } from '../test/lab/paths.js';
import { cleanupCgroups, cpuMethod, measure, TargetCpu, type CpuMethod, type Measured } from './measure.js';
import { prepareSiteHosts } from './prepare.js';

const RUN_KINDS = ['check', 'first', 'no-op'] as const;
type RunKind = (typeof RUN_KINDS)[number];
type Tool = 'ansible' | 'hostwright';

interface Figures {
  wallMs: number;
  cpuMs: number;
  targetCpuMs?: number;
}

/** How a run is measured: CPU method and, where countable, the hosts' CPU. */
interface Meter {
  method: CpuMethod;
  targets: TargetCpu | undefined;
}

/** One playbook written for both tools. */
interface Twin {
  title: string;
  yaml: string;
  ts: string;
  /** Untimed set-up of freshly reset hosts. */
  prepare?: (state: LabState, hosts: readonly LabHost[]) => Promise<void>;
}

const BENCH_PLAYBOOKS = path.join(REPO_ROOT, 'bench/playbooks');
const TWINS: Record<string, Twin> = {
  parity: {
    title: 'parity playbook (11 tasks + facts + handler)',
    yaml: path.join(PARITY_DIR, 'parity.yml'),
    ts: path.join(PARITY_DIR, 'parity.ts'),
  },
  site: {
    title: 'baseline playbook (bench/playbooks/site.yml and site.ts: facts + 11 tasks + handler)',
    yaml: path.join(BENCH_PLAYBOOKS, 'site.yml'),
    ts: path.join(BENCH_PLAYBOOKS, 'site.ts'),
    prepare: prepareSiteHosts,
  },
};

const NOOP_BAR_MS = 2000;
const NOOP_BAR_HOSTS = 30;

function options() {
  const { values } = parseArgs({
    options: {
      hosts: { type: 'string', default: '1,10,30' },
      runs: { type: 'string', default: '1' },
      keep: { type: 'boolean', default: false },
      only: { type: 'string' },
      name: { type: 'string', default: 'bench' },
      playbooks: { type: 'string', default: 'parity,site' },
    },
  });
  const hosts = values.hosts.split(',').map((s) => Number(s.trim()));
  if (hosts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--hosts takes whole numbers like 1,10,30, not '${values.hosts}'`);
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs takes a whole number, not '${values.runs}'`);
  if (values.only !== undefined && values.only !== 'ansible' && values.only !== 'hostwright') throw new Error(`--only takes ansible or hostwright`);
  const tools: Tool[] = values.only ? [values.only as Tool] : ['ansible', 'hostwright'];
  const twins = values.playbooks.split(',').map((name) => {
    const twin = TWINS[name.trim()];
    if (!twin) throw new Error(`--playbooks takes ${Object.keys(TWINS).join(', ')}, not '${name}'`);
    return twin;
  });
  return { hosts, runs, keep: values.keep, tools, instance: values.name, twins };
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function ensureLab(instance: string, hosts: number): Promise<LabState> {
  const state = await readLabState(instance);
  if (state && (await runningInstances()).includes(instance)) {
    if (state.hosts.filter((h) => h.kind === 'plain').length >= hosts) {
      log(`bench: reusing lab '${instance}' (${state.hosts.length} hosts)`);
      return state;
    }
    log(`bench: lab '${instance}' has too few hosts; restarting it with ${hosts}`);
    await labDown(instance, log);
  }
  return labUp({ instance, plain: hosts, log });
}

function argvFor(twin: Twin, tool: Tool, kind: RunKind, inventory: string, limit: string, forks: number): string[] {
  const a = { inventory, limit, forks, check: kind === 'check' };
  return tool === 'ansible' ? ansibleArgv(twin.yaml, a) : hostwrightArgv(twin.ts, a);
}

function envFor(tool: Tool): NodeJS.ProcessEnv {
  return tool === 'ansible' ? childEnv({ ANSIBLE_PIPELINING: '1' }) : childEnv();
}

/** A timed run must have done its job: exit 0, and changes on the first run only. */
function checkRun(tool: Tool, kind: RunKind, m: Measured, hosts: number): void {
  const recap = parseRun(m.stdout).recap;
  const problem =
    m.code !== 0 ? `exited ${m.code}`
    : recap.length !== hosts ? `recap has ${recap.length} hosts, expected ${hosts}`
    : kind === 'no-op' && recap.some((l) => !/ changed=0 /.test(l)) ? 'the no-op run changed something'
    : kind !== 'no-op' && recap.some((l) => / changed=0 /.test(l)) ? `the ${kind} run changed nothing on some host`
    : undefined;
  if (problem) throw new Error(`${tool} ${kind} run on ${hosts} hosts: ${problem}\n${m.stdout}\n${m.stderr}`);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? `${(a / b).toFixed(1)}x` : '-');

async function benchTwin(twin: Twin, state: LabState, counts: number[], tools: Tool[], runs: number, meter: Meter): Promise<Map<string, Figures>> {
  const figures = new Map<string, Figures>();
  const plain = state.hosts.filter((h) => h.kind === 'plain');
  for (const n of counts) {
    const hosts = plain.slice(0, n);
    const limit = hosts.map((h) => h.name).join(',');
    for (const tool of tools) {
      const samples: Record<RunKind, Measured[]> = { check: [], first: [], 'no-op': [] };
      for (let r = 0; r < runs; r++) {
        for (const h of hosts) await resetLabHost(state.instance, h.name);
        await twin.prepare?.(state, hosts);
        await meter.targets?.add(hosts.map((h) => netnsName(state.instance, h.name)));
        for (const kind of RUN_KINDS) {
          const m = await measure(argvFor(twin, tool, kind, state.inventoryFile, limit, n), envFor(tool), meter.method, REPO_ROOT, meter.targets);
          checkRun(tool, kind, m, n);
          samples[kind].push(m);
          log(`bench: ${path.basename(twin.ts, '.ts')}: ${tool} ${kind} on ${n} host(s): ${describe(m)}`);
        }
      }
      for (const kind of RUN_KINDS) figures.set(`${n}/${tool}/${kind}`, medians(samples[kind]));
    }
  }
  return figures;
}

function describe(m: Measured): string {
  return `${seconds(m.wallMs)} wall, ${seconds(m.cpuMs)} cpu${m.targetCpuMs !== undefined ? `, ${seconds(m.targetCpuMs)} target cpu` : ''}`;
}

function medians(samples: Measured[]): Figures {
  const targets = samples.flatMap((m) => (m.targetCpuMs !== undefined ? [m.targetCpuMs] : []));
  return {
    wallMs: median(samples.map((m) => m.wallMs)),
    cpuMs: median(samples.map((m) => m.cpuMs)),
    ...(targets.length ? { targetCpuMs: median(targets) } : {}),
  };
}

/** Controller plus hosts: all the CPU a run cost (undefined when the hosts' share was not counted). */
function withTargets(f: Figures | undefined): number | undefined {
  return f?.targetCpuMs !== undefined ? f.cpuMs + f.targetCpuMs : undefined;
}

function ratioTable(figures: Map<string, Figures>, counts: number[]): string {
  const header = [
    'hosts', 'run', 'ansible wall', 'ansible cpu', 'ansible target cpu', 'hostwright wall', 'hostwright cpu', 'hostwright target cpu',
    'wall ratio', 'cpu ratio', 'cpu+target ratio',
  ];
  const rows = [header];
  const cells = (f: Figures | undefined) =>
    f ? [seconds(f.wallMs), seconds(f.cpuMs), f.targetCpuMs !== undefined ? seconds(f.targetCpuMs) : '-'] : ['-', '-', '-'];
  for (const n of counts) {
    for (const kind of RUN_KINDS) {
      const a = figures.get(`${n}/ansible/${kind}`);
      const h = figures.get(`${n}/hostwright/${kind}`);
      rows.push([
        String(n), kind, ...cells(a), ...cells(h),
        ratio(a?.wallMs, h?.wallMs), ratio(a?.cpuMs, h?.cpuMs), ratio(withTargets(a), withTargets(h)),
      ]);
    }
  }
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

/** Hostwright alone: the 12-task playbook, converged once, then timed no-op runs. */
async function benchTwelve(state: LabState, runs: number, meter: Meter): Promise<{ hosts: number; samples: Measured[] }> {
  const hosts = state.hosts.filter((h) => h.kind === 'plain').slice(0, NOOP_BAR_HOSTS);
  const playbook = path.join(REPO_ROOT, 'bench/playbooks/twelve.ts');
  const argv = [TSX, playbook, '-i', state.inventoryFile, '-l', hosts.map((h) => h.name).join(','), '-f', String(hosts.length)];
  const converge = await measure(argv, childEnv(), meter.method, REPO_ROOT);
  if (converge.code !== 0) throw new Error(`twelve.ts did not converge:\n${converge.stdout}\n${converge.stderr}`);
  const samples: Measured[] = [];
  for (let r = 0; r < Math.max(runs, 3); r++) {
    const m = await measure(argv, childEnv(), meter.method, REPO_ROOT, meter.targets);
    checkRun('hostwright', 'no-op', m, hosts.length);
    samples.push(m);
    log(`bench: hostwright twelve no-op on ${hosts.length} hosts: ${describe(m)}`);
  }
  return { hosts: hosts.length, samples };
}

function machine(method: CpuMethod): string {
  const ansible = (() => {
    try {
      return execFileSync('ansible-playbook', ['--version'], { encoding: 'utf8' }).split('\n')[0]!.trim();
    } catch {
      return 'ansible-playbook: not found';
    }
  })();
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  return [
    `machine: ${os.cpus().length} cpus (${os.cpus()[0]?.model.trim() ?? '?'}), load average ${load}`,
    `node ${process.version}, ${ansible}, tsx ${TSX}`,
    `cpu: ${method === 'cgroup' ? 'cgroup v1 cpuacct of each run (the tool and everything it starts, ssh masters included)' : "the shell's `times` for the tool and its waited-for children"}`,
    `target cpu: ${method === 'cgroup' ? "the lab hosts' processes meanwhile (sshd, shells, Python); they share this machine's CPUs, so it shows in wall time too" : 'not counted here'}`,
  ].join('\n');
}

async function main(): Promise<number> {
  const o = options();
  const method = await cpuMethod();
  const needed = Math.max(...o.hosts, o.tools.includes('hostwright') ? NOOP_BAR_HOSTS : 0);
  const state = await ensureLab(o.instance, needed);
  const meter: Meter = { method, targets: await TargetCpu.create(method) };
  await meter.targets?.add(state.hosts.map((h) => netnsName(state.instance, h.name)));
  try {
    const out = ['', machine(method)];
    for (const twin of o.twins) {
      const figures = await benchTwin(twin, state, o.hosts, o.tools, o.runs, meter);
      out.push(
        '',
        `${twin.title}, ${o.runs === 1 ? 'one run each' : `median of ${o.runs} runs`}; ratio = ansible / hostwright`,
        ratioTable(figures, o.hosts),
      );
    }
    if (o.tools.includes('hostwright')) {
      const twelve = await benchTwelve(state, o.runs, meter);
      const walls = twelve.samples.map((m) => m.wallMs);
      const f = medians(twelve.samples);
      out.push(
        '',
        `hostwright, 12-task no-op over ${twelve.hosts} hosts (bench/playbooks/twelve.ts, -f ${twelve.hosts}), ${walls.length} runs:`,
        `  wall median ${seconds(f.wallMs)} (min ${seconds(Math.min(...walls))}, max ${seconds(Math.max(...walls))}), cpu median ${seconds(f.cpuMs)}` +
          `${f.targetCpuMs !== undefined ? `, target cpu median ${seconds(f.targetCpuMs)}` : ''}; bar < ${seconds(NOOP_BAR_MS)}: ${f.wallMs < NOOP_BAR_MS ? 'met' : 'MISSED'}`,
      );
    }
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  } finally {
    await meter.targets?.release();
    if (!o.keep) await labDown(o.instance, log);
    await cleanupCgroups();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
