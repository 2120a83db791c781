/**
 * The live view in a real terminal: the playbook runs in a tmux pane of a given width against lab
 * hosts, and the screen is read with capture-pane while it runs and after. Checks what the view
 * claims (a failure with its message before the play ends, a loop counted by item, each task's
 * time on its row, ^C marks the stopped task, 50 columns keep the counts and drop the times),
 * never how long anything took.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { labHosts, labState } from '../lab/testing.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const PLAYBOOK = path.join(ROOT, 'test/e2e/playbooks/live-view/live.ts');
/**
 * node with tsx's loader rather than the tsx launcher: the launcher gives the playbook 30 ms to
 * acknowledge a relayed Ctrl-C before it SIGKILLs it, which a loaded CI machine can miss.
 */
const NODE = [process.execPath, '--import', 'tsx'];
/** The pane is a user's terminal, even when the tests run under CI=true (which picks plain lines). */
const USER_ENV = ['env', '-u', 'CI', '-u', 'NO_COLOR', 'TERM=xterm-256color'];
/** A tmux server of this file's own: never another test's or a user's sessions. */
const SOCKET = `hostwright-live-view-${process.pid}`;
const POLL_MS = 200;

const tmux = async (...args: string[]): Promise<string> => (await run('tmux', ['-L', SOCKET, ...args])).stdout;

afterAll(async () => {
  await tmux('kill-server').catch(() => undefined);
  // kill-server leaves the socket file behind.
  await rm(path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid!()}`, SOCKET), { force: true });
  await Promise.all(scratch.map((d) => rm(d, { recursive: true, force: true })));
});

interface Pane {
  name: string;
  /** The visible screen, wrapped lines joined. */
  screen(): Promise<string>;
  /** Everything the pane showed, scrollback included. */
  history(): Promise<string>;
  /** The exit status once the command has ended, else undefined. */
  exitStatus(): Promise<number | undefined>;
}

let panes = 0;
const scratch: string[] = [];

/** Starts the playbook in a detached pane of `width` columns; the pane stays after it exits. */
async function startPlaybook(width: number, args: string[]): Promise<Pane> {
  const name = `live${++panes}`;
  await tmux('new-session', '-d', '-s', name, '-x', String(width), '-y', '50', '-e', 'TERM=xterm-256color');
  await tmux('set-option', '-t', name, 'remain-on-exit', 'on');
  const playbook = [...USER_ENV, ...NODE, PLAYBOOK, '-i', labState().inventoryFile, ...args].map(shellQuote).join(' ');
  // The exit status goes to a file: tmux's own (pane_dead_status) was sometimes still empty, or
  // never set, under load. bash waits out Ctrl-C (a trap, not ignored: the playbook gets it) to write it.
  const dir = await mkdtemp(path.join(tmpdir(), 'hw-live-view-'));
  scratch.push(dir);
  const statusFile = path.join(dir, 'status');
  const command = `trap : INT; ${playbook}; echo $? > ${shellQuote(statusFile)}`;
  await tmux('respawn-pane', '-k', '-t', name, '-c', ROOT, `bash -c ${shellQuote(command)}`);
  return {
    name,
    screen: () => tmux('capture-pane', '-p', '-J', '-t', name),
    history: () => tmux('capture-pane', '-p', '-J', '-S', '-', '-t', name),
    exitStatus: async () => {
      const text = await readFile(statusFile, 'utf8').catch(() => '');
      return text.trim() ? Number(text.trim()) : undefined;
    },
  };
}

/** Screens seen until `until` holds for one (or the command ends); returns them all. */
async function watch(pane: Pane, until: (screen: string) => boolean, timeoutMs = 90_000): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const screen = await pane.screen();
    seen.push(screen);
    if (until(screen) || (await pane.exitStatus()) !== undefined) return seen;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`timed out; last screen:\n${seen.at(-1)}`);
}

async function finish(pane: Pane): Promise<{ status: number; screen: string }> {
  await watch(pane, () => false);
  const status = await pane.exitStatus();
  // The last output may reach tmux a moment after the process has gone.
  await new Promise((r) => setTimeout(r, 500));
  return { status: status!, screen: await pane.history() };
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function twoHosts(): [string, string] {
  const hosts = labHosts('plain');
  expect(hosts.length).toBeGreaterThanOrEqual(2);
  return [hosts[0]!.name, hosts[1]!.name];
}

describe('live view in a terminal (tmux)', () => {
  test('a loop counts by item, a failure shows with its message while the play runs, the play is not marked done', async () => {
    const [a, b] = twoHosts();
    const pane = await startPlaybook(100, ['-l', `${a},${b}`, '-e', `fail_host=${b}`]);
    // The loop, while its items run: hosts are not done before their last item.
    const looping = (await watch(pane, (s) => /item [1-5]\/6/.test(s))).at(-1)!;
    expect(looping).toMatch(/TASK \[items one by one\] {2}[01]\/2 · item [1-5]\/6/);
    expect(looping).not.toMatch(/items one by one\] {2}2\/2/);
    // The running task's row ends with its time so far, which goes on growing.
    const elapsed = (screen: string) => Number(/TASK \[items one by one\] [^\n]*  (\d+\.\d)s$/m.exec(screen)?.[1] ?? NaN);
    const first = elapsed(looping);
    expect(first, looping).toBeGreaterThanOrEqual(0);
    expect((await watch(pane, (s) => elapsed(s) > first)).some((s) => elapsed(s) > first)).toBe(true);
    // The failure, with its message, while the play still runs (no recap yet, the play spinning).
    const failing = (await watch(pane, (s) => s.includes('broken-on-purpose'))).at(-1)!;
    expect(failing).toContain(`${b}: non-zero return code: broken-on-purpose`);
    expect(failing).toMatch(/✖ TASK \[fail where asked\]/);
    expect(failing).not.toContain('PLAY RECAP');

    const { status, screen } = await finish(pane);
    expect(status, `exit status ${status}:\n${screen}`).toBe(2);
    expect(screen).toContain('✖ PLAY [live view]');
    expect(screen).not.toContain('✔ PLAY [live view]');
    // After the view: the change without a diff, the handler, the failure in full, then who failed.
    // Hosts report in the order they finish.
    expect(screen).toMatch(new RegExp(`TASK \\[changed without a diff\\] \\*+\\nchanged: \\[(${a}|${b})\\]\\nchanged: \\[(${a}|${b})\\]\\n`));
    expect(screen).toMatch(new RegExp(`RUNNING HANDLER \\[the handler\\] \\*+\\nchanged: \\[${a}\\]`));
    expect(screen).toContain(`fatal: [${b}]: FAILED!`);
    expect(screen).toContain(`failed (1): ${b}\n`);
    expect(screen).toContain(`changed (2): ${a} ${b}\n`);
    expect(screen).toMatch(/Playbook run took 0 days, 0 hours, \d+ minutes, \d+ seconds/);
    // At 100 columns every finished task row ends with its duration.
    const rows = screen.split('\n').filter((l) => /^\s*(›\s+)?[✔✖] (TASK|RUNNING HANDLER) \[/.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const row of rows) expect(row, row).toMatch(/ {2}([a-z]+=\d+ ?)+ {2}(\d+\.\ds|\d+m\d\ds)$/);
  });

  test('Ctrl-C at 50 columns: the stopped task is marked so, never ✔, and every row keeps its counts', async () => {
    const [a, b] = twoHosts();
    // One fork: the long task runs on one host, the other waits for it and never starts.
    const pane = await startPlaybook(50, ['-l', `${a},${b}`, '-f', '1', '-e', 'slow=8']);
    await watch(pane, (s) => /TASK \[a lon[^\n]* 0\/2/.test(s));
    await tmux('send-keys', '-t', pane.name, 'C-c');
    const stopping = (await watch(pane, (s) => s.includes('stopping'))).at(-1)!;
    expect(stopping).toContain('stopping: no new task starts');

    const { status, screen } = await finish(pane);
    expect(status, `exit status ${status}:\n${screen}`).toBe(99);
    expect(screen).toMatch(/⊘ TASK \[a lon[^\n]*1\/2 · interrupted {2}changed=1/);
    expect(screen).not.toMatch(/✔ TASK \[a lon/);
    expect(screen).not.toContain('TASK [last task]');
    expect(screen).toContain('✖ PLAY [live view]');
    expect(screen).toContain('User interrupted execution');
    // Rows fit 50 columns (capture-pane -J would join a wrapped one) and end with a whole count:
    // no room for a task's time there.
    const rows = screen.split('\n').filter((l) => /^\s*(›\s+)?[✔✖⊘] (TASK|RUNNING HANDLER) \[/.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const row of rows) {
      expect([...row].length, row).toBeLessThanOrEqual(50);
      expect(row, row).toMatch(/ \d+\/\d+( · [^=]*)? {2}([a-z]+=\d+ ?)+$/);
    }
    expect(screen).toMatch(/total {2}(ok|ch)=\d+/);
  });
});
