/**
 * Reading inventory sources as InventoryManager.parse_source does: a directory is read entry by
 * entry (sorted, Ansible's ignore rules), a file is offered to the plugins in Ansible's order
 * (host list, executable script, YAML, INI) and the first that reads it wins. Unlike Ansible, a
 * source nothing can read is an error (Ansible only warns unless inventory_any_unparsed_is_failed),
 * because running a playbook against half an inventory is worse than stopping.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, openSync, readFileSync, readSync, closeSync, readdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { LoadError } from '../errors.js';
import { InventoryDataError, type InventoryData } from './data.js';
import { parseIni } from './ini.js';
import { parseAddress } from './ranges.js';
import { ParseFailure } from './source-error.js';
import { isTypedInventory } from './typed.js';
import { declaredKinds } from '../extra-vars.js';
import { isPlainObject, normalizeValue } from './values.js';
import { pyExt } from './vars-files.js';
import { loadYamlOrJson, parseJson } from './yaml-load.js';
import { parseYamlInventory, pyTypeName } from './yaml.js';

const run = promisify(execFile);

const REJECT_EXTS = ['.pyc', '.pyo', '.swp', '.bak', '~', '.rpm', '.md', '.txt', '.rst'];
const IGNORE_EXTS = [...REJECT_EXTS, '.orig', '.ini', '.cfg', '.retry'];
const YAML_EXTS = ['.yaml', '.yml', '.json'];
const TS_EXTS = ['.ts', '.mts', '.js', '.mjs'];

/** IGNORED in manager.py: dot files, host_vars, group_vars, vars_plugins, ignored extensions. */
export function isIgnoredInDirectory(name: string): boolean {
  if (name.startsWith('.') || ['host_vars', 'group_vars', 'vars_plugins'].includes(name)) return true;
  return IGNORE_EXTS.some((ext) => name.endsWith(ext));
}

interface Failure {
  plugin: string;
  error: ParseFailure;
}

export async function parseSource(inv: InventoryData, source: string): Promise<void> {
  if (source.includes(',') && !existsSync(source)) {
    inv.currentSource = { file: source, dir: null };
    parseHostList(inv, source);
    inv.currentSource = undefined;
    return;
  }
  const path = resolve(source);
  if (existsSync(path) && statSync(path).isDirectory()) {
    let parsedAny = false;
    for (const entry of readdirSync(path).sort()) {
      if (isIgnoredInDirectory(entry)) continue;
      await parseSource(inv, resolve(path, entry));
      parsedAny = true;
    }
    if (!parsedAny) throw new LoadError(`Unable to parse ${path} as an inventory source: the directory holds no inventory file`);
    return;
  }
  if (!existsSync(path)) throw new LoadError(`Unable to parse ${path} as an inventory source: no such file or directory`);
  inv.currentSource = { file: path, dir: dirname(path) };
  try {
    await parseFile(inv, path);
  } finally {
    inv.currentSource = undefined;
  }
}

async function parseFile(inv: InventoryData, path: string): Promise<void> {
  const ext = pyExt(path);
  const failures: Failure[] = [];
  let text = '';
  const attempt = async (plugin: string, parse: () => unknown): Promise<boolean> => {
    try {
      await parse();
      return true;
    } catch (e) {
      if (e instanceof ParseFailure) failures.push({ plugin, error: e });
      else if (e instanceof InventoryDataError) failures.push({ plugin, error: new ParseFailure(e.message) });
      else throw e;
      return false;
    }
  };
  if (ext === '.toml') {
    // Ansible's toml plugin reads these; Hostwright has no TOML reader yet. Say so plainly rather
    // than let the INI reader guess.
    throw new LoadError(`Unable to parse ${path} as an inventory source: TOML inventories are not supported yet`, { file: path, line: 1 });
  }
  if (TS_EXTS.includes(ext)) {
    if (await attempt('typescript', () => parseTypedInventory(inv, path))) return;
    // An executable .js may be a dynamic inventory script rather than a module.
    if (isScript(path) && (await attempt('script', () => parseScript(inv, path)))) return;
  } else {
    if (isScript(path) && (await attempt('script', () => parseScript(inv, path)))) return;
    text = readFileSync(path, 'utf8');
    if ((!ext || YAML_EXTS.includes(ext)) && (await attempt('yaml', () => parseYamlFile(inv, path, text)))) return;
    if (await attempt('ini', () => parseIni(inv, path, text))) return;
  }
  throw failureToError(path, ext, failures, text);
}

/**
 * One error, from the reader the file was most likely written for (Ansible prints every reader's
 * failure; the others are noise: an INI file is never valid YAML).
 */
function failureToError(path: string, ext: string, failures: Failure[], text: string): LoadError {
  const yamlLike = YAML_EXTS.includes(ext) || (!ext && /^(?:---|[\w.-]+:\s*(?:#.*)?$)/m.test(firstContentLine(text)));
  const preferred =
    failures.find((f) => f.plugin === 'typescript' || f.plugin === 'script') ??
    (yamlLike ? failures.find((f) => f.plugin === 'yaml') : undefined) ??
    failures.find((f) => f.plugin === 'ini') ??
    failures[0];
  if (!preferred) return new LoadError(`Unable to parse ${path} as an inventory source`, { file: path, line: 1 });
  const reason = preferred.error.message.replace(new RegExp(`^${escapeRegExp(path)}:\\d+(?::\\d+)?: `), '');
  const { line, column } = preferred.error;
  return new LoadError(`Failed to parse ${path} with ${preferred.plugin} plugin: ${reason}`, line ? { file: path, line, column } : { file: path, line: 1 });
}

function firstContentLine(text: string): string {
  return text.split('\n').find((l) => l.trim() && !/^\s*[#;]/.test(l)) ?? '';
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** host_list plugin: `-i 'web1,web2:2222,'`. */
function parseHostList(inv: InventoryData, source: string): void {
  for (const raw of source.split(',')) {
    const h = raw.trim();
    if (!h) continue;
    let host = h;
    let port: number | undefined;
    try {
      [host, port] = parseAddress(h);
    } catch {
      host = h;
      port = undefined;
    }
    if (!inv.hosts.has(host)) inv.addHost(host, 'ungrouped', port);
  }
}

function parseYamlFile(inv: InventoryData, path: string, text: string): void {
  const { data, warnings, locate } = loadYamlOrJson(text, path);
  try {
    parseYamlInventory(inv, data);
  } catch (e) {
    const pos = e instanceof ParseFailure && e.line === undefined && e.keyPath ? locate?.(e.keyPath) : undefined;
    if (pos) throw new ParseFailure(e instanceof Error ? e.message : String(e), pos.line, pos.col);
    throw e;
  }
  warnings.forEach((w) => inv.warn(w));
}

/** script plugin: readable and (executable or starting with #!). */
function isScript(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
  } catch {
    return false;
  }
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    const fd = openSync(path, 'r');
    const buf = Buffer.alloc(2);
    readSync(fd, buf, 0, 2, 0);
    closeSync(fd);
    return buf.toString() === '#!';
  }
}

/** Executable dynamic inventory: `script --list`, then `--host NAME` per host when no _meta. */
async function parseScript(inv: InventoryData, path: string): Promise<void> {
  let stdout: string;
  try {
    ({ stdout } = await run(path, ['--list'], { maxBuffer: 1 << 30 }));
  } catch (e) {
    const err = e as { code?: unknown; stderr?: string; message: string };
    if (typeof err.code === 'number') throw new ParseFailure(`Inventory script (${path}) had an execution error: ${err.stderr ?? ''}`);
    throw new ParseFailure(`problem running ${path} --list (${err.message})`);
  }
  let processed: unknown;
  try {
    processed = parseJson(stdout);
  } catch (e) {
    throw new ParseFailure(`failed to parse executable inventory script results from ${path}: ${(e as Error).message}`);
  }
  if (!isPlainObject(processed)) {
    throw new ParseFailure(`failed to parse executable inventory script results from ${path}: needs to be a json dict`);
  }
  const hosts = new Set<string>();
  let meta: unknown;
  for (const [group, gdata] of Object.entries(processed)) {
    if (group === '_meta') {
      if (isPlainObject(gdata) && 'hostvars' in gdata) meta = gdata.hostvars;
      continue;
    }
    parseScriptGroup(inv, group, gdata, hosts);
  }
  for (const host of hosts) {
    let got: unknown;
    if (meta === undefined) {
      const { stdout: out } = await run(path, ['--host', host], { maxBuffer: 1 << 30 });
      got = out.trim() === '' ? {} : loadYamlOrJson(out, path).data;
    } else {
      if (!isPlainObject(meta)) throw new ParseFailure(`Improperly formatted host information for ${host}: 'hostvars' is not a mapping`);
      got = meta[host] ?? {};
    }
    if (!isPlainObject(got)) throw new ParseFailure(`Invalid data from file, expected dictionary and got:\n\n${String(got)}`);
    for (const [k, v] of Object.entries(got)) inv.setVariable(host, k, v, got);
  }
}

function parseScriptGroup(inv: InventoryData, name: string, data: unknown, seen: Set<string>): void {
  const group = inv.addGroup(name);
  let spec: Record<string, unknown>;
  if (!isPlainObject(data)) spec = { hosts: data };
  else if (!['hosts', 'vars', 'children'].some((k) => k in data)) spec = { hosts: [group], vars: data };
  else spec = data;
  if ('hosts' in spec) {
    if (!Array.isArray(spec.hosts)) throw new ParseFailure(`You defined a group '${group}' with bad data for the host list:\n ${JSON.stringify(data)}`);
    for (const host of spec.hosts) {
      seen.add(String(host));
      inv.addHost(String(host), group);
    }
  }
  if ('vars' in spec) {
    if (!isPlainObject(spec.vars)) throw new ParseFailure(`You defined a group '${group}' with bad data for variables:\n ${JSON.stringify(data)}`);
    for (const [k, v] of Object.entries(spec.vars)) inv.setVariable(group, k, v, spec.vars);
  }
  if ('children' in spec && Array.isArray(spec.children)) {
    for (const child of spec.children) inv.addChild(group, inv.addGroup(String(child)));
  }
}

/** A .ts/.js inventory: `export default defineInventory({...})`, a plain spec, or a function. */
async function parseTypedInventory(inv: InventoryData, path: string): Promise<void> {
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (e) {
    throw new ParseFailure(`could not load the inventory module: ${(e as Error).message}`);
  }
  let spec: unknown = mod.default;
  const typed = isTypedInventory(spec);
  if (typed) spec = (spec as { spec: unknown }).spec;
  if (typeof spec === 'function') spec = await (spec as () => unknown)();
  if (!isPlainObject(spec)) {
    throw new ParseFailure(`the default export must be defineInventory({...}) or a function returning an inventory, got ${pyTypeName(spec)}`);
  }
  if (typed) declaredKinds(spec, inv.declaredKinds);
  // The reader rewrites string shorthands in place; keep the module's object untouched.
  parseYamlInventory(inv, normalizeValue(structuredClone(spec)));
}
