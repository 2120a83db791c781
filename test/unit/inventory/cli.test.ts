import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'runner/inventory/cli.ts'), ...args], (err, stdout, stderr) =>
      done({ code: err ? Number((err as { code?: number }).code) : 0, stdout, stderr }),
    );
  });
}

// Each case starts tsx (about a second, more on a busy machine).
describe('the inventory command', { timeout: 30_000 }, () => {
  it('prints the inventory and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hw-cli-'));
    writeFileSync(join(dir, 'hosts'), '[web]\nweb1 port=80\n');
    const r = await cli(['-i', join(dir, 'hosts'), '--host', 'web1']);
    expect(r).toEqual({ code: 0, stdout: '{\n    "port": 80\n}\n', stderr: '' });
  });

  it('reports a broken inventory in one line with file and line, exit 4, no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hw-cli-'));
    writeFileSync(join(dir, 'hosts'), '[web]\nweb1\n[web:children]\nweb\n');
    const r = await cli(['-i', join(dir, 'hosts'), '--list']);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`ERROR! ${join(dir, 'hosts')}:4: Failed to parse ${join(dir, 'hosts')} with ini plugin: can't add group to itself\n`);
  });

  it('refuses a missing action like ansible-inventory, exit 5', async () => {
    const r = await cli(['-i', 'localhost,']);
    expect(r.code).toBe(5);
    expect(r.stderr).toBe('ERROR! No action selected, at least one of --host, --graph or --list needs to be specified.\n');
  });
});
