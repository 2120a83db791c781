/**
 * Where a 1-host twelve.ts run spends the CPU of the process that runs the playbook (issue 18's
 * start-up): the command tsx's launcher would spawn (`node --require tsx/preflight --import
 * tsx/loader twelve.ts`, the launcher itself is tsx's fixed cost), run with V8's `--cpu-prof`, its
 * main thread's samples summed by self time: per package or source folder, and the top functions
 * (`waitForWorker`/`makeSyncRequest` are the main thread waiting for tsx's loader thread,
 * `compileSourceTextModule` V8 compiling the ES modules, `(idle)` waiting for the host).
 *
 *   npm run lab -- up 1 --name bench && npx tsx bench/cpu-profile.ts --name bench [--top 25] [--keep DIR]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { childEnv, REPO_ROOT } from '../test/e2e/playbooks/parity/output.js';
import { readLabState } from '../test/lab/lab.js';

const { values } = parseArgs({ options: { name: { type: 'string', default: 'bench' }, top: { type: 'string', default: '25' }, keep: { type: 'string' } } });
const state = await readLabState(values.name!);
const host = state?.hosts.find((h) => h.kind === 'plain');
if (!state || !host) throw new Error(`no lab named '${values.name}' with a plain host is up (npm run lab -- up 1 --name ${values.name})`);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const tsxDist = path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')) + '/dist';
const dir = values.keep ?? mkdtempSync(path.join(os.tmpdir(), 'hw-cpu-profile-'));
const argv = ['bench/playbooks/twelve.ts', '-i', state.inventoryFile, '-l', host.name];
try {
  execFileSync(process.execPath, ['--require', `${tsxDist}/preflight.cjs`, '--import', pathToFileURL(`${tsxDist}/loader.mjs`).href, ...argv], {
    cwd: REPO_ROOT,
    env: childEnv(),
    stdio: 'ignore',
  }); // converge once and fill tsx's and the validators' caches
  execFileSync(
    process.execPath,
    ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=200', '--require', `${tsxDist}/preflight.cjs`, '--import', pathToFileURL(`${tsxDist}/loader.mjs`).href, ...argv],
    { cwd: REPO_ROOT, env: childEnv(), stdio: 'ignore' },
  );
  // The main thread's profile is the first the process writes (.001); the loader thread's follows.
  const main = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort()[0];
  if (!main) throw new Error(`no profile written in ${dir}`);
  const profile = JSON.parse(readFileSync(path.join(dir, main), 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + us);
    total += us;
  });

  /** A package, a folder of this repository, Node's own code, or V8's pseudo-frames. */
  const group = (url: string, fn: string): string => {
    if (!url) return fn.startsWith('(') ? fn : '(native)';
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (pkg) return pkg[1]!;
    if (url.startsWith('node:')) return 'node (internal)';
    const file = url.startsWith('file:') ? new URL(url).pathname : url;
    const rel = path.relative(REPO_ROOT, file);
    return rel.startsWith('..') ? file : rel.split(path.sep)[0]!;
  };
  const groups = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const g = group(url, functionName);
    groups.set(g, (groups.get(g) ?? 0) + us);
    const f = `${functionName || '(anonymous)'} ${url ? `${url.split('/').pop()}:${lineNumber + 1}` : ''}`.trim();
    functions.set(f, (functions.get(f) ?? 0) + us);
  }
  const ms = (us: number) => `${(us / 1000).toFixed(1).padStart(7)} ms`;
  const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => `${ms(us)}  ${k}`);
  console.log(`main thread of the playbook's process: ${ms(total).trim()} sampled, load ${os.loadavg()[0]!.toFixed(1)}`);
  console.log('\nself time by package or folder:');
  console.log(top(groups, 15).join('\n'));
  console.log(`\nself time by function (top ${values.top}):`);
  console.log(top(functions, Number(values.top)).join('\n'));
  if (values.keep) console.log(`\nprofiles in ${dir} (open them in Chrome's DevTools, Performance tab)`);
} finally {
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}
