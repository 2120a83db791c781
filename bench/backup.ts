/**
 * backup of a 1 GB directory against `tar | zstd` by hand on the same lab host:
 *   npm run lab -- up 1 --name bench && npx tsx bench/backup.ts --name bench [--mb 1024] [--rounds 3]
 * The directory: files of 4 MiB, half random bytes (incompressible), half base64 text of random
 * bytes (compressible to about 3/4), so zstd does real work on part of it. Rounds alternate the
 * order (hand, module / module, hand) so the page cache favours neither; prints each time, the
 * median ratio hand/module (>= 0.9 means the module runs at no less than 90% of the hand speed),
 * and the host's load average before and after, since the machine is shared.
 */
import { connect } from '../runner/connection/index.js';
import { gatherFacts } from '../runner/facts.js';
import { runCallOn } from '../runner/module-run.js';
import { backup } from '../modules/index.js';
import { labConnectSpecFor } from '../test/lab/connect-spec.js';
import { readLabState } from '../test/lab/lab.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const instance = arg('name', 'lab');
const mb = Number(arg('mb', '1024'));
const rounds = Number(arg('rounds', '3'));
const state = await readLabState(instance);
if (!state) throw new Error(`no lab named '${instance}' is up (npm run lab -- up 1 --name ${instance})`);
const host = state.hosts[0]!;
const conn = await connect(labConnectSpecFor(state, host));
const sh = async (script: string) => {
  const r = await conn.exec(script);
  if (r.rc !== 0) throw new Error(`${script}: rc ${r.rc}: ${r.stderr}`);
  return r.stdout.trim();
};
const SRC = '/srv/bench-data';
const DEST = '/var/tmp/bench-backup';

await sh(`command -v zstd >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get -q -y install zstd >/dev/null 2>&1 || { apt-get -q update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get -q -y install zstd >/dev/null; }; }`);
const files = Math.round(mb / 4);
const have = await sh(`du -sm ${SRC} 2>/dev/null | cut -f1 || echo 0`);
if (Math.abs(Number(have) - mb) > mb * 0.05) {
  console.log(`making ${mb} MiB in ${files} files of 4 MiB under ${SRC} ...`);
  await sh(`rm -rf ${SRC} && mkdir -p ${SRC} && i=0; while [ $i -lt ${files} ]; do if [ $((i % 2)) = 0 ]; then head -c 4194304 /dev/urandom > ${SRC}/f$i; else head -c 3145728 /dev/urandom | base64 -w 76 | head -c 4194304 > ${SRC}/f$i; fi; i=$((i + 1)); done`);
}
const facts = await gatherFacts(conn);
const load = () => sh('cut -d" " -f1-3 /proc/loadavg');
console.log(`host ${host.name}: ${await sh(`du -sh ${SRC} | cut -f1`)} in ${files} files; nproc ${await sh('nproc')}; load ${await load()}`);

async function byHand(): Promise<number> {
  await sh(`rm -rf ${DEST} && mkdir -p ${DEST}`);
  const t = performance.now();
  await sh(`tar -C / -cf - ${SRC.slice(1)} | zstd -q > ${DEST}/hand.tar.zst`);
  return performance.now() - t;
}
async function withModule(): Promise<number> {
  await sh(`rm -rf ${DEST} && mkdir -p ${DEST}`);
  const t = performance.now();
  const r = await runCallOn(conn, backup({ job: 'bench', paths: [SRC], dest: DEST, compression: 'zstd' }), { facts, check: false });
  if (r.result.failed) throw new Error(String(r.result.msg));
  return performance.now() - t;
}

const ratios: number[] = [];
for (let i = 0; i < rounds; i++) {
  let hand: number;
  let mod: number;
  if (i % 2 === 0) {
    hand = await byHand();
    mod = await withModule();
  } else {
    mod = await withModule();
    hand = await byHand();
  }
  ratios.push(hand / mod);
  console.log(`round ${i + 1}: tar | zstd ${(hand / 1000).toFixed(2)} s, backup ${(mod / 1000).toFixed(2)} s (archive + sha256 + rename + probe), ratio ${(hand / mod).toFixed(3)}`);
}
const median = [...ratios].sort((x, y) => x - y)[Math.floor(ratios.length / 2)]!;
console.log(`median ratio hand/module: ${median.toFixed(3)} (>= 0.9 meets the issue's bar); load after ${await load()}`);
await sh(`rm -rf ${DEST}`);
await conn.close();
