/**
 * `npm run inventory -- -i hosts.yml --list | --host NAME | --graph [GROUP] [--vars]`
 * prints what `ansible-inventory` prints for the same sources, byte for byte.
 */
import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { LoadError, OptionsError } from '../errors.js';
import { loadInventory } from './index.js';
import { INTERNAL_VARS, type LoadedInventory } from './inventory.js';
import type { Vars } from './types.js';
import { isFloatAt, pyStr, toAnsibleJson } from './values.js';

const USAGE = `usage: inventory [-h] [-i INVENTORY] [--playbook-dir DIR] [-l SUBSET]
                 (--list | --host HOST | --graph [GROUP] [--vars])`;

interface Options {
  help?: boolean;
  sources: string[];
  playbookDir?: string;
  limit?: string;
  action: 'list' | 'host' | 'graph';
  host?: string;
  pattern: string;
  showVars: boolean;
}

export function parseCli(argv: string[]): Options {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      inventory: { type: 'string', short: 'i', multiple: true },
      'inventory-file': { type: 'string', multiple: true },
      'playbook-dir': { type: 'string' },
      limit: { type: 'string', short: 'l' },
      list: { type: 'boolean' },
      host: { type: 'string' },
      graph: { type: 'boolean' },
      vars: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { help: true } as Options;
  const used = [values.list, values.host !== undefined, values.graph].filter(Boolean).length;
  if (used === 0) throw new OptionsError('No action selected, at least one of --host, --graph or --list needs to be specified.');
  if (used > 1) throw new OptionsError('Conflicting options used, only one of --host, --graph or --list can be used at the same time.');
  let sources = [...(values.inventory ?? []), ...(values['inventory-file'] ?? [])];
  // Ansible's default inventory: ANSIBLE_INVENTORY (comma-separated paths) or /etc/ansible/hosts.
  if (sources.length === 0) sources = (process.env.ANSIBLE_INVENTORY ?? '/etc/ansible/hosts').split(',').filter((s) => existsSync(s));
  return {
    sources,
    playbookDir: values['playbook-dir'],
    limit: values.limit,
    action: values.list ? 'list' : values.graph ? 'graph' : 'host',
    host: values.host,
    pattern: positionals[0] ?? 'all',
    showVars: values.vars ?? false,
  };
}

function publicVars(vars: Vars): Vars {
  for (const key of INTERNAL_VARS) delete vars[key];
  return vars;
}

/** json_inventory(): groups with their direct hosts and children, then _meta.hostvars. */
function listInventory(inv: LoadedInventory, limit?: string): Record<string, unknown> {
  const results: Record<string, unknown> = {};
  const seen = new Set<string>();
  const formatGroup = (name: string): void => {
    const g = inv.data.groups.get(name)!;
    const entry: Record<string, unknown> = {};
    results[name] = entry;
    if (name !== 'all') entry.hosts = g.hosts.map((h) => h.name);
    entry.children = [] as string[];
    for (const sub of g.children) {
      (entry.children as string[]).push(sub.name);
      if (!seen.has(sub.name)) {
        formatGroup(sub.name);
        seen.add(sub.name);
      }
    }
    for (const k of ['hosts', 'vars', 'children']) {
      if (k in entry && (entry[k] as unknown[]).length === 0) delete entry[k];
    }
    if (Object.keys(entry).length === 0) delete results[name];
  };
  formatGroup('all');
  const hostvars: Record<string, Vars> = {};
  for (const host of inv.select('all', limit)) {
    const vars = publicVars(inv.hostVars(host));
    if (Object.keys(vars).length) hostvars[host] = vars;
  }
  results._meta = { hostvars };
  return results;
}

function showVars(vars: Vars, depth: number): string[] {
  return Object.keys(vars)
    .sort()
    .map((k) => graphName(`{${k} = ${pyStr(vars[k], isFloatAt(vars, k))}}`, depth));
}

function graphName(name: string, depth: number): string {
  return depth ? `${'  |'.repeat(depth)}--${name}` : name;
}

/** inventory_graph(): the tree of groups from GROUP (default all), hosts, and with --vars their vars. */
function graph(inv: LoadedInventory, start: string, withVars: boolean, explicitPlaybookDir: boolean): string {
  if (!inv.data.groups.has(start)) throw new OptionsError('Pattern must be valid group name when using --graph');
  const lines: string[] = [];
  const walk = (name: string, depth: number) => {
    const g = inv.data.groups.get(name)!;
    lines.push(graphName(`@${name}:`, depth));
    for (const kid of g.children) walk(kid.name, depth + 1);
    if (name !== 'all') {
      for (const h of g.hosts) {
        lines.push(graphName(h.name, depth + 1));
        if (withVars) lines.push(...showVars(publicVars(inv.hostVars(h.name)), depth + 2));
      }
    }
    if (withVars) {
      const vars = inv.groupVars(name, explicitPlaybookDir);
      if (g.priority !== 1) vars.ansible_group_priority = g.priority;
      lines.push(...showVars(publicVars(vars), depth + 1));
    }
  };
  walk(start, 0);
  return lines.join('\n');
}

/** Runs the command and returns what it prints on stdout; errors are thrown (LoadError, OptionsError). */
export async function runInventoryCli(argv: string[], env: { cwd: string; onWarning?: (m: string) => void }): Promise<string> {
  const opts = parseCli(argv);
  if (opts.help) return USAGE;
  const inv = await loadInventory(
    opts.sources.map((s) => (s.includes(',') && !existsSync(s) ? s : resolve(env.cwd, s))),
    // ansible-inventory reads group_vars/ and host_vars/ beside the current directory too.
    { playbookDir: resolve(env.cwd, opts.playbookDir ?? '.'), onWarning: env.onWarning },
  );
  if (opts.action === 'host') {
    const hosts = inv.select(opts.host!, opts.limit);
    if (hosts.length !== 1) throw new OptionsError('You must pass a single valid host to --host parameter');
    return toAnsibleJson(publicVars(inv.hostVars(hosts[0]!)));
  }
  if (opts.action === 'graph') return graph(inv, opts.pattern, opts.showVars, opts.playbookDir !== undefined);
  return toAnsibleJson(listInventory(inv, opts.limit));
}

async function main(argv: string[]): Promise<number> {
  try {
    const output = await runInventoryCli(argv, {
      // npm run starts scripts in the package root; INIT_CWD is where the user ran it.
      cwd: process.env.INIT_CWD ?? process.cwd(),
      onWarning: (m) => process.stderr.write(`[WARNING]: ${m}\n`),
    });
    process.stdout.write(output + '\n');
    return 0;
  } catch (e) {
    if (e instanceof LoadError || e instanceof OptionsError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`ERROR! ${(e as Error).message}\n`);
      return e instanceof LoadError ? 4 : 5;
    }
    throw e;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
