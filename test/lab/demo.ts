/**
 * `npm run demo [-- --name X]`: start lab instance X (default `lab`, 3 hosts; reused if it is up)
 * and run the main job, playbooks/site.ts, on it: first with --check --diff, then for real, then
 * once more to show a run that changes nothing. Stops at the first run that does not exit 0.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { instancePaths } from './paths.js';

const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const labCli = fileURLToPath(new URL('./cli.ts', import.meta.url));
const site = fileURLToPath(new URL('../../playbooks/site.ts', import.meta.url));

function instanceName(argv: readonly string[]): string {
  const at = argv.findIndex((a) => a === '--name' || a.startsWith('--name='));
  const rest = argv.filter((_, i) => i !== at && !(argv[at] === '--name' && i === at + 1));
  if (rest.length > 0) throw new Error(`usage: npm run demo [-- --name X] (unexpected ${rest.join(' ')})`);
  if (at < 0) return 'lab';
  const name = argv[at] === '--name' ? argv[at + 1] : argv[at]!.slice('--name='.length);
  if (!name) throw new Error('--name needs a lab instance name');
  return name;
}

function run(argv: string[], quiet = false): number {
  return spawnSync(tsx, argv, { stdio: quiet ? 'ignore' : 'inherit' }).status ?? 1;
}

function main(): number {
  const name = instanceName(process.argv.slice(2));
  if (run([labCli, 'status', '--name', name], true) !== 0) {
    const up = run([labCli, 'up', '3', '--name', name]);
    if (up !== 0) return up;
  }
  const inventory = instancePaths(name).inventory;
  for (const flags of [['--check', '--diff'], ['--diff'], []]) {
    const code = run([site, '-i', inventory, ...flags]);
    if (code !== 0) return code;
  }
  return 0;
}

try {
  process.exitCode = main();
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exitCode = 1;
}
