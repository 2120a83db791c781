import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { play } from '../../runner/dsl.js';
import { loadInventory } from '../../runner/inventory/index.js';
import { defaultRunOptions } from '../../runner/options.js';
import { checkTargets, playHosts } from '../../runner/run.js';

// --limit goes through the inventory's subset logic, so retry files and exclusions work as in Ansible.
describe('--limit on a real inventory', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hw-limit-'));
  writeFileSync(path.join(dir, 'hosts.ini'), '[web]\nw1\nw2\nw3\n[db]\nd1\n');
  writeFileSync(path.join(dir, 'site.retry'), 'w3\nd1\n');

  it('reads @retry files: the play keeps only the hosts listed there', async () => {
    const inventory = await loadInventory([path.join(dir, 'hosts.ini')]);
    const options = defaultRunOptions({ limit: `@${path.join(dir, 'site.retry')}` });
    expect(playHosts(inventory, play({ hosts: 'web', tasks: [] }), options)).toEqual(['w3']);
    expect(() => checkTargets(inventory, options)).not.toThrow();
  });

  it('applies exclusions in the limit and fails when nothing is left', async () => {
    const inventory = await loadInventory([path.join(dir, 'hosts.ini')]);
    expect(playHosts(inventory, play({ hosts: 'all', tasks: [] }), defaultRunOptions({ limit: 'web:!w2' }))).toEqual(['w1', 'w3']);
    expect(() => checkTargets(inventory, defaultRunOptions({ limit: 'db:&web' }))).toThrow(/no hosts to target/);
  });
});
