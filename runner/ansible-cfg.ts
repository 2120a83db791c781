/**
 * The settings of Ansible's configuration Hostwright reads, each the way ansible/config/base.yml
 * defines it: its ANSIBLE_* variable, else its key in the [defaults] section of the first
 * ansible.cfg found the way Ansible looks (ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg,
 * /etc/ansible/ansible.cfg); the command-line flag beats both.
 *  - the connection timeout (DEFAULT_TIMEOUT): ANSIBLE_TIMEOUT, `timeout`, else 10 s (-T);
 *  - forks (DEFAULT_FORKS): ANSIBLE_FORKS, `forks`, else Hostwright's own default (-f; options.ts).
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { OptionsError } from './errors.js';

export const DEFAULT_TIMEOUT_SECONDS = 10;

export interface ConfigEnv {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Returns undefined when the file does not exist. */
  readFile?: (file: string) => string | undefined;
}

/** Ansible's config search order: the first file that exists is the only one read. */
export function configFile(e: ConfigEnv): { file: string; text: string } | undefined {
  const read = e.readFile ?? readIfExists;
  const candidates = [
    ...(e.env.ANSIBLE_CONFIG ? [path.resolve(e.cwd, e.env.ANSIBLE_CONFIG)] : []),
    path.join(e.cwd, 'ansible.cfg'),
    path.join(homedir(), '.ansible.cfg'),
    '/etc/ansible/ansible.cfg',
  ];
  for (const file of candidates) {
    const text = read(file);
    if (text !== undefined) return { file, text };
  }
  return undefined;
}

/** The configured connection timeout in seconds (not counting -T). */
export function configuredTimeoutSeconds(e: ConfigEnv): number {
  const fromEnv = e.env.ANSIBLE_TIMEOUT;
  if (fromEnv !== undefined && fromEnv !== '') return seconds(fromEnv, 'ANSIBLE_TIMEOUT');
  const cfg = configFile(e);
  const value = cfg ? iniValue(cfg.text, 'defaults', 'timeout') : undefined;
  return value === undefined ? DEFAULT_TIMEOUT_SECONDS : seconds(value, `timeout in ${cfg!.file}`);
}

/** The configured forks (not counting -f), or undefined when neither ANSIBLE_FORKS nor ansible.cfg sets them. */
export function configuredForks(e: ConfigEnv): number | undefined {
  const fromEnv = e.env.ANSIBLE_FORKS;
  if (fromEnv !== undefined && fromEnv !== '') return wholeNumber(fromEnv, 'ANSIBLE_FORKS', 'forks');
  const cfg = configFile(e);
  const value = cfg ? iniValue(cfg.text, 'defaults', 'forks') : undefined;
  return value === undefined ? undefined : wholeNumber(value, `forks in ${cfg!.file}`, 'forks');
}

function wholeNumber(text: string, where: string, what: string): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new OptionsError(`${where}: expected a whole number of ${what} (at least 1), got '${text.trim()}'`);
  return n;
}

function seconds(text: string, where: string): number {
  return wholeNumber(text, where, 'seconds');
}

/** A key of an INI section, as Python's configparser reads it (`key = value` or `key: value`, ; and # comments). */
export function iniValue(text: string, section: string, key: string): string | undefined {
  let current: string | undefined;
  let found: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = header[1]!.trim();
      continue;
    }
    const m = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (current === section && m && m[1]!.toLowerCase() === key) found = m[2]!.replace(/\s+[;#].*$/, '');
  }
  return found;
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
