/**
 * What Hostwright says about the settings it leaves alone, one warning line for each kind:
 *
 * - An Ansible setting Hostwright does not use: ansible-core knows the name (ANSIBLE_PIPELINING,
 *   `[defaults] gathering`), set for Ansible, which shares the file and the shell with Hostwright.
 *   Named so nobody expects an effect; the run goes on as if it were unset.
 * - An unknown name: no setting of ansible-core has it (ANSIBLE_FROKS, `[defaults] frosk`). Most
 *   likely a typo, so the nearest real name is offered. A collection plugin's own option (say
 *   `[callback_profile_tasks]`) lands here too: ansible-core's list does not hold collections'.
 *
 * "ansible-core knows" means runner/ansible-settings.data.ts, generated from ansible-core 2.14's
 * `ansible-config list -t all` (base.yml and its builtin plugins' options). ANSIBLE_* variables
 * count when set and not empty, as the settings are read (ansible-cfg.ts).
 */
import { CALLBACK_SETTINGS, SETTINGS, type AnsibleConfig } from './ansible-cfg.js';
import { ANSIBLE_ENV_VARS, ANSIBLE_INI_KEYS } from './ansible-settings.data.js';

/** Variables Ansible reads that are no setting of its list: where the file is, a galaxy server's own keys. */
const READ_BESIDE_SETTINGS = /^ANSIBLE_CONFIG$|^ANSIBLE_GALAXY_SERVER_\w+$/;
/** Sections named by the user: `[galaxy_server.NAME]` (the galaxy_server_list's entries). */
const USER_NAMED_SECTION = /^galaxy_server\./;

const honouredEnv = new Set<string>([...SETTINGS, ...CALLBACK_SETTINGS].flatMap((d) => [...d.env]));
const knownEnv = new Set(ANSIBLE_ENV_VARS);
const knownIni = new Set(ANSIBLE_INI_KEYS);

export interface UnusedSettings {
  /** Ansible settings Hostwright does not use: the file's `section.key`s, then the variables. */
  ansibleFile: string[];
  ansibleEnv: string[];
  /** Names that are no Ansible setting. */
  unknownFile: string[];
  unknownEnv: string[];
}

/** The file's keys and the ANSIBLE_* variables Hostwright does not use, by kind. */
export function unusedSettings(config: AnsibleConfig, env: NodeJS.ProcessEnv): UnusedSettings {
  const variables = Object.keys(env)
    .filter((name) => name.startsWith('ANSIBLE_') && env[name] !== '' && !honouredEnv.has(name) && !READ_BESIDE_SETTINGS.test(name))
    .sort();
  const isKnownKey = (key: string) => knownIni.has(key) || USER_NAMED_SECTION.test(key);
  return {
    ansibleFile: config.ignored.filter(isKnownKey),
    ansibleEnv: variables.filter((name) => knownEnv.has(name)),
    unknownFile: config.ignored.filter((key) => !isKnownKey(key)),
    unknownEnv: variables.filter((name) => !knownEnv.has(name)),
  };
}

/** The warning lines (none, one or two) about settings Hostwright does not use. */
export function settingsWarnings(config: AnsibleConfig, env: NodeJS.ProcessEnv): string[] {
  const u = unusedSettings(config, env);
  const warnings: string[] = [];
  if (u.unknownEnv.length || u.unknownFile.length) {
    const named = [
      ...u.unknownEnv.map((name) => withGuess(name, ANSIBLE_ENV_VARS)),
      ...u.unknownFile.map((key) => `${withGuess(key, ANSIBLE_INI_KEYS)} in ${config.file}`),
    ];
    warnings.push(`Unknown settings, ignored (no setting of ansible-core 2.14 has these names): ${named.join(', ')}`);
  }
  const fromFile = u.ansibleFile.length ? `Hostwright does not use these settings of ${config.file}, ignored: ${u.ansibleFile.join(', ')}` : '';
  if (u.ansibleEnv.length) {
    const names = u.ansibleEnv.join(', ');
    warnings.push(fromFile ? `${fromFile}; nor these from the environment: ${names}` : `Hostwright does not use these Ansible settings from the environment, ignored: ${names}`);
  } else if (fromFile) {
    warnings.push(fromFile);
  }
  return warnings;
}

/** `name (did you mean NEAREST?)` when a known name is at most two edits away. */
function withGuess(name: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase(), bestDistance);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best ? `${name} (did you mean ${best}?)` : name;
}

/** Levenshtein distance, or `limit` as soon as it cannot be less. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    if (Math.min(...row) >= limit) return limit;
    previous = row;
  }
  return Math.min(previous[b.length]!, limit);
}
