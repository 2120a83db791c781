/**
 * The engine end to end on lab hosts, through the real command line (`tsx <playbook> ...` as a
 * subprocess): failure isolation and exit 2, unreachable and exit 4, a load error that stops
 * everything before any host is contacted, and secrets kept out of every output format.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { labHosts, labState, ssh } from '../lab/testing.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = path.join(root, 'node_modules/.bin/tsx');
const playbookPath = (name: string) => path.join(root, 'test/e2e/playbooks/engine', name);

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function runPlaybook(name: string, args: string[], input = '', onStdout?: (sofar: string, child: ReturnType<typeof spawn>) => void): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [playbookPath(name), ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', CI: 'true' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      onStdout?.(stdout, child);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

function threeHosts(): string[] {
  const hosts = labHosts('plain').map((h) => h.name);
  expect(hosts.length).toBeGreaterThanOrEqual(3);
  return hosts.slice(0, 3);
}

/** The lab's inventory plus `ghost`, a host in the lab group whose port refuses connections. */
function inventoryWithGhost(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hw-engine-'));
  const file = path.join(dir, 'hosts.ini');
  const lab = readFileSync(labState().inventoryFile, 'utf8');
  writeFileSync(file, lab.replace(/^\[lab_plain\]$/m, '[lab_plain]\nghost ansible_host=127.0.0.1 ansible_port=1'));
  return file;
}

function recapLine(out: string, host: string): string {
  return out.split('\n').find((l) => l.startsWith(`${host} `) && l.includes('ok='))?.replace(/\s+/g, ' ').trim() ?? '';
}

describe('engine end to end', () => {
  test('a command failing on one of three hosts: that host failed, the others finish, exit 2', async () => {
    const [a, b, c] = threeHosts();
    await Promise.all([a!, b!, c!].map((h) => ssh(h, 'rm -f /tmp/engine-finished')));
    const r = await runPlaybook('fail-one.ts', ['-i', labState().inventoryFile, '-l', `${a},${b},${c}`, '-e', `fail_host=${b}`]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toMatch(new RegExp(`fatal: \\[${b}\\]: FAILED!`));
    expect(recapLine(r.stdout, b!)).toBe(`${b} : ok=1 changed=0 unreachable=0 failed=1 skipped=0 rescued=0 ignored=0`);
    for (const h of [a!, c!]) {
      expect(recapLine(r.stdout, h)).toBe(`${h} : ok=2 changed=1 unreachable=0 failed=0 skipped=1 rescued=0 ignored=0`);
      expect((await ssh(h, 'cat /tmp/engine-finished')).stdout).toBe('done\n');
    }
    expect((await ssh(b!, 'test -e /tmp/engine-finished')).code).toBe(1);
  });

  test('an unreachable host: reported UNREACHABLE, the others go on, exit 4', async () => {
    const [a] = threeHosts();
    const r = await runPlaybook('fail-one.ts', ['-i', inventoryWithGhost(), '-l', `${a},ghost`, '-e', 'fail_host=none']);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout).toMatch(/fatal: \[ghost\]: UNREACHABLE!/);
    expect(recapLine(r.stdout, 'ghost')).toBe('ghost : ok=0 changed=0 unreachable=1 failed=0 skipped=0 rescued=0 ignored=0');
    expect(recapLine(r.stdout, a!)).toMatch(/ok=2 .* failed=0/);
  });

  test('a bad module parameter: one load error naming file:line and the field, exit 4, no host contacted', async () => {
    // Only the ghost is targeted: had any connection been tried, it would be reported unreachable.
    const r = await runPlaybook('bad-param.ts', ['-i', inventoryWithGhost(), '-l', 'ghost']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(
      /ERROR! test\/e2e\/playbooks\/engine\/bad-param.ts:11:\d+: task 'make the directory': file: field 'state' must be one of "file", "directory"/,
    );
    expect(r.stdout + r.stderr).not.toMatch(/UNREACHABLE|ghost|PLAY \[/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('an exception thrown while the playbook loads: one ERROR! line with its file:line, exit 4', async () => {
    const r = await runPlaybook('throws.ts', ['-i', labState().inventoryFile]);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe('ERROR! test/e2e/playbooks/engine/throws.ts:5:36: no web servers configured\n');
    expect(r.stdout).toBe('');
  });

  test('the become password (-K) and no_log values appear nowhere, even with -vvv or --json', async () => {
    const [a] = threeHosts();
    const state = labState();
    const password = state.passwordUserPassword;
    const common = ['-i', state.inventoryFile, '-l', a!, '-K', '-e', `ansible_user=${state.passwordUser}`, '-e', `leak=${password}`, '-D'];
    for (const extra of [['-vvv'], ['--json']]) {
      await ssh(a!, 'rm -f /tmp/engine-uid');
      const r = await runPlaybook('secrets.ts', [...common, ...extra], `${password}\n`);
      const all = r.stdout + r.stderr;
      expect(r.code, all).toBe(0);
      // The run did become root with that password: the `when` on whoami's stdout held.
      expect((await ssh(a!, 'test -e /tmp/engine-uid')).code).toBe(0);
      expect(all).not.toContain(password);
      expect(all).not.toContain('nolog-value-7f3a9c');
      expect(all).toContain('no_log: true');
    }
    expect((await ssh(a!, 'cat /tmp/engine-private')).stdout).toBe('nolog-value-7f3a9c\n');
  });

  test('Ctrl-C: the running task finishes, nothing after it starts, interrupted recap, exit 99', async () => {
    const [a] = threeHosts();
    await ssh(a!, 'rm -f /tmp/engine-after-interrupt');
    let sent = false;
    const r = await runPlaybook('interrupt.ts', ['-i', labState().inventoryFile, '-l', a!], '', (out, child) => {
      if (!sent && out.includes('TASK [slow]')) {
        sent = true;
        // Give the command time to start on the host, then press Ctrl-C.
        setTimeout(() => child.kill('SIGINT'), 500);
      }
    });
    expect(sent).toBe(true);
    expect(r.code, r.stdout + r.stderr).toBe(99);
    expect(r.stdout).toContain('PLAY RECAP');
    expect(r.stdout).not.toContain('TASK [after the interrupt]');
    expect((await ssh(a!, 'test -e /tmp/engine-after-interrupt')).code).toBe(1);
  });
});
