/**
 * Inventory load time: a 10,000-host INI inventory in 50 groups (plus parent groups), with
 * group_vars/ for every group, loaded and every host's variables merged.
 *
 *   npx tsx bench/inventory.ts                 # Hostwright only
 *   npx tsx bench/inventory.ts --ansible 5000  # also time `ansible-inventory --list` on 5,000 hosts
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadInventory } from '../runner/inventory/index.js';

function generate(dir: string, hosts: number, groups: number): string {
  const lines: string[] = [];
  const perGroup = Math.ceil(hosts / groups);
  for (let g = 0; g < groups; g++) {
    lines.push(`[group${g}]`);
    for (let i = g * perGroup; i < Math.min(hosts, (g + 1) * perGroup); i++) {
      lines.push(`host${String(i).padStart(5, '0')}.example.com ansible_host=10.${i >> 16}.${(i >> 8) & 255}.${i & 255} idx=${i}`);
    }
    lines.push(`[group${g}:vars]`, `group_index=${g}`, `tier=${g % 3 === 0 ? 'web' : 'app'}`, '');
  }
  // Every host is also in a region group (a second membership) under a parent group.
  for (let r = 0; r < 5; r++) {
    lines.push(`[region${r}:children]`);
    for (let g = r; g < groups; g += 5) lines.push(`group${g}`);
    lines.push(`[region${r}:vars]`, `region=r${r}`, '');
  }
  const inventory = join(dir, 'hosts.ini');
  writeFileSync(inventory, lines.join('\n'));
  mkdirSync(join(dir, 'group_vars'));
  writeFileSync(join(dir, 'group_vars', 'all.yml'), 'ntp_server: pool.ntp.org\ndns: [1.1.1.1, 9.9.9.9]\n');
  for (let g = 0; g < groups; g++) {
    writeFileSync(join(dir, 'group_vars', `group${g}.yml`), `group_file: ${g}\npackages: [nginx, curl]\nlimits: {nofile: 65536}\n`);
  }
  return inventory;
}

async function timeHostwright(inventory: string): Promise<void> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const inv = await loadInventory([inventory]);
  const t1 = performance.now();
  let vars = 0;
  for (const host of inv.hosts.keys()) vars += Object.keys(inv.hostVars(host)).length;
  const t2 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `hostwright: ${inv.hosts.size} hosts, ${inv.groups.size} groups: load ${(t1 - t0).toFixed(0)} ms, ` +
      `hostVars for every host ${(t2 - t1).toFixed(0)} ms (${vars} variables), total ${(t2 - t0).toFixed(0)} ms ` +
      `(CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms; wall time suffers when the machine is busy)`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'hw-inv-bench-'));
try {
  await timeHostwright(generate(join(dir), 10_000, 50));
  const ansibleAt = process.argv.indexOf('--ansible');
  if (ansibleAt >= 0) {
    const hosts = Number(process.argv[ansibleAt + 1] ?? 5000);
    const small = mkdtempSync(join(tmpdir(), 'hw-inv-bench-ansible-'));
    const inventory = generate(small, hosts, 50);
    await timeHostwright(inventory);
    const t0 = performance.now();
    execFileSync('ansible-inventory', ['-i', inventory, '--list'], { maxBuffer: 1 << 30, cwd: small });
    console.log(`ansible-inventory --list: ${hosts} hosts: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    rmSync(small, { recursive: true });
  }
} finally {
  rmSync(dir, { recursive: true });
}
