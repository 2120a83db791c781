/**
 * Ansible's configuration, for the settings Hostwright has: the first ansible.cfg found the way
 * Ansible looks (ANSIBLE_CONFIG, ./ansible.cfg unless the directory is world-writable,
 * ~/.ansible.cfg, /etc/ansible/ansible.cfg) and the ANSIBLE_* variables, with Ansible's names,
 * types and precedence (ansible/config/base.yml, config/manager.py): the command line beats the
 * environment, which beats the file, which beats the default. runner/cli.ts applies the command
 * line on top; `--show-config` prints what was set and from where, as
 * `ansible-config dump --only-changed` does. What Hostwright does not use, from the file or the
 * environment, is named in a warning (settings-warnings.ts).
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { OptionsError } from './errors.js';

export const DEFAULT_TIMEOUT_SECONDS = 10;

export interface ConfigEnv {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Returns undefined when the file does not exist. */
  readFile?: (file: string) => string | undefined;
  /** Whether a directory is world-writable (./ansible.cfg is then not read). */
  worldWritable?: (dir: string) => boolean;
}

type SettingType = 'int' | 'bool' | 'string' | 'path' | 'pathlist' | 'list';
export type SettingValue = number | boolean | string | string[] | undefined;

interface SettingDef {
  /** Ansible's name for it (ansible-config's first column). */
  name: string;
  section: string;
  key: string;
  env: readonly string[];
  type: SettingType;
  default: SettingValue;
  /** What a whole number counts, for its error message. */
  unit?: string;
}

/** The settings Hostwright honours, as base.yml defines them. */
export const SETTINGS = [
  { name: 'DEFAULT_HOST_LIST', section: 'defaults', key: 'inventory', env: ['ANSIBLE_INVENTORY'], type: 'pathlist', default: ['/etc/ansible/hosts'] },
  { name: 'DEFAULT_FORKS', section: 'defaults', key: 'forks', env: ['ANSIBLE_FORKS'], type: 'int', default: 5, unit: 'forks' },
  { name: 'DEFAULT_REMOTE_USER', section: 'defaults', key: 'remote_user', env: ['ANSIBLE_REMOTE_USER'], type: 'string', default: undefined },
  { name: 'DEFAULT_PRIVATE_KEY_FILE', section: 'defaults', key: 'private_key_file', env: ['ANSIBLE_PRIVATE_KEY_FILE'], type: 'path', default: undefined },
  { name: 'HOST_KEY_CHECKING', section: 'defaults', key: 'host_key_checking', env: ['ANSIBLE_HOST_KEY_CHECKING'], type: 'bool', default: true },
  { name: 'DEFAULT_TIMEOUT', section: 'defaults', key: 'timeout', env: ['ANSIBLE_TIMEOUT'], type: 'int', default: DEFAULT_TIMEOUT_SECONDS, unit: 'seconds' },
  { name: 'DEFAULT_BECOME', section: 'privilege_escalation', key: 'become', env: ['ANSIBLE_BECOME'], type: 'bool', default: false },
  { name: 'DEFAULT_BECOME_METHOD', section: 'privilege_escalation', key: 'become_method', env: ['ANSIBLE_BECOME_METHOD'], type: 'string', default: 'sudo' },
  { name: 'DEFAULT_BECOME_USER', section: 'privilege_escalation', key: 'become_user', env: ['ANSIBLE_BECOME_USER'], type: 'string', default: 'root' },
  { name: 'DEFAULT_BECOME_ASK_PASS', section: 'privilege_escalation', key: 'become_ask_pass', env: ['ANSIBLE_BECOME_ASK_PASS'], type: 'bool', default: false },
  { name: 'ANSIBLE_NOCOLOR', section: 'defaults', key: 'nocolor', env: ['ANSIBLE_NOCOLOR', 'NO_COLOR'], type: 'bool', default: false },
  { name: 'ANSIBLE_FORCE_COLOR', section: 'defaults', key: 'force_color', env: ['ANSIBLE_FORCE_COLOR'], type: 'bool', default: false },
  { name: 'RETRY_FILES_ENABLED', section: 'defaults', key: 'retry_files_enabled', env: ['ANSIBLE_RETRY_FILES_ENABLED'], type: 'bool', default: false },
  { name: 'RETRY_FILES_SAVE_PATH', section: 'defaults', key: 'retry_files_save_path', env: ['ANSIBLE_RETRY_FILES_SAVE_PATH'], type: 'path', default: undefined },
  { name: 'DEFAULT_VERBOSITY', section: 'defaults', key: 'verbosity', env: ['ANSIBLE_VERBOSITY'], type: 'int', default: 0, unit: 'levels' },
  { name: 'DEFAULT_FORCE_HANDLERS', section: 'defaults', key: 'force_handlers', env: ['ANSIBLE_FORCE_HANDLERS'], type: 'bool', default: false },
  { name: 'TAGS_RUN', section: 'tags', key: 'run', env: ['ANSIBLE_RUN_TAGS'], type: 'list', default: [] },
  { name: 'TAGS_SKIP', section: 'tags', key: 'skip', env: ['ANSIBLE_SKIP_TAGS'], type: 'list', default: [] },
  // Read through the default callback's option of the same name (CALLBACK_SETTINGS); base.yml
  // has it too, so `ansible-config dump` lists it here as well.
  { name: 'DISPLAY_SKIPPED_HOSTS', section: 'defaults', key: 'display_skipped_hosts', env: ['ANSIBLE_DISPLAY_SKIPPED_HOSTS'], type: 'bool', default: true },
] as const satisfies readonly SettingDef[];

/**
 * Options of the default stdout callback, whose output Hostwright's text output is
 * (doc_fragments/default_callback.py): `ansible-config dump -t callback` lists them under
 * `default:`, by their lower-case names.
 */
export const CALLBACK_SETTINGS = [
  { name: 'display_ok_hosts', section: 'defaults', key: 'display_ok_hosts', env: ['ANSIBLE_DISPLAY_OK_HOSTS'], type: 'bool', default: true },
  { name: 'display_skipped_hosts', section: 'defaults', key: 'display_skipped_hosts', env: ['ANSIBLE_DISPLAY_SKIPPED_HOSTS'], type: 'bool', default: true },
] as const satisfies readonly SettingDef[];

export type SettingName = (typeof SETTINGS)[number]['name'];
export type CallbackSettingName = (typeof CALLBACK_SETTINGS)[number]['name'];

export interface Setting<N extends string = SettingName> {
  name: N;
  value: SettingValue;
  /** 'default', `env: NAME`, or the config file's path: ansible-config's origin column. */
  origin: string;
}

export interface AnsibleConfig {
  /** The config file read, if any. */
  file?: string;
  settings: Record<SettingName, Setting>;
  /** The default callback's options. */
  callback: Record<CallbackSettingName, Setting<CallbackSettingName>>;
  /** `section.key` of the file's keys Hostwright does not use (settings-warnings.ts names them). */
  ignored: string[];
}

/** Ansible's config search order: the first file that exists is the only one read. */
export function configFile(e: ConfigEnv): { file: string; text: string } | undefined {
  const read = e.readFile ?? readIfExists;
  const worldWritable = e.worldWritable ?? isWorldWritable;
  const candidates: string[] = [];
  if (e.env.ANSIBLE_CONFIG) {
    // A directory names its ansible.cfg (config/manager.py find_ini_config_file).
    const given = path.resolve(e.cwd, expandHome(e.env.ANSIBLE_CONFIG, e.env));
    candidates.push(isDirectory(given) ? path.join(given, 'ansible.cfg') : given);
  }
  // Anyone could have put an ansible.cfg in a world-writable directory: Ansible skips it.
  if (!worldWritable(e.cwd)) candidates.push(path.join(e.cwd, 'ansible.cfg'));
  candidates.push(path.join(e.env.HOME || homedir(), '.ansible.cfg'), '/etc/ansible/ansible.cfg');
  for (const file of candidates) {
    const text = read(file);
    if (text !== undefined) return { file, text };
  }
  return undefined;
}

/** Every setting Hostwright has, resolved: environment, else the config file, else Ansible's default. */
export function loadAnsibleConfig(e: ConfigEnv): AnsibleConfig {
  const found = configFile(e);
  const ini = found ? parseIni(found.text) : new Map<string, Map<string, string>>();
  const resolve = <N extends string>(def: SettingDef & { name: N }): Setting<N> => {
    const envName = def.env.find((n) => e.env[n] !== undefined && e.env[n] !== '');
    const fileValue = ini.get(def.section)?.get(def.key);
    if (envName !== undefined) {
      return { name: def.name, value: convert(def, e.env[envName]!, envName, e.cwd, e.env), origin: `env: ${envName}` };
    }
    if (found && fileValue !== undefined) {
      const where = `${def.key} in ${found.file}`;
      return { name: def.name, value: convert(def, fileValue, where, path.dirname(found.file), e.env), origin: found.file };
    }
    return { name: def.name, value: def.default, origin: 'default' };
  };
  const settings = Object.fromEntries(SETTINGS.map((def) => [def.name, resolve<SettingName>(def)])) as Record<SettingName, Setting>;
  const callback = Object.fromEntries(CALLBACK_SETTINGS.map((def) => [def.name, resolve<CallbackSettingName>(def)])) as AnsibleConfig['callback'];
  const known = new Set<string>([...SETTINGS, ...CALLBACK_SETTINGS].map((d) => `${d.section}.${d.key}`));
  const ignored = [...ini].flatMap(([section, keys]) => [...keys.keys()].map((k) => `${section}.${k}`)).filter((k) => !known.has(k));
  return { ...(found ? { file: found.file } : {}), settings, callback, ignored };
}

/** The configured connection timeout in seconds (not counting -T). */
export function configuredTimeoutSeconds(e: ConfigEnv): number {
  return loadAnsibleConfig(e).settings.DEFAULT_TIMEOUT.value as number;
}

/**
 * The configured forks (not counting -f), or undefined when neither ANSIBLE_FORKS nor ansible.cfg
 * sets them: Hostwright's own default then applies (options.ts DEFAULT_FORKS), not Ansible's 5.
 */
export function configuredForks(e: ConfigEnv): number | undefined {
  const forks = loadAnsibleConfig(e).settings.DEFAULT_FORKS;
  return forks.origin === 'default' ? undefined : (forks.value as number);
}

/**
 * `ansible-config dump --only-changed -t all` for what Hostwright has: one `NAME(origin) = value`
 * line per setting that does not come from its default, sorted by name, with CONFIG_FILE() among
 * them; then, when one of the default callback's options is set, its section as `-t all` prints
 * it (plain `dump --only-changed` prints the first part alone). Values are written as Python
 * prints them, so the lines can be compared with Ansible's.
 */
export function showConfig(config: AnsibleConfig): string {
  const changed = (settings: readonly Setting<string>[]) =>
    settings
      .filter((s) => s.origin !== 'default')
      .map((s) => `${s.name}(${s.origin}) = ${pythonText(s.value)}`)
      .sort();
  const base = [...changed(Object.values(config.settings)), `CONFIG_FILE() = ${config.file ?? 'None'}`].sort();
  const callback = changed(Object.values(config.callback));
  const sections = callback.length ? ['', 'CALLBACK:', '========', '', 'default:', '_______', ...callback] : [];
  return [...base, ...sections].map((l) => `${l}\n`).join('');
}

function pythonText(value: SettingValue): string {
  if (value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (Array.isArray(value)) return `[${value.map((v) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ')}]`;
  return String(value);
}

function convert(def: SettingDef, raw: string, where: string, baseDir: string, env: NodeJS.ProcessEnv): SettingValue {
  switch (def.type) {
    case 'bool':
      // ansible.module_utils.parsing.convert_bool.boolean(strict=False): anything else is false.
      return ['y', 'yes', 'on', '1', 'true', 't', '1.0'].includes(raw.trim().toLowerCase());
    case 'int': {
      const n = /^\s*[+-]?\d+\s*$/.test(raw) ? Number(raw) : NaN;
      const least = def.name === 'DEFAULT_VERBOSITY' ? 0 : 1;
      if (!Number.isSafeInteger(n) || n < least) {
        throw new OptionsError(`${where}: expected a whole number of ${def.unit ?? 'units'} (at least ${least}), got '${raw.trim()}'`);
      }
      return n;
    }
    case 'path':
      return resolvePath(raw, baseDir, env);
    case 'pathlist':
      return raw.split(',').map((p) => resolvePath(p.trim(), baseDir, env));
    case 'list':
      return raw.split(',').map((t) => unquote(t.trim()));
    case 'string':
      return unquote(raw);
  }
}

/** config/manager.py resolve_path: $VARS and ~ expanded, relative to the file's directory (or the cwd for the environment). */
function resolvePath(value: string, baseDir: string, env: NodeJS.ProcessEnv): string {
  const vars = value.replace(/\$(\w+)|\$\{(\w+)\}/g, (m, a: string | undefined, b: string | undefined) => env[(a ?? b)!] ?? m);
  return path.resolve(baseDir, expandHome(vars, env));
}

function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  return p === '~' || p.startsWith('~/') ? (env.HOME || homedir()) + p.slice(1) : p;
}

/** parsing/quoting.py unquote: one matching pair of outer quotes goes. */
function unquote(s: string): string {
  return s.length > 1 && s[0] === s.at(-1) && (s[0] === '"' || s[0] === "'") ? s.slice(1, -1) : s;
}

/**
 * The file as Python's configparser reads it with Ansible's options: `key = value` or
 * `key: value`, keys lower-cased, full-line `#`/`;` comments, inline comments only after
 * ` ;`, the last value of a repeated key winning. Section → key → value.
 */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      const name = header[1]!.trim();
      current = sections.get(name) ?? new Map<string, string>();
      sections.set(name, current);
      continue;
    }
    const m = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (current && m) current.set(m[1]!.toLowerCase(), m[2]!.replace(/\s+;.*$/, ''));
  }
  return sections;
}

/** A key of an INI section, as configparser reads it. */
export function iniValue(text: string, section: string, key: string): string | undefined {
  return parseIni(text).get(section)?.get(key);
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isWorldWritable(dir: string): boolean {
  try {
    return (statSync(dir).mode & 0o002) !== 0;
  } catch {
    return false;
  }
}
