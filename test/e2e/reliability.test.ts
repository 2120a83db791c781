/**
 * Kill trials: large uploads interrupted at random points in every way a run ends early — SIGKILL,
 * SIGTERM and SIGINT of the runner itself (node --import tsx), of tsx's launcher
 * (node_modules/.bin/tsx), Ctrl-C as a terminal sends it (SIGINT to the whole process group), and a
 * connection dropped under the upload (the host's sshd session killed). After every trial no
 * destination file may be truncated or mixed (each is absent or exactly one round's content), every
 * stop request must end with exit 99 and a recap, and after the next complete run no temp file may
 * be left in the directory.
 *
 * Also here, sharing the lab: secrets from every source absent from every output (verbosities,
 * --diff, check mode, --json, error paths), a host whose network silently vanishes given up after
 * the configured timeout while the others go on, and sudo's own reason for refusing a become_user.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { netnsName } from '../lab/paths.js';
import { labHosts, labState, ssh, sshOk } from '../lab/testing.js';
import { bigContent, KILL_DIR, KILL_FILES } from './playbooks/reliability/content.js';
import { SECRETS } from './playbooks/reliability/secrets.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = path.join(root, 'node_modules/.bin/tsx');
const playbook = path.join(root, 'test/e2e/playbooks/reliability/upload.ts');

/** Per file; three files per trial. Large enough that a kill lands mid-upload, small enough for seconds per trial. */
const BYTES = 3 * 1024 * 1024;
/** A kill lands at most this share of a measured upload's duration after the upload task starts. */
const KILL_WINDOW_SHARE = 0.9;

type Mode = 'runner SIGKILL' | 'runner SIGTERM' | 'runner SIGINT' | 'launcher SIGKILL' | 'launcher SIGTERM' | 'Ctrl-C (group SIGINT)' | 'dropped connection';
const MODES: Mode[] = ['runner SIGKILL', 'runner SIGTERM', 'runner SIGINT', 'launcher SIGKILL', 'launcher SIGTERM', 'Ctrl-C (group SIGINT)', 'dropped connection'];
/** Trials run in this many lanes, one lab host each. */
const LANES = 3;

/** A small seeded PRNG (mulberry32), so a failing trial's kill points can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(viaLauncher: boolean, host: string, round: number, ownGroup = false): { child: ChildProcess; done: Promise<Ran>; output: () => string } {
  const args = [playbook, '-i', labState().inventoryFile, '-l', host, '-e', `round=${round}`, '-e', `bytes=${BYTES}`];
  const child = viaLauncher
    ? spawn(tsx, args, { cwd: root, env: { ...process.env, NO_COLOR: '1' }, detached: ownGroup })
    : spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<Ran>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, output: () => stdout };
}

async function waitFor(what: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (what()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return what();
}

/** The node process tsx's launcher started (its only child). */
function childOf(pid: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** Whether a process is running: it exists and is not a zombie awaiting its parent. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

/** Kills the host's sshd session processes except the ones carrying this very command: the runner's connection drops. */
const DROP_SESSIONS = [
  'anc=" $$ "; p=$$',
  'while [ "$p" -gt 1 ]; do s=$(cat /proc/$p/stat); s=${s##*) }; set -- $s; p=$2; anc="$anc$p "; done',
  'ps -e -o pid=,args= | while read -r pid args; do',
  '  case "$args" in *"[listener]"*) ;; "sshd: "*) case "$anc" in *" $pid "*) ;; *) kill -9 "$pid" ;; esac ;; esac',
  'done',
].join('\n');

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Each destination file: absent, or exactly one round's complete content. Returns the temp files left. */
async function checkFiles(host: string, rounds: number[]): Promise<{ bad: string[]; temps: number; present: number }> {
  const out = await sshOk(
    host,
    `cd ${KILL_DIR} 2>/dev/null || exit 0; for f in ${KILL_FILES.join(' ')}; do [ -e "$f" ] && echo "$f $(wc -c < "$f") $(sha256sum < "$f" | cut -d' ' -f1)"; done; echo "temps $(ls -A | grep -c '^\\.hostwright' || true)"`,
  );
  const bad: string[] = [];
  let temps = 0;
  let present = 0;
  for (const line of out.trim().split('\n').filter(Boolean)) {
    const [name, size, sum] = line.split(' ');
    if (name === 'temps') {
      temps = Number(size);
      continue;
    }
    present++;
    const known = rounds.some((r) => sha256(bigContent(r, name!, BYTES)) === sum);
    if (Number(size) !== BYTES || !known) bad.push(`${name}: ${size} bytes, sha256 ${sum?.slice(0, 12)}… matches no complete round`);
  }
  return { bad, temps, present };
}

interface Lane {
  host: string;
  rounds: number[];
  log: string[];
  midUpload: number;
}

/** One trial: start a run, let the upload begin, stop it `mode`'s way at a random point, check. */
async function trial(lane: Lane, mode: Mode, round: number, random: () => number, seed: number, windowMs: number): Promise<void> {
  const { host } = lane;
  lane.rounds.push(round);
  const viaLauncher = mode.startsWith('launcher') || mode.startsWith('Ctrl-C');
  const run = start(viaLauncher, host, round, mode.startsWith('Ctrl-C'));
  const where = `${host} trial ${round} (${mode}, seed ${seed})`;
  const started = await waitFor(() => run.output().includes('TASK [big files]'), 90_000);
  expect(started, `${where}: upload task never started; so far:\n${run.output()}`).toBe(true);
  const worker = viaLauncher ? childOf(run.child.pid!) : run.child.pid!;
  expect(worker, `${where}: no worker process`).toBeDefined();
  const delay = Math.floor(random() * windowMs);
  await new Promise((r) => setTimeout(r, delay));
  if (!run.output().includes('TASK [after the uploads]')) lane.midUpload++;
  // A run may have ended on its own before the stop request: then there is no stop to check. Under
  // tsx the run is the worker: the launcher, reniced (runner/signals.ts), may still be alive a
  // while after the worker's recap and exit 0, and a SIGTERM then rightly changes nothing.
  const alive = run.child.exitCode === null && run.child.signalCode === null && running(worker!) && !run.output().includes('PLAY RECAP');
  switch (mode) {
    case 'Ctrl-C (group SIGINT)':
      if (alive) process.kill(-run.child.pid!, 'SIGINT');
      break;
    case 'dropped connection':
      if (alive) await ssh(host, DROP_SESSIONS);
      break;
    default:
      if (alive) run.child.kill(mode.split(' ')[1] as NodeJS.Signals);
  }
  const ran = await run.done;
  // The launcher's death must not leave its worker running on: it notices and stops.
  if (mode === 'launcher SIGKILL') {
    expect(await waitFor(() => !existsSync(`/proc/${worker}`), 30_000), `${where}: worker ${worker} still running`).toBe(true);
  }
  const all = ran.stdout + ran.stderr;
  if (!alive) {
    expect(ran.code, `${where}:\n${all}`).toBe(0);
  } else if (mode.endsWith('SIGTERM') || mode.endsWith('SIGINT') || mode.startsWith('Ctrl-C')) {
    expect(ran.code, `${where}:\n${all}`).toBe(99);
    expect(ran.stdout, where).toContain('PLAY RECAP');
  } else if (mode === 'dropped connection') {
    expect([0, 4], `${where}:\n${all}`).toContain(ran.code);
    expect(ran.stdout, where).toContain('PLAY RECAP');
  } else if (mode === 'runner SIGKILL') {
    expect(ran.signal, where).toBe('SIGKILL');
  }
  expect(all, where).not.toMatch(/Unexpected Exception|^\s+at .+:\d+:\d+\)?$/m);
  const files = await checkFiles(host, lane.rounds);
  lane.log.push(`${where}: ${alive ? 'stopped' : 'had ended'} after ${delay} ms, exit ${ran.code ?? ran.signal}, ${files.present} files, ${files.temps} temp`);
  expect(files.bad, `${where}: truncated or mixed destination files`).toEqual([]);
}

describe('kill trials: no half-written file, exit 99 with a recap on every stop request', () => {
  test(`${MODES.length * LANES} trials at random points of ${(3 * BYTES) / 2 ** 20} MiB uploads, then a clean run leaves no temp file`, async () => {
    const hosts = labHosts('plain').slice(0, LANES).map((h) => h.name);
    expect(hosts.length).toBe(LANES);
    await Promise.all(hosts.map((h) => ssh(h, `rm -rf ${KILL_DIR}`)));
    const seed = Number(process.env.HOSTWRIGHT_KILL_SEED ?? Date.now() % 1_000_000);
    // One lane per host; every lane goes through every way of stopping.
    const lanes: Lane[] = hosts.map((host) => ({ host, rounds: [0], log: [], midUpload: 0 }));
    // How long the uploads take on this machine now: the kills are spread over that.
    const calibration = start(false, hosts[0]!, 0);
    expect(await waitFor(() => calibration.output().includes('TASK [big files]'), 90_000), calibration.output()).toBe(true);
    const began = Date.now();
    expect(await waitFor(() => calibration.output().includes('TASK [after the uploads]'), 90_000), calibration.output()).toBe(true);
    const windowMs = Math.max(100, Math.round((Date.now() - began) * KILL_WINDOW_SHARE));
    expect((await calibration.done).code).toBe(0);
    // One lane after the other: parallel runners starve each other of CPU on a 2-core machine, and
    // tsx's launcher SIGKILLs a worker that does not acknowledge a signal within ~30 ms.
    for (const [l, lane] of lanes.entries()) {
      const random = prng(seed + l);
      for (const [m, mode] of MODES.entries()) await trial(lane, mode, m + 1, random, seed, windowMs);
    }
    const log = [`seed ${seed}, stops within ${windowMs} ms of the upload's start`, ...lanes.flatMap((l) => l.log)];

    // The next complete run: every file whole, and no temp file of any killed writer left.
    const final = MODES.length + 1;
    const ran = await start(false, hosts.join(','), final).done;
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);
    for (const host of hosts) expect(await checkFiles(host, [final]), host).toEqual({ bad: [], temps: 0, present: KILL_FILES.length });
    // The stops must really have hit uploads in progress, or the trials proved little.
    const midUpload = lanes.reduce((n, l) => n + l.midUpload, 0);
    expect(midUpload, log.join('\n')).toBeGreaterThanOrEqual(MODES.length * LANES * 0.6);
    console.log(log.join('\n'));
  }, 600_000);
});

/** A playbook of test/e2e/playbooks/reliability run to its end: `node --import tsx`, in `cwd`. */
function runTo(name: string, args: string[], options: { input?: string; cwd?: string } = {}): Promise<Ran & { ms: number }> {
  const began = Date.now();
  const child = spawn(process.execPath, ['--import', path.join(root, 'node_modules/tsx/dist/loader.mjs'), path.join(root, 'test/e2e/playbooks/reliability', name), ...args], {
    cwd: options.cwd ?? root,
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.end(options.input ?? '');
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - began })));
}

describe('secrets: no secret value in any output', () => {
  test('vars, params, function params, no_log loop items and the -K password, at every verbosity, --diff, check mode, --json, error paths', async () => {
    const host = labHosts('plain')[1]!.name;
    const state = labState();
    const password = state.passwordUserPassword;
    const values = [...Object.values(SECRETS), password];
    const common = ['-i', state.inventoryFile, '-l', host, '-K', '-e', `ansible_user=${state.passwordUser}`, '-e', `leak=${password}`];
    for (const extra of [['-D'], ['-D', '-vvv'], ['--check', '-D', '-vv'], ['--json', '-D', '-vvv']]) {
      const r = await runTo('secrets.ts', [...common, ...extra], { input: `${password}\n` });
      const all = r.stdout + r.stderr;
      const what = extra.join(' ');
      expect(r.code, `${what}\n${all}`).toBe(0);
      for (const v of values) expect(all.includes(v), `${what}: '${v}' printed`).toBe(false);
      // The outputs that would have carried the secrets are there, masked.
      expect(all, what).toContain('********');
      if (extra.some((e) => e.startsWith('-v') || e === '--json')) expect(all, what).toContain('no_log: true');
      if (!extra.includes('--json')) expect(all, what).toContain('(item=None)');
      if (extra.includes('-vvv') && !extra.includes('--check')) expect(all, what).toContain('<hidden: no_log>');
    }
    // The secrets did reach the host: the masking hid real values.
    expect((await sshOk(host, 'cat /tmp/rel-secret-vars; echo; cat /tmp/rel-secret-param')).split('\n').slice(0, 2)).toEqual([SECRETS.vars, SECRETS.param]);
  }, 300_000);
});

describe('a silent network partition', () => {
  test("the host is unreachable after ansible.cfg's timeout, not a minute later; the other host goes on (free strategy)", async () => {
    const [a, b] = labHosts('plain');
    // ansible.cfg in the directory the playbook is run from, as Ansible reads it; no -T.
    const cwd = mkdtempSync(path.join(tmpdir(), 'hw-partition-'));
    writeFileSync(path.join(cwd, 'ansible.cfg'), '[defaults]\ntimeout = 3\n');
    const child = runTo('partition.ts', ['-i', labState().inventoryFile, '-l', `${a!.name},${b!.name}`], { cwd });
    // By the namespace's name, not a PID: another test file may have reset b (a new process and namespace).
    const netns = (cmd: string) => execFileSync('ip', ['-n', netnsName(labState().instance, b!.name), 'link', 'set', 'eth0', cmd]);
    // Wait for the connection to b to be up and busy, then its network vanishes: no RST, no FIN.
    await new Promise((r) => setTimeout(r, 500));
    let cut = 0;
    try {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && (await ssh(b!, "pgrep -xf 'sleep 4.25'")).code !== 0) await new Promise((r) => setTimeout(r, 100));
      netns('down');
      cut = Date.now();
      const r = await child;
      const all = r.stdout + r.stderr;
      expect(r.code, all).toBe(4);
      expect(all).toMatch(new RegExp(`fatal: \\[${b!.name}\\]: UNREACHABLE!`));
      expect(all).toContain('the host stopped answering');
      expect(recap(r.stdout, a!.name)).toMatch(/ok=2 changed=2 unreachable=0 failed=0/);
      expect(recap(r.stdout, b!.name)).toMatch(/unreachable=1/);
      // Given up after about the timeout (3 s; the ping schedule allows up to 4 s), far from keepalive's old minute.
      expect(Date.now() - cut, all).toBeLessThan(15_000);
    } finally {
      netns('up');
    }
    // b is reachable again for the tests after this one.
    const deadline = Date.now() + 20_000;
    let back = false;
    while (!back && Date.now() < deadline) back = (await ssh(b!, 'true')).code === 0;
    expect(back).toBe(true);
  }, 180_000);
});

describe('become_user that does not exist', () => {
  test("sudo's own 'unknown user' line is in the failure", async () => {
    const host = labHosts('plain')[2]!.name;
    const r = await runTo('unknown-user.ts', ['-i', labState().inventoryFile, '-l', host]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toMatch(/sudo: unknown user:? no-such-user-x/);
  }, 120_000);
});

function recap(out: string, host: string): string {
  return out.split('\n').find((l) => l.startsWith(`${host} `) && l.includes('ok='))?.replace(/\s+/g, ' ').trim() ?? '';
}
