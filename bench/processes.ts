/**
 * Which processes a converged host starts during one twelve.ts no-op, and what for (issue 18):
 * strace on this machine follows one lab host's sshd listener through one run and lists every
 * process started on the host (a fork, with the programs it exec'd, if any), each with what it is
 * for, then the count per kind. bench/noop.ts counts the same from the host's PID namespace; this
 * says where they go. Needs strace on the machine (not in .ci/install: the bench is not in CI).
 *
 *   npm run lab -- up 1 --name procs && npx tsx bench/processes.ts --name procs [--host procs01] [--playbook bench/playbooks/twelve.ts] [--ahead 0]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { childEnv, REPO_ROOT, TSX } from '../test/e2e/playbooks/parity/output.js';
import { readLabState } from '../test/lab/lab.js';

const { values } = parseArgs({
  options: {
    name: { type: 'string', default: 'bench' },
    host: { type: 'string' },
    playbook: { type: 'string', default: 'bench/playbooks/twelve.ts' },
    /** 0: each probe on its own (HOSTWRIGHT_PROBE_AHEAD=0). */
    ahead: { type: 'string', default: '1' },
    tasks: { type: 'string', default: '13' },
  },
});

const state = await readLabState(values.name);
if (!state) throw new Error(`no lab named '${values.name}' is up`);
const host = values.host ? state.hosts.find((h) => h.name === values.host) : state.hosts.find((h) => h.kind === 'plain');
if (!host?.pid) throw new Error(`no host ${values.host ?? '(plain)'} with a recorded pid in lab '${values.name}'`);

/** The host's sshd listener: an sshd in the host's network namespace. */
function listenerPid(): number {
  const netns = fs.readlinkSync(`/proc/${host!.pid}/ns/net`);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'latin1');
      if (cmd.includes('listener') && cmd.startsWith('sshd') && fs.readlinkSync(`/proc/${entry}/ns/net`) === netns) return Number(entry);
    } catch {
      // a process that ended meanwhile
    }
  }
  throw new Error(`no sshd listener found in ${host!.name}'s network namespace`);
}

function run(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

const playbook = [TSX, path.join(REPO_ROOT, values.playbook), '-i', state.inventoryFile, '-l', host.name];
const env = childEnv(values.ahead === '0' ? { HOSTWRIGHT_PROBE_AHEAD: '0' } : {});
// Converged first: the traced run must be a no-op.
await run(playbook, env);

const traceFile = path.join(os.tmpdir(), `hostwright-processes-${process.pid}.strace`);
const strace = spawn('strace', ['-f', '-qq', '-s', '300', '-e', 'trace=execve,clone,clone3,fork,vfork', '-e', 'signal=none', '-o', traceFile, '-p', String(listenerPid())], { stdio: 'ignore' });
const straceEnded = new Promise((resolve) => strace.on('close', resolve));
await new Promise((resolve) => setTimeout(resolve, 1000)); // attached
const ran = await run(playbook, env);
await new Promise((resolve) => setTimeout(resolve, 500)); // the session's last exits
strace.kill('SIGINT');
await straceEnded;
if (ran.code !== 0 || / changed=[1-9]/.test(ran.out)) throw new Error(`the traced run was not a clean no-op (exit ${ran.code}):\n${ran.out.slice(-2000)}`);

/** Per traced pid (strace's numbering), the argv of each exec that succeeded, in order. */
const execs = new Map<number, string[][]>();
const seen: number[] = [];
let clones = 0;
for (const line of fs.readFileSync(traceFile, 'utf8').split('\n')) {
  const m = /^(\d+) +(.*)$/.exec(line);
  if (!m) continue;
  const pid = Number(m[1]);
  if (!seen.includes(pid)) seen.push(pid);
  const rest = m[2]!;
  if (/^(clone3?|v?fork)\(.*= \d+$|^<\.\.\. (clone3?|v?fork) resumed>.*= \d+$/.test(rest)) clones++;
  const e = /^execve\("[^"]*", \[(.*?)\], 0x[0-9a-f]+ \/\* \d+ vars? \*\/(\) = 0| <unfinished)/.exec(rest);
  if (e) execs.set(pid, [...(execs.get(pid) ?? []), [...e[1]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((a) => a[1]!)]);
}
fs.rmSync(traceFile, { force: true });

/** What a process started on the host is for, from the programs it ran. */
function kind(chain: string[][]): string {
  const all = chain.map((argv) => argv.join(' ')).join(' | ');
  const first = chain[0];
  if (!first) return 'a subshell: `( eval … )` batch part or `$(…)` (fork, no exec)';
  if (/sshd/.test(first[0]!)) return 'SSH connection: sshd';
  if (/run-parts|update-motd|^uname -snrvm|^\/usr\/bin\/env -i PATH/.test(all) || /update-motd/.test(first[0]!)) return "SSH connection: PAM's motd (the host's /etc/pam.d/sshd)";
  if (first[2] === 'exec /bin/sh') return 'SSH connection: the login shell exec-ing the session shell';
  if (first[0] === '/bin/sh' && /exec timeout -s KILL/.test(first[2] ?? '')) return "a command's shell (runner's session: `sh -c`, exec'ing timeout when the command has one)";
  if (first[0] === '/bin/sh' && first[1] === '-c') {
    const script = first[2] ?? '';
    if (script.includes('probes in one round trip')) return 'the batch of probes: its shell';
    if (script.includes('@@hostwright:')) return 'facts: their shell';
    return 'a command: its shell';
  }
  return `tool: ${path.basename(first[0]!)}`;
}

// The listener itself is traced too (it forks the connection's sshd); it is no process started.
const started = seen.filter((pid) => pid !== seen[0]);
const counts = new Map<string, number>();
const lines: string[] = [];
for (const pid of started) {
  const chain = execs.get(pid) ?? [];
  const k = kind(chain);
  counts.set(k, (counts.get(k) ?? 0) + 1);
  lines.push(`${pid}\t${k}\t${chain.map((a) => a.join(' ').replace(/\n.*/s, ' …').slice(0, 100)).join(' → ')}`);
}
const tasks = Number(values.tasks);
process.stdout.write(
  [
    `${values.playbook} no-op on ${host.name}, probes ${values.ahead === '0' ? 'each on its own' : 'observed ahead'}: ${clones} forks (${started.length} processes seen by strace), ${(clones / tasks).toFixed(2)} per task (${tasks} tasks with the facts)`,
    '',
    '| processes | what for |',
    '| --- | --- |',
    ...[...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `| ${n} | ${k} |`),
    ...(clones > started.length ? [`| ${clones - started.length} | forked, then no system call strace shows (sshd's privilege-separated child; a subshell running builtins only) |`] : []),
    '',
    ...lines,
    '',
  ].join('\n'),
);
