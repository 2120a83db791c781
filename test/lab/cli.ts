/**
 * `npm run lab -- up N [--name X] [--systemd M]`, `down`, `status`, `inventory`.
 * Errors are one line on stderr and exit code 1; no stack traces for expected failures.
 */
import fs from 'node:fs/promises';
import { LabError } from './exec.js';
import { labDown, labStatus, labUp, readLabState } from './lab.js';
import { instancePaths } from './paths.js';

const USAGE = `usage: npm run lab -- <command> [options]
  up N [--systemd M]   start N plain hosts (and M systemd hosts), wait until sshd answers on all
  down                 stop every host and remove everything the lab created
  status               list the hosts and whether they answer
  inventory            print the Ansible inventory's path and content
options:
  --name X             lab instance (default: lab; the test suite uses e2e)`;

class UsageError extends Error {}

interface Args {
  command: string;
  count?: number;
  systemd: number;
  name: string;
}

function parseArgs(argv: readonly string[]): Args {
  const positional: string[] = [];
  let name = 'lab';
  let systemd = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--name') name = value();
    else if (a.startsWith('--name=')) name = a.slice(7);
    else if (a === '--systemd') systemd = count(value(), '--systemd');
    else if (a.startsWith('--systemd=')) systemd = count(a.slice(10), '--systemd');
    else if (a === '-h' || a === '--help') throw new UsageError('');
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else positional.push(a);
  }
  const [command, n, ...rest] = positional;
  if (!command) throw new UsageError('');
  if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`);
  if (command === 'up') return { command, count: n === undefined ? 3 : count(n, 'N'), systemd, name };
  if (n !== undefined) throw new UsageError(`unexpected argument ${n}`);
  if (!['down', 'status', 'inventory'].includes(command)) throw new UsageError(`unknown command ${command}`);
  return { command, systemd, name };
}

function count(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${what} must be a whole number, not '${text}'`);
  return Number(text);
}

async function main(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  switch (args.command) {
    case 'up': {
      const state = await labUp({ instance: args.name, plain: args.count!, systemd: args.systemd, log });
      for (const h of state.hosts) console.log(`${h.name}\t${h.address}\t${h.kind}`);
      console.log(`inventory: ${state.inventoryFile}\nknown_hosts: ${state.knownHostsFile}\nkey: ${state.keyFile}`);
      return;
    }
    case 'down':
      return labDown(args.name, log);
    case 'status': {
      const { state, hosts } = await labStatus(args.name);
      console.log(`lab '${state.instance}' on ${state.subnet} (apt proxy ${state.aptProxy}), state in ${state.stateDir}`);
      for (const { host, running, sshd } of hosts) {
        console.log(`${host.name}\t${host.address}\t${host.kind}\tpid ${host.pid}\t${running ? (sshd ? 'up' : 'running, sshd not answering') : 'NOT RUNNING'}`);
      }
      return;
    }
    case 'inventory': {
      const state = await readLabState(args.name);
      if (!state) throw new LabError(`no lab named '${args.name}' is up`);
      console.log(`# ${state.inventoryFile}`);
      process.stdout.write(await fs.readFile(instancePaths(args.name).inventory, 'utf8'));
      return;
    }
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof UsageError) {
    process.stderr.write(e.message ? `lab: ${e.message}\n${USAGE}\n` : `${USAGE}\n`);
    process.exit(e.message ? 2 : 0);
  }
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`lab: ${message.split('\n')[0]}\n`);
  if (!(e instanceof LabError) && process.env.LAB_DEBUG) console.error(e);
  process.exit(1);
});
