/**
 * Time to connect to every host of a running lab and gather facts, all in parallel:
 *   npm run lab -- up 30 && npx tsx bench/connect.ts [--name lab] [--user root]
 * Prints wall time, CPU time of this process, and the slowest host.
 */
import { connect } from '../runner/connection/index.js';
import { gatherFacts } from '../runner/facts.js';
import { labConnectSpecFor } from '../test/lab/connect-spec.js';
import { readLabState } from '../test/lab/lab.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const instance = arg('name', 'lab');
const user = arg('user', 'root');
const state = await readLabState(instance);
if (!state) throw new Error(`no lab named '${instance}' is up (npm run lab -- up 30 --name ${instance})`);

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const perHost = await Promise.all(
  state.hosts.map(async (h) => {
    const start = performance.now();
    const spec = labConnectSpecFor(state, h, { ansible_user: user });
    const conn = await connect(spec);
    const connected = performance.now();
    const facts = await gatherFacts(conn);
    const done = performance.now();
    await conn.close();
    return { name: h.name, connectMs: connected - start, factsMs: done - connected, totalMs: done - start, facts };
  }),
);
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const slowest = perHost.reduce((a, b) => (b.totalMs > a.totalMs ? b : a));
const avg = (f: (r: (typeof perHost)[number]) => number) => perHost.reduce((s, r) => s + f(r), 0) / perHost.length;

console.log(`hosts: ${perHost.length} (lab '${instance}', user ${user})`);
console.log(`wall: ${wallMs.toFixed(0)} ms for connect + facts on all hosts in parallel`);
console.log(`cpu (this process): user ${(cpu.user / 1000).toFixed(0)} ms, system ${(cpu.system / 1000).toFixed(0)} ms`);
console.log(`per host: connect avg ${avg((r) => r.connectMs).toFixed(0)} ms, facts avg ${avg((r) => r.factsMs).toFixed(0)} ms`);
console.log(`slowest: ${slowest.name} ${slowest.totalMs.toFixed(0)} ms (connect ${slowest.connectMs.toFixed(0)}, facts ${slowest.factsMs.toFixed(0)})`);
console.log(`all Debian: ${perHost.every((r) => r.facts.distribution === 'Debian')}`);
