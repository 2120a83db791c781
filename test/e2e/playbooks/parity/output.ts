/**
 * Running the parity twins and reading their plain output, shared by test/e2e/parity.test.ts and
 * bench/. Both tools print ansible-playbook's default callback shape, so one parser reads both:
 * banners, per-host status lines, diff text under a task, and the PLAY RECAP.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PARITY_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(PARITY_DIR, '../../../..');
export const TSX = path.join(REPO_ROOT, 'node_modules/.bin/tsx');

export interface ToolRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time of the child, ms. */
  wallMs: number;
  /** CPU time (user + system) of the child and everything it waited for, ms. */
  cpuMs: number;
}

/**
 * The environment a child tool gets: no colors, plain lines, and none of vitest's variables (a
 * playbook under VITEST=true would not install its entry-point handlers).
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VITEST') && k !== 'NODE_ENV' && k !== 'FORCE_COLOR') env[k] = v;
  return { ...env, NO_COLOR: '1', ANSIBLE_NOCOLOR: '1', ANSIBLE_FORCE_COLOR: '0', ...extra };
}

export interface SpawnedRun {
  code: number;
  stdout: string;
  stderr: string;
  /** What the script wrote to descriptor 3 (the shell's `times`), kept apart from the tool's output. */
  times: string;
  wallMs: number;
}

/** Runs `/bin/sh -c script arg0 args...` to completion, collecting stdout, stderr, fd 3 and wall time. */
export function spawnMeasured(script: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<SpawnedRun> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('/bin/sh', ['-c', script, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let times = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    (child.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8').on('data', (d: string) => (times += d));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code: code ?? -1, stdout, stderr, times, wallMs: Number(process.hrtime.bigint() - started) / 1e6 });
    });
  });
}

/**
 * Runs a command to completion and measures it. CPU time is what the shell's `times` reports for
 * its waited-for children: the tool and everything it waited for (ansible-playbook's forks and
 * ssh processes, tsx's node), written to a descriptor of its own so the tool's output stays as is.
 */
export async function runTool(argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ToolRun> {
  const run = await spawnMeasured('"$@"; rc=$?; times >&3; exit $rc', ['sh', ...argv], options.cwd ?? REPO_ROOT, options.env ?? childEnv());
  // `times`: the shell's own user/sys on the first line, its children's on the second.
  return { code: run.code, stdout: run.stdout, stderr: run.stderr, wallMs: run.wallMs, cpuMs: childrenCpuMs(run.times) };
}

/** `0m1.230000s 0m0.040000s` (the second line of `times`) → 1270. */
export function childrenCpuMs(times: string): number {
  const line = times.trim().split('\n')[1] ?? '';
  const seconds = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return seconds.length === 2 ? (seconds[0]! + seconds[1]!) * 1000 : NaN;
}

export interface AnsibleArgs {
  inventory: string;
  limit?: string;
  forks?: number;
  check?: boolean;
  diff?: boolean;
  extraVars?: string[];
}

/** ansible-playbook on a YAML playbook (of this directory unless the path is absolute). */
export function ansibleArgv(playbook: string, a: AnsibleArgs): string[] {
  return ['ansible-playbook', path.resolve(PARITY_DIR, playbook), ...commonFlags(a)];
}

/** A Hostwright playbook (of this directory unless absolute), run the way a user runs it (tsx on the file). */
export function hostwrightArgv(playbook: string, a: AnsibleArgs): string[] {
  return [TSX, path.resolve(PARITY_DIR, playbook), ...commonFlags(a)];
}

function commonFlags(a: AnsibleArgs): string[] {
  return [
    '-i', a.inventory,
    ...(a.limit ? ['-l', a.limit] : []),
    ...(a.forks ? ['-f', String(a.forks)] : []),
    ...(a.check ? ['--check'] : []),
    ...(a.diff ? ['--diff'] : []),
    ...(a.extraVars ?? []).flatMap((e) => ['-e', e]),
  ];
}

/** One TASK / RUNNING HANDLER section of the output. */
export interface TaskSection {
  /** The banner without its stars: `TASK [app config]`. */
  banner: string;
  /** `changed: [host]`, `ok: [host]`, ... sorted (hosts finish in any order). */
  statuses: string[];
  /** Everything else printed in the section (diffs, fatal details), blank lines dropped, in order. */
  body: string[];
}

export interface ParsedRun {
  plays: string[];
  tasks: TaskSection[];
  /** PLAY RECAP lines, as printed (sorted by host by both tools). */
  recap: string[];
}

const BANNER = /^(PLAY|TASK|RUNNING HANDLER) \[(.*)\] \**$/;
const STATUS = /^(ok|changed|skipping|failed|fatal|unreachable|included): \[/;

export function parseRun(text: string): ParsedRun {
  const run: ParsedRun = { plays: [], tasks: [], recap: [] };
  let section: TaskSection | undefined;
  let inRecap = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('PLAY RECAP ')) {
      inRecap = true;
      section = undefined;
      continue;
    }
    if (inRecap) {
      if (line.trim() !== '') run.recap.push(line);
      continue;
    }
    const banner = BANNER.exec(line);
    if (banner) {
      if (banner[1] === 'PLAY') {
        run.plays.push(banner[2]!);
        section = undefined;
      } else {
        section = { banner: `${banner[1]} [${banner[2]}]`, statuses: [], body: [] };
        run.tasks.push(section);
      }
      continue;
    }
    if (!section || line.trim() === '') continue;
    if (STATUS.test(line)) section.statuses.push(line);
    else section.body.push(line);
  }
  for (const t of run.tasks) t.statuses.sort();
  return run;
}

/** Host names rewritten (`a01` → `b01`), longest first so `a1` does not eat into `a10`. */
export function renameHosts(text: string, names: ReadonlyMap<string, string>): string {
  const from = [...names.keys()].sort((a, b) => b.length - a.length);
  if (from.length === 0) return text;
  const re = new RegExp(`\\b(${from.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})\\b`, 'g');
  return text.replace(re, (m) => names.get(m)!);
}

/** Hosts' `changed` counters from recap lines. */
export function changedByHost(recap: readonly string[]): Record<string, number> {
  return Object.fromEntries(
    recap.map((line) => {
      const [host] = line.split(/\s+/);
      const changed = /changed=(\d+)/.exec(line)?.[1];
      return [host!, Number(changed)];
    }),
  );
}
