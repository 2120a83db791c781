/**
 * Stop requests through tsx's launcher under CPU load (issue 9): a run of
 * test/e2e/playbooks/reliability/upload.ts (3 files, 45 MiB by default) through
 * node_modules/.bin/tsx, stopped at a random point of the upload by SIGINT or SIGTERM sent to the
 * launcher's PID or to the whole process group (a terminal's Ctrl-C), while --load busy loops keep
 * both cores busy. Counts, per way of stopping: exit codes, recaps, and destination files on the host
 * that are not one complete round's content (must be 0). Kept out of the test suite: it loads the
 * machine for minutes.
 *
 *   npm run lab -- up 1 --name trials && npx tsx bench/stop-trials.ts --name trials [--trials 24] [--load 4]
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bigContent, KILL_DIR, KILL_FILES } from '../test/e2e/playbooks/reliability/content.js';
import { readLabState } from '../test/lab/lab.js';

const { values } = parseArgs({
  options: { name: { type: 'string', default: 'trials' }, trials: { type: 'string', default: '24' }, load: { type: 'string', default: '4' }, mib: { type: 'string', default: '15' } },
});
const root = path.resolve(import.meta.dirname, '..');
const state = await readLabState(values.name!);
const host = state?.hosts.find((h) => h.kind === 'plain');
if (!state || !host) throw new Error(`no lab '${values.name}' with a plain host is up`);
const BYTES = Number(values.mib) * 2 ** 20;
const MODES = ['launcher SIGTERM', 'group SIGINT', 'launcher SIGINT', 'group SIGTERM'] as const;
const ssh = (cmd: string) =>
  execFileSync('ssh', ['-i', state.keyFile, '-o', `UserKnownHostsFile=${state.knownHostsFile}`, '-o', 'BatchMode=yes', `root@${host.address}`, cmd], { encoding: 'utf8' });
const sums = new Map<string, string>();
const sumOf = (round: number, name: string) => {
  const key = `${round}/${name}`;
  if (!sums.has(key)) sums.set(key, createHash('sha256').update(bigContent(round, name, BYTES)).digest('hex'));
  return sums.get(key)!;
};

const loaders = Array.from({ length: Number(values.load) }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
process.on('exit', () => loaders.forEach((l) => l.kill('SIGKILL')));
ssh(`rm -rf ${KILL_DIR}`);
const tally: Record<string, number> = {};
const rounds: number[] = [];
for (let t = 0; t < Number(values.trials); t++) {
  const mode = MODES[t % MODES.length]!;
  const round = 100 + t;
  rounds.push(round);
  const args = ['test/e2e/playbooks/reliability/upload.ts', '-i', state.inventoryFile, '-l', host.name, '-e', `round=${round}`, '-e', `bytes=${BYTES}`];
  const child = spawn(path.join(root, 'node_modules/.bin/tsx'), args, { cwd: root, env: { ...process.env, NO_COLOR: '1' }, detached: true });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.resume();
  // The launcher's own exit status ('exit', not 'close': the run's process may hold the pipes on).
  const exited = new Promise<number | string>((r) => child.on('exit', (code, signal) => r(code ?? signal ?? '?')));
  const closed = new Promise((r) => child.on('close', r));
  while (!out.includes('TASK [big files]') && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, Math.random() * 2000));
  const mid = !out.includes('TASK [after the uploads]');
  const [who, signal] = mode.split(' ') as ['launcher' | 'group', NodeJS.Signals];
  try {
    process.kill(who === 'group' ? -child.pid! : child.pid!, signal);
  } catch {
    // already over
  }
  const code = await exited;
  await closed;
  let bad = 0;
  const listing = ssh(`cd ${KILL_DIR} 2>/dev/null || exit 0; for f in ${KILL_FILES.join(' ')}; do [ -e "$f" ] && echo "$f $(wc -c < "$f") $(sha256sum < "$f" | cut -c1-64)"; done; true`);
  for (const line of listing.trim().split('\n').filter(Boolean)) {
    const [name, size, sum] = line.split(' ');
    if (Number(size) !== BYTES || !rounds.some((r) => sumOf(r, name!) === sum)) bad++;
  }
  const key = `${mode}${mid ? '' : ' (after the upload)'}: exit ${code}, ${out.includes('PLAY RECAP') ? 'recap' : 'NO RECAP'}, ${bad} bad files`;
  tally[key] = (tally[key] ?? 0) + 1;
  console.log(`trial ${t}: ${key}; load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
}
console.log(JSON.stringify(tally, null, 1));
process.exit(0);
