/**
 * Wall and CPU time of one command. CPU is counted in a cgroup-v1 cpuacct group of its own when
 * the machine has one (root, cgroup v1 cpuacct mounted): that includes processes the command
 * leaves running, such as ansible-playbook's ssh ControlPersist masters, which a wait()-based
 * count (the shell's `times`) misses. Elsewhere `times` is used and the table says so.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { runTool, spawnMeasured } from '../test/e2e/playbooks/parity/output.js';

const CPUACCT = '/sys/fs/cgroup/cpuacct';
const BENCH_CGROUP = path.join(CPUACCT, 'hostwright-bench');

export type CpuMethod = 'cgroup' | 'times';

export interface Measured {
  code: number;
  stdout: string;
  stderr: string;
  wallMs: number;
  cpuMs: number;
  /** CPU the lab hosts spent meanwhile (sshd, shells, modules), when counted (see TargetCpu). */
  targetCpuMs?: number;
}

/**
 * CPU of the lab hosts: their processes (found through their network namespaces) join one
 * cpuacct group, and what they fork later (sshd sessions, shells, Python) stays in it. On this
 * machine the hosts share the controller's CPUs, so their work also shows in wall time; on a real
 * fleet it would be spent on the targets.
 */
export class TargetCpu {
  readonly #group = path.join(BENCH_CGROUP, `targets${process.pid}`);

  static async create(method: CpuMethod): Promise<TargetCpu | undefined> {
    if (method !== 'cgroup') return undefined;
    const t = new TargetCpu();
    await fs.mkdir(t.#group, { recursive: true });
    return t;
  }

  /** Adds every process of these network namespaces (again after a host was reset). */
  async add(netnsNames: readonly string[]): Promise<void> {
    for (const ns of netnsNames) {
      const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean);
      for (const pid of pids) await fs.writeFile(path.join(this.#group, 'cgroup.procs'), pid).catch(() => undefined);
    }
  }

  async usageMs(): Promise<number> {
    return Number(await fs.readFile(path.join(this.#group, 'cpuacct.usage'), 'utf8')) / 1e6;
  }

  async release(): Promise<void> {
    await releaseGroup(this.#group);
  }
}

let sequence = 0;

/** Whether CPU can be counted by cgroup here (creating the bench's parent group if needed). */
export async function cpuMethod(): Promise<CpuMethod> {
  if (!existsSync(path.join(CPUACCT, 'cpuacct.usage'))) return 'times';
  try {
    await fs.mkdir(BENCH_CGROUP, { recursive: true });
    return 'cgroup';
  } catch {
    return 'times';
  }
}

export async function measure(argv: string[], env: NodeJS.ProcessEnv, method: CpuMethod, cwd: string, targets?: TargetCpu): Promise<Measured> {
  const targetsBefore = await targets?.usageMs();
  let run: Omit<Measured, 'targetCpuMs'>;
  if (method === 'cgroup') {
    const group = path.join(BENCH_CGROUP, `run${process.pid}-${++sequence}`);
    await fs.mkdir(group);
    // The wrapper joins the group and then becomes the command.
    const { code, stdout, stderr, wallMs } = await spawnMeasured('echo $$ > "$0/cgroup.procs" && exec "$@"', [group, ...argv], cwd, env);
    run = { code, stdout, stderr, wallMs, cpuMs: Number(await fs.readFile(path.join(group, 'cpuacct.usage'), 'utf8')) / 1e6 };
    await releaseGroup(group);
  } else {
    run = await runTool(argv, { cwd, env }); // the shell's `times`
  }
  const targetsAfter = await targets?.usageMs();
  return {
    ...run,
    ...(targetsBefore !== undefined && targetsAfter !== undefined ? { targetCpuMs: targetsAfter - targetsBefore } : {}),
  };
}

/** Moves what the command left running (ssh masters) back to the root group, then removes the group. */
async function releaseGroup(group: string): Promise<void> {
  const left = (await fs.readFile(path.join(group, 'cgroup.procs'), 'utf8')).split('\n').filter(Boolean);
  for (const pid of left) await fs.writeFile(path.join(CPUACCT, 'cgroup.procs'), pid).catch(() => undefined);
  await fs.rmdir(group).catch(() => undefined);
}

/** Removes the bench's parent group when nothing else uses it. */
export async function cleanupCgroups(): Promise<void> {
  await fs.rmdir(BENCH_CGROUP).catch(() => undefined);
}
