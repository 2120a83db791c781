/**
 * `npm run demo [-- --name X]`: start lab instance X (default `lab`: a plain and a systemd host;
 * reused if it is up) and run the main job, playbooks/site.ts, on it through the stack's lab
 * inventory (inventory/site/lab.ts: the systemd host is the stack's VPS): first with --check
 * --diff, then for real, then once more to show a run that changes nothing. Stops at the first run
 * that does not exit 0.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const labCli = fileURLToPath(new URL('./cli.ts', import.meta.url));
const site = fileURLToPath(new URL('../../playbooks/site.ts', import.meta.url));
const inventory = fileURLToPath(new URL('../../inventory/site/lab.ts', import.meta.url));

function instanceName(argv: readonly string[]): string {
  const at = argv.findIndex((a) => a === '--name' || a.startsWith('--name='));
  const rest = argv.filter((_, i) => i !== at && !(argv[at] === '--name' && i === at + 1));
  if (rest.length > 0) throw new Error(`usage: npm run demo [-- --name X] (unexpected ${rest.join(' ')})`);
  if (at < 0) return 'lab';
  const name = argv[at] === '--name' ? argv[at + 1] : argv[at]!.slice('--name='.length);
  if (!name) throw new Error('--name needs a lab instance name');
  return name;
}

function run(argv: string[], quiet = false, env: NodeJS.ProcessEnv = process.env): number {
  return spawnSync(tsx, argv, { stdio: quiet ? 'ignore' : 'inherit', env }).status ?? 1;
}

function main(): number {
  const name = instanceName(process.argv.slice(2));
  if (run([labCli, 'status', '--name', name], true) !== 0) {
    const up = run([labCli, 'up', '1', '--systemd', '1', '--name', name]);
    if (up !== 0) return up;
  }
  // inventory/site/lab.ts reads the lab instance named here.
  const env = { ...process.env, HOSTWRIGHT_LAB: name };
  for (const flags of [['--check', '--diff'], ['--diff'], []]) {
    const code = run([site, '-i', inventory, ...flags], false, env);
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
