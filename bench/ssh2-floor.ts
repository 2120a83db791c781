/**
 * The ssh2 floor: N fresh connections with the ssh2 library alone (no Hostwright), in parallel,
 * each running `true` on one exec channel and closing; host keys verified against the lab's
 * known_hosts as Hostwright does. bench/noop.ts times it beside OpenSSH's floor.
 *
 *   npx tsx bench/ssh2-floor.ts --name bench [--hosts 30]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import ssh2 from 'ssh2';
import { checkHostKey, parseKnownHosts } from '../runner/connection/known-hosts.js';
import { readLabState } from '../test/lab/lab.js';

const { values } = parseArgs({ options: { name: { type: 'string', default: 'bench' }, hosts: { type: 'string', default: '30' } } });
const state = await readLabState(values.name);
if (!state) throw new Error(`no lab named '${values.name}' is up`);
const hosts = state.hosts.filter((h) => h.kind === 'plain').slice(0, Number(values.hosts));
const key = readFileSync(state.keyFile);
const known = parseKnownHosts(readFileSync(state.knownHostsFile, 'utf8'), state.knownHostsFile);

const one = (h: (typeof hosts)[number]) =>
  new Promise<void>((resolve, reject) => {
    const client = new ssh2.Client();
    client.on('error', reject);
    client.on('ready', () =>
      client.exec('true', (err, channel) => {
        if (err) return reject(err);
        channel.on('close', () => (client.end(), resolve()));
        channel.resume();
      }),
    );
    client.connect({
      host: h.address,
      port: h.port,
      username: 'root',
      privateKey: key,
      hostVerifier: (k: Buffer) => checkHostKey(known, { name: h.name, address: h.address, port: h.port, files: [state.knownHostsFile] }, k).ok,
    });
    client.setNoDelay(true);
  });

const t0 = performance.now();
await Promise.all(hosts.map(one));
process.stdout.write(`ssh2: ${hosts.length} connections running true in ${(performance.now() - t0).toFixed(0)} ms (after start-up)\n`);
