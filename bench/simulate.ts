/**
 * The controller alone at fleet sizes no lab holds: bench/playbooks/twelve.ts over N simulated
 * hosts, each a connection that answers like a converged host (the probe replies recorded from a
 * real lab host, in bench/playbooks/twelve.recorded.json) after a set latency. Everything else is
 * the real run: CLI, inventory (a `sim[00001:N]` range), scheduler, modules' gather and plan, the
 * text reporter writing every line (to /dev/null) and the recap. Each size runs in a fresh process
 * and reports its CPU time and peak memory; per host, they should not grow with N.
 *
 *   npx tsx bench/simulate.ts [--hosts 1000,5000] [--latency-ms 5] [--runs 3]
 *   npx tsx bench/simulate.ts --record --name speed   # re-record the replies from a running lab's first host
 *
 * A probe the recording does not know (a module changed its script) fails the run: re-record.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Connection, ExecOptions, ExecResult } from '../runner/connection/types.js';
import type { Facts } from '../runner/facts.types.js';
import { answerBatch } from '../runner/probe-batch.js';
import type { EngineDeps } from '../runner/state.js';

const HERE = path.dirname(new URL(import.meta.url).pathname);
const RECORDING = path.join(HERE, 'playbooks/twelve.recorded.json');
const TSX = path.join(HERE, '../node_modules/.bin/tsx');

interface Recording {
  facts: Facts;
  /** Probe script → the converged host's reply. */
  replies: Record<string, { rc: number; stdout: string; stderr: string }>;
}

/** A recorded reply as the transport returns it, built once: the simulator's own work is not the controller's. */
function asResults(recording: Recording): Map<string, ExecResult> {
  return new Map(Object.entries(recording.replies).map(([script, r]) => [script, { ...r, stdoutBytes: Buffer.from(r.stdout) }]));
}

/** A batch's marker, as its first part's frame prints it (runner/probe-batch.ts). */
/** What a cached answer carries instead of a batch's marker (hex, as a marker is). */
const PLACEHOLDER = ['0badc0de0badc0de', '0dec0ded0dec0ded'] as const;
const FRAME = /printf '\\n%s%s %d %d\\n' ([0-9a-f]+) ([0-9a-f]+) /;

/**
 * A converged host: every probe answered from the recording after `latencyMs`. A batch of probes
 * observed ahead (runner/observe.ts) is answered part by part (answerBatch) once per batch text
 * and marker-free key, then only re-framed with each batch's own marker: the simulated hosts'
 * parsing is not the controller's work (a real host's shell does it).
 */
class ReplayConnection implements Connection {
  constructor(
    readonly host: string,
    private readonly replies: Map<string, ExecResult>,
    private readonly batches: Map<string, ExecResult>,
    private readonly latencyMs: number,
  ) {}
  exec(script: string, _options?: ExecOptions): Promise<ExecResult> {
    const reply = this.#batch(script) ?? this.#reply(script);
    // The script is not held during the round trip (an SSH connection has written it by then).
    return new Promise((r) => setTimeout(() => r(reply), this.latencyMs));
  }
  #batch(script: string): ExecResult | undefined {
    const m = FRAME.exec(script);
    if (!m) return undefined;
    const [marker, a, b] = [m[1]! + m[2]!, m[1]!, m[2]!];
    // The same batch on another host differs only by its marker: answered once, re-framed here.
    const key = script.replaceAll(`${a} ${b}`, '');
    let answered = this.batches.get(key);
    if (!answered) {
      answered = answerBatch(script.replaceAll(`${a} ${b}`, `${PLACEHOLDER[0]} ${PLACEHOLDER[1]}`), (part) => this.#reply(part));
      if (!answered) return undefined;
      this.batches.set(key, answered);
    }
    const placeholder = PLACEHOLDER[0] + PLACEHOLDER[1];
    const stdoutBytes = Buffer.from(answered.stdoutBytes.toString('latin1').replaceAll(placeholder, marker), 'latin1');
    return { rc: answered.rc, stdout: stdoutBytes.toString('utf8'), stdoutBytes, stderr: answered.stderr.replaceAll(placeholder, marker) };
  }
  #reply(script: string): ExecResult {
    const reply = this.replies.get(script);
    if (!reply) throw new Error(`simulate: no recorded reply for this probe (re-record with --record):\n${script}`);
    return reply;
  }
  async close(): Promise<void> {}
}

function simDeps(recording: Recording, latencyMs: number): EngineDeps {
  const replies = asResults(recording);
  const batches = new Map<string, ExecResult>();
  return {
    connect: async (host) => {
      await new Promise((r) => setTimeout(r, latencyMs));
      return new ReplayConnection(host, replies, batches, latencyMs);
    },
    gatherFacts: async () => {
      await new Promise((r) => setTimeout(r, latencyMs));
      return recording.facts;
    },
    applyActions: async () => {
      throw new Error('simulate: a converged host was asked to change');
    },
  };
}

/** Runs twelve.ts's plays the way runFromCommandLine does, with `deps` instead of ssh. */
async function runWith(deps: EngineDeps, argv: string[]): Promise<number> {
  const { runCli } = await import('../runner/cli.js');
  const { loadInventory } = await import('../runner/inventory/index.js');
  const { runPlaybook } = await import('../runner/run.js');
  const pb = (await import('./playbooks/twelve.js')).default;
  return runCli(argv, async ({ options, reporter, masker }) => {
    const inventory = await loadInventory(options.inventory, { playbookDir: pb.dir, onWarning: () => {} });
    return runPlaybook(pb.plays, options, reporter, { inventory, deps, playbookDir: pb.dir, file: pb.file, masker });
  });
}

/** One size, in this process (the child): prints one JSON line of figures on stderr. */
async function child(hosts: number, latencyMs: number, forks: number): Promise<void> {
  const recording = JSON.parse(readFileSync(RECORDING, 'utf8')) as Recording;
  const dir = mkdtempSync(path.join(tmpdir(), 'hw-sim-'));
  const inventory = path.join(dir, 'hosts.ini');
  writeFileSync(inventory, `[sim]\nsim[${'1'.padStart(String(hosts).length, '0')}:${hosts}]\n`);
  // Loading the code is start-up, measured elsewhere (bench/profile.ts): only the run counts here.
  await Promise.all([import('../runner/cli.js'), import('../runner/inventory/index.js'), import('../runner/run.js'), import('./playbooks/twelve.js')]);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const code = await runWith(simDeps(recording, latencyMs), ['-i', inventory, '-f', String(forks)]);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  // What the run still holds at its end (recap, results, connections), after a full collection.
  (globalThis as { gc?: () => void }).gc?.();
  const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
  process.stderr.write(`${JSON.stringify({ hosts, code, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMb, heapMb })}\n`);
  process.exit(code);
}

interface Figures {
  hosts: number;
  code: number;
  wallMs: number;
  cpuMs: number;
  maxRssMb: number;
  heapMb: number;
}

function runChild(hosts: number, latencyMs: number, forks: number): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const p = spawn(TSX, ['--expose-gc', new URL(import.meta.url).pathname, '--child', '--hosts', String(hosts), '--latency-ms', String(latencyMs), '--forks', String(forks)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => {
      const line = err.trim().split('\n').pop() ?? '';
      try {
        const f = JSON.parse(line) as Figures;
        if (code !== 0 || f.code !== 0) throw new Error(`exit ${code}`);
        resolve(f);
      } catch {
        reject(new Error(`simulate: ${hosts} hosts failed (exit ${code}):\n${err}`));
      }
    });
  });
}

/** Records the converged host's replies: twelve.ts run for real on the lab's first plain host. */
async function record(instance: string): Promise<void> {
  const { readLabState } = await import('../test/lab/lab.js');
  const { realDeps } = await import('../runner/main.js');
  const state = await readLabState(instance);
  if (!state) throw new Error(`no lab named '${instance}' is up`);
  const host = state.hosts.find((h) => h.kind === 'plain')!.name;
  const recording: Recording = { facts: undefined as unknown as Facts, replies: {} };
  const deps: EngineDeps = {
    ...realDeps,
    connect: async (...a) => {
      const conn = await realDeps.connect(...a);
      return {
        host: conn.host,
        exec: async (script: string, options?: ExecOptions) => {
          const r = await conn.exec(script, options);
          recording.replies[script] = { rc: r.rc, stdout: r.stdout, stderr: r.stderr };
          return r;
        },
        close: () => conn.close(),
      } as Connection;
    },
    gatherFacts: async (conn, become) => (recording.facts = await realDeps.gatherFacts(conn, become)),
  };
  // Each probe on its own, so that each is recorded under its own script (a batch's marker is random).
  process.env.HOSTWRIGHT_PROBE_AHEAD = '0';
  // Once to converge, once recorded: the recording is of a converged host.
  for (let i = 0; i < 2; i++) {
    recording.replies = {};
    const code = await runWith(deps, ['-i', state.inventoryFile, '-l', host]);
    if (code !== 0) throw new Error(`twelve.ts failed on ${host}`);
  }
  writeFileSync(RECORDING, `${JSON.stringify(recording, null, 1)}\n`);
  process.stderr.write(`simulate: recorded ${Object.keys(recording.replies).length} probe replies from ${host}\n`);
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      hosts: { type: 'string', default: '1000,5000' },
      'latency-ms': { type: 'string', default: '5' },
      forks: { type: 'string' },
      runs: { type: 'string', default: '3' },
      record: { type: 'boolean', default: false },
      name: { type: 'string', default: 'bench' },
      child: { type: 'boolean', default: false },
    },
  });
  const latency = Number(values['latency-ms']);
  if (values.record) return record(values.name);
  const sizes = values.hosts.split(',').map(Number);
  if (values.child) return child(sizes[0]!, latency, Number(values.forks ?? sizes[0]));
  const rows: string[] = [];
  for (const n of sizes) {
    const forks = Number(values.forks ?? n);
    const samples: Figures[] = [];
    for (let r = 0; r < Number(values.runs); r++) {
      const f = await runChild(n, latency, forks);
      samples.push(f);
      process.stderr.write(`simulate: ${n} hosts: ${(f.wallMs / 1000).toFixed(2)} s wall, ${(f.cpuMs / 1000).toFixed(2)} s cpu, ${f.maxRssMb.toFixed(0)} MB peak RSS, ${f.heapMb.toFixed(1)} MB heap at the end\n`);
    }
    const cpu = median(samples.map((s) => s.cpuMs));
    const rss = median(samples.map((s) => s.maxRssMb));
    rows.push(
      `| ${n} | ${forks} | ${(median(samples.map((s) => s.wallMs)) / 1000).toFixed(2)} s | ${(cpu / 1000).toFixed(2)} s | ${(cpu / n).toFixed(2)} ms | ${rss.toFixed(0)} MB | ${((rss * 1024) / n).toFixed(0)} KB |`,
    );
  }
  process.stdout.write(
    [
      `simulated converged hosts, twelve.ts (12 tasks + facts), latency ${latency} ms per round trip, median of ${values.runs} runs`,
      '| hosts | forks | wall | controller cpu | cpu per host | peak RSS | RSS per host |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
      '',
    ].join('\n'),
  );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
