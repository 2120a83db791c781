import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const playbooks = readdirSync(path.join(root, 'playbooks')).filter((f) => f.endsWith('.ts'));

// Every shipped playbook (and the README's example, playbooks/motd.ts) loads and validates: its
// module parameters pass the schemas and its handlers exist. No host is contacted.
describe('shipped playbooks load', () => {
  it('there are playbooks to check', () => {
    expect(playbooks).toContain('site.ts');
  });
  for (const file of playbooks) {
    it(`${file} passes --syntax-check`, async () => {
      const tsx = path.join(root, 'node_modules/.bin/tsx');
      const { stdout } = await run(tsx, [path.join('playbooks', file), '--syntax-check', '-i', 'inventory/hosts.ini'], { cwd: root });
      expect(stdout).toContain(`playbook: playbooks/${file}`);
    }, 60_000);
  }
});
