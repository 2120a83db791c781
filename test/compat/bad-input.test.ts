/**
 * The bad-input corpus (test/fixtures/bad-input/cases.ts): every case exits with its code and its
 * one clear message (Ansible's wording where Ansible has the same mistake), prints no stack trace,
 * and never contacts the inventory's host: a TCP listener of this test stands in for it, and must
 * see no connection at all. In the compat project rather than unit: ~70 node processes are too
 * much for the quick unit run every landing waits for.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASES } from '../fixtures/bad-input/cases.js';

const root = path.resolve(import.meta.dirname, '../..');

let server: net.Server;
let connections = 0;
let dir: string;
let inventory: string;

beforeAll(async () => {
  server = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  dir = await mkdtemp(path.join(tmpdir(), 'hw-bad-input-'));
  inventory = path.join(dir, 'hosts.ini');
  await writeFile(inventory, `target ansible_host=127.0.0.1 ansible_port=${port} ansible_user=nobody\n`);
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

/** Two at a time: each case is a node process loading tsx (~0.6 s of CPU) on a 2-core machine. */
let running = 0;
const waiting: (() => void)[] = [];
async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= 2) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** node --import tsx: the way a playbook starts with the least start-up (no tsx launcher process). */
const run = (args: string[]) => runWith(process.execPath, ['--import', 'tsx', ...args]);

function runWith(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return limited(() => new Promise((resolve) => {
    execFile(command, args, { cwd: root, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  }));
}

describe('bad-input corpus', () => {
  it('has at least 50 cases, each named once', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(50);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  describe.concurrent('each case', () => {
    for (const c of CASES) {
      it(c.name, async () => {
        const playbook = path.join('test/fixtures/bad-input/playbooks', c.playbook ?? 'good.ts');
        const before = connections;
        const r = await run([playbook, '-i', inventory, ...(c.args ?? [])]);
        const all = r.stdout + r.stderr;
        expect(r.code, all).toBe(c.code);
        expect(r.stderr).toContain(`ERROR! `);
        expect(r.stderr).toContain(c.message);
        // No stack trace, no node internals, and nothing ran.
        expect(all).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
        expect(all).not.toMatch(/node:internal|Unexpected Exception/);
        expect(r.stdout).not.toContain('PLAY [');
        expect(connections - before).toBe(0);
      }, 300_000);
    }
  });

  // Written at test time: a file with a syntax error in the repository would fail tsc.
  describe('a file the playbook imports', () => {
    const role = `import { task } from '${root}/runner/index.js';
import { command } from '${root}/modules/index.js';
export const r = () => [task('a', command({ cmd: 'true' )) ];
`;
    const site = (from: string) => `import { play, playbook } from '${root}/runner/index.js';
import { r } from '${from}';
export default playbook(import.meta, [play({ name: 'p', hosts: 'all', tasks: r() })]);
`;
    const cases = [
      { name: 'has a syntax error', playbook: 'uses-broken-role.ts', message: 'broken-role.ts:3:57: syntax error: Expected "}" but found ")"' },
      { name: 'is missing', playbook: 'uses-missing-role.ts', message: "uses-missing-role.ts: Cannot find module './no-such-role.js'" },
    ];
    beforeAll(async () => {
      await writeFile(path.join(dir, 'broken-role.ts'), role);
      await writeFile(path.join(dir, 'uses-broken-role.ts'), site('./broken-role.js'));
      await writeFile(path.join(dir, 'uses-missing-role.ts'), site('./no-such-role.js'));
    });
    // The launcher (node_modules/.bin/tsx) loads files in another thread: the error reaches the
    // runner as a message only, which must give the same line.
    for (const launcher of ['node --import tsx', 'tsx launcher'] as const) {
      for (const c of cases) {
        it(`${c.name} (${launcher})`, async () => {
          const before = connections;
          const file = path.join(dir, c.playbook);
          const r = launcher === 'tsx launcher'
            ? await runWith(path.join(root, 'node_modules/.bin/tsx'), [file, '-i', inventory])
            : await run([file, '-i', inventory]);
          expect(r.code, r.stderr).toBe(4);
          expect(r.stderr).toContain(`ERROR! `);
          expect(r.stderr).toContain(c.message);
          expect(r.stdout + r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
          expect(connections - before).toBe(0);
        }, 120_000);
      }
    }
  });

  it('the listener does count connections (so 0 above means no host was touched)', async () => {
    const before = connections;
    const r = await run([path.join('test/fixtures/bad-input/playbooks/good.ts'), '-i', inventory, '-T', '2']);
    expect(r.code).toBe(4);
    expect(r.stdout).toContain('UNREACHABLE!');
    expect(connections - before).toBeGreaterThan(0);
  }, 60_000);
});
