/**
 * The command line of a playbook file: `npx tsx playbooks/site.ts [flags]`, with
 * ansible-playbook's flags and meanings, parsed into RunOptions.
 *
 * node:util parseArgs tokenizes (clusters like -Cvv, -f5, --forks=5, `--` handling, unknown flags)
 * and we walk its tokens in order through one table, so repeated and aliased flags combine the way
 * Ansible combines them: -i/-t/--skip-tags/-e accumulate (later extra vars win), -v counts, other
 * values keep the last one. Every mistake is an OptionsError: one line, exit 5.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadAnsibleConfig, showConfig, type AnsibleConfig } from './ansible-cfg.js';
import { OptionsError } from './errors.js';
import type { Reporter } from './events.js';
import { Masker } from './mask.js';
import { DEFAULT_FORKS, defaultRunOptions, type RunOptions } from './options.js';
import { chooseReporter, type ReporterIO } from './report/choose.js';
import { EXIT, exitCodeForError, isExpectedError } from './report/exit-codes.js';
import { colorLevel, createStyle } from './report/style.js';
import { formatFatalError } from './report/text.js';
import { lazyRequire } from './lazy.js';
import { secret, type Secret } from './secret.js';
import { settingsWarnings } from './settings-warnings.js';

/** Only -e with YAML/JSON or @file needs a YAML parser. */
const yaml = lazyRequire<typeof import('yaml')>('yaml');

/** What the command line asks for. */
export type CliCommand =
  | { action: 'help' }
  | { action: 'version' }
  /** --show-config: the settings ansible.cfg and ANSIBLE_* gave, ansible-config dump style. */
  | { action: 'show-config'; text: string }
  | {
      action: 'run';
      options: RunOptions;
      /** --syntax-check: load and validate the playbook, contact no host. */
      syntaxCheck: boolean;
      /** -K: prompt for the become password before running (see promptBecomePassword). */
      askBecomePass: boolean;
      /** What to warn about before the run (settings of ansible.cfg and ANSIBLE_* Hostwright ignores). */
      warnings: string[];
      /** The ansible.cfg read, if any: -v names it first, as ansible-playbook does. */
      configFile: string | undefined;
    };

export interface CliEnv {
  /** Where relative @file extra-vars paths resolve. @default process.cwd() */
  cwd?: string;
  /** Reads an @file. @default fs.readFileSync(path, 'utf8') */
  readFile?: (file: string) => string;
  /** Where ANSIBLE_CONFIG and the other ANSIBLE_* settings are read. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** The most -v that means anything here (connection debugging). */
export const MAX_VERBOSITY = 4;

interface Parsed {
  options: RunOptions;
  help: boolean;
  version: boolean;
  syntaxCheck: boolean;
  askBecomePass: boolean;
  showConfig: boolean;
  /** Flags given, by long name: a flag given replaces the configured value, even a list. */
  given: Set<string>;
}

interface Flag {
  long: string;
  short?: string;
  /** Other long names Ansible accepts for the same flag. */
  aliases?: string[];
  /** Placeholder for --help; a flag with one takes a value. */
  arg?: string;
  help: string;
  apply(p: Parsed, value: string, env: Required<CliEnv>): void;
}

const FLAGS: Flag[] = [
  {
    long: 'inventory', short: 'i', aliases: ['inventory-file'], arg: 'INVENTORY',
    help: 'inventory host path or comma separated host list (repeatable)',
    // A comma makes it a host list; anything else is a path (cli/__init__.py post_process_args).
    apply: (p, v, env) => void p.options.inventory.push(v.includes(',') ? v : unfrackPath(v, env.cwd)),
  },
  {
    long: 'limit', short: 'l', arg: 'SUBSET', help: 'further limit selected hosts to an additional pattern',
    apply: (p, v) => void (p.options.limit = v),
  },
  {
    long: 'tags', short: 't', arg: 'TAGS', help: 'only run plays and tasks tagged with these values (comma list, repeatable)',
    apply: (p, v) => addTags(p.options.tags, v),
  },
  {
    long: 'skip-tags', arg: 'SKIP_TAGS', help: 'only run plays and tasks whose tags do not match these values',
    apply: (p, v) => addTags(p.options.skipTags, v),
  },
  {
    long: 'check', short: 'C', help: "don't make any changes; show what would change",
    apply: (p) => void (p.options.check = true),
  },
  {
    long: 'diff', short: 'D', help: 'show the differences in changed files and templates',
    apply: (p) => void (p.options.diff = true),
  },
  {
    long: 'forks', short: 'f', arg: 'FORKS', help: `how many hosts to work on at once (default=${DEFAULT_FORKS}, or ANSIBLE_FORKS / ansible.cfg's forks)`,
    apply: (p, v) => void (p.options.forks = positiveInt('forks', v)),
  },
  {
    long: 'extra-vars', short: 'e', arg: 'EXTRA_VARS',
    help: 'set additional variables as key=value or YAML/JSON, if filename prepend with @ (repeatable)',
    apply: (p, v, env) => {
      const vars = parseExtraVars(v, env);
      Object.assign(p.options.extraVars, vars);
      // `k=v` values are text; a later JSON/YAML -e for the same name gives it a type.
      const text = isKeyValueForm(v);
      p.options.extraVarsFromText = [...p.options.extraVarsFromText.filter((k) => !(k in vars)), ...(text ? Object.keys(vars) : [])];
    },
  },
  {
    long: 'become', short: 'b', help: 'run operations with become (does not imply password prompting)',
    apply: (p) => void (p.options.become = true),
  },
  {
    long: 'become-user', arg: 'BECOME_USER', help: 'run operations as this user (default=root)',
    apply: (p, v) => void (p.options.becomeUser = v),
  },
  {
    long: 'ask-become-pass', short: 'K', help: 'ask for privilege escalation password',
    apply: (p) => void (p.askBecomePass = true),
  },
  {
    long: 'user', short: 'u', arg: 'REMOTE_USER', help: 'connect as this user (default=None)',
    apply: (p, v) => void (p.options.user = v),
  },
  {
    long: 'private-key', aliases: ['key-file'], arg: 'PRIVATE_KEY_FILE', help: 'use this file to authenticate the connection',
    apply: (p, v, env) => void (p.options.privateKey = unfrackPath(v, env.cwd)),
  },
  {
    long: 'timeout', short: 'T', arg: 'TIMEOUT', help: 'override the connection timeout in seconds (default=10)',
    apply: (p, v) => void (p.options.connectTimeoutMs = positiveInt('timeout', v) * 1000),
  },
  {
    long: 'list-hosts', help: 'outputs a list of matching hosts; does not execute anything else',
    apply: (p) => void (p.options.listHosts = true),
  },
  {
    long: 'list-tasks', help: 'list all tasks that would be executed',
    apply: (p) => void (p.options.listTasks = true),
  },
  { long: 'list-tags', help: 'list all available tags', apply: (p) => void (p.options.listTags = true) },
  {
    long: 'start-at-task', arg: 'START_AT_TASK', help: 'start the playbook at the task matching this name',
    apply: (p, v) => void (p.options.startAtTask = v),
  },
  {
    long: 'force-handlers', help: 'run handlers even if a task fails',
    apply: (p) => void (p.options.forceHandlers = true),
  },
  {
    long: 'syntax-check', help: 'perform a syntax check on the playbook, but do not execute it',
    apply: (p) => void (p.syntaxCheck = true),
  },
  {
    long: 'verbose', short: 'v', help: 'more output; repeat (-vvv) for more, up to -vvvv',
    apply: (p) => void (p.options.verbosity = Math.min(MAX_VERBOSITY, p.options.verbosity + 1)),
  },
  { long: 'json', help: 'write one JSON event per line instead of text', apply: (p) => void (p.options.json = true) },
  {
    long: 'step', help: 'one-step-at-a-time: confirm each task before running',
    apply: (p) => void (p.options.step = true),
  },
  {
    long: 'show-config', help: 'show the settings ansible.cfg and ANSIBLE_* variables give, and where each comes from; run nothing',
    apply: (p) => void (p.showConfig = true),
  },
  {
    long: 'profile', help: 'after the recap, the slowest tasks, each host\'s time and the run\'s (like the profile_tasks and timer callbacks)',
    apply: (p) => void (p.options.profile = true),
  },
  { long: 'help', short: 'h', help: 'show this help message and exit', apply: (p) => void (p.help = true) },
  { long: 'version', help: "show the program's version and exit", apply: (p) => void (p.version = true) },
];

const byName = new Map<string, Flag>();
for (const flag of FLAGS) for (const name of [flag.long, ...(flag.aliases ?? [])]) byName.set(name, flag);

const parseArgsOptions = Object.fromEntries(
  [...byName].map(([name, flag]) => [
    name,
    {
      type: flag.arg ? ('string' as const) : ('boolean' as const),
      multiple: true,
      ...(flag.short && name === flag.long ? { short: flag.short } : {}),
    },
  ]),
);

/** argv (without node and the script) → what to do. Throws OptionsError on any bad flag or value. */
export function parseCli(argv: readonly string[], env: CliEnv = {}): CliCommand {
  const fullEnv: Required<CliEnv> = {
    cwd: env.cwd ?? process.cwd(),
    readFile: env.readFile ?? ((file) => readFileSync(file, 'utf8')),
    env: env.env ?? process.env,
  };
  let tokens;
  try {
    ({ tokens } = parseArgs({ args: [...argv], options: parseArgsOptions, strict: true, allowPositionals: false, tokens: true }));
  } catch (e) {
    throw new OptionsError(`${(e as Error).message.replace(/\s*\n\s*/g, ' ')} (see --help)`);
  }
  const parsed: Parsed = {
    options: defaultRunOptions(),
    help: false,
    version: false,
    syntaxCheck: false,
    askBecomePass: false,
    showConfig: false,
    given: new Set(),
  };
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const flag = byName.get(token.name)!;
    flag.apply(parsed, token.value ?? '', fullEnv);
    parsed.given.add(flag.long);
  }
  if (parsed.help) return { action: 'help' };
  if (parsed.version) return { action: 'version' };
  const config = loadAnsibleConfig({ cwd: fullEnv.cwd, env: fullEnv.env });
  if (parsed.showConfig) return { action: 'show-config', text: showConfig(config) };
  applyConfig(parsed, config);
  return {
    action: 'run',
    options: parsed.options,
    syntaxCheck: parsed.syntaxCheck,
    askBecomePass: parsed.askBecomePass,
    warnings: settingsWarnings(config, fullEnv.env),
    configFile: config.file,
  };
}

/**
 * The configuration under the command line: each setting counts only where its flag was not
 * given (ansible-playbook's flags take their defaults from the same settings).
 */
function applyConfig(p: Parsed, config: AnsibleConfig): void {
  const s = config.settings;
  const o = p.options;
  const unless = (flag: string, set: () => void) => {
    if (!p.given.has(flag)) set();
  };
  unless('inventory', () => {
    const sources = s.DEFAULT_HOST_LIST.value as string[];
    // The default /etc/ansible/hosts only when it exists, as the inventory CLI does.
    o.inventory = s.DEFAULT_HOST_LIST.origin === 'default' ? sources.filter((f) => existsSync(f)) : [...sources];
  });
  // Unset, forks keep Hostwright's own default (options.ts), not Ansible's 5.
  unless('forks', () => {
    if (s.DEFAULT_FORKS.origin !== 'default') o.forks = s.DEFAULT_FORKS.value as number;
  });
  unless('user', () => {
    if (s.DEFAULT_REMOTE_USER.value !== undefined) o.user = s.DEFAULT_REMOTE_USER.value as string;
  });
  unless('private-key', () => {
    if (s.DEFAULT_PRIVATE_KEY_FILE.value !== undefined) o.privateKey = s.DEFAULT_PRIVATE_KEY_FILE.value as string;
  });
  unless('timeout', () => void (o.connectTimeoutMs = (s.DEFAULT_TIMEOUT.value as number) * 1000));
  unless('become', () => void (o.become = s.DEFAULT_BECOME.value as boolean));
  unless('become-user', () => {
    if (s.DEFAULT_BECOME_USER.origin !== 'default') o.becomeUser = s.DEFAULT_BECOME_USER.value as string;
  });
  unless('ask-become-pass', () => void (p.askBecomePass = s.DEFAULT_BECOME_ASK_PASS.value as boolean));
  unless('verbose', () => void (o.verbosity = Math.min(MAX_VERBOSITY, s.DEFAULT_VERBOSITY.value as number)));
  unless('force-handlers', () => void (o.forceHandlers = s.DEFAULT_FORCE_HANDLERS.value as boolean));
  unless('tags', () => addTags(o.tags, (s.TAGS_RUN.value as string[]).join(',')));
  unless('skip-tags', () => addTags(o.skipTags, (s.TAGS_SKIP.value as string[]).join(',')));
  if (s.DEFAULT_BECOME_METHOD.origin !== 'default') o.becomeMethod = s.DEFAULT_BECOME_METHOD.value as string;
  // Only an explicit setting is passed on: unset, the connection keeps reading the host's vars
  // and ssh's own StrictHostKeyChecking.
  if (s.HOST_KEY_CHECKING.origin !== 'default') o.hostKeyChecking = s.HOST_KEY_CHECKING.value as boolean;
  // force_color wins over nocolor (ansible/utils/color.py). NO_COLOR, which Ansible also reads as
  // nocolor, is left to colorLevel, where Node's FORCE_COLOR beats it as before.
  if (s.ANSIBLE_FORCE_COLOR.value === true) o.color = true;
  else if (s.ANSIBLE_NOCOLOR.value === true && s.ANSIBLE_NOCOLOR.origin !== 'env: NO_COLOR') o.color = false;
  o.displayOkHosts = config.callback.display_ok_hosts.value as boolean;
  o.displaySkippedHosts = config.callback.display_skipped_hosts.value as boolean;
  if (s.RETRY_FILES_ENABLED.value === true) {
    const savePath = s.RETRY_FILES_SAVE_PATH.value as string | undefined;
    o.retryFiles = savePath === undefined ? {} : { savePath };
  }
}

/** Ansible splits --tags/--skip-tags values on commas and trims them; a tag counts once. */
function addTags(list: string[], value: string): void {
  for (const tag of value.split(',').map((t) => t.trim())) {
    if (tag !== '' && !list.includes(tag)) list.push(tag);
  }
}

/** ansible.utils.path.unfrackpath: ~ and $VARS expanded, made absolute against the cwd. */
export function unfrackPath(value: string, cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const vars = value.replace(/\$(\w+)|\$\{(\w+)\}/g, (m, a: string | undefined, b: string | undefined) => env[(a ?? b)!] ?? m);
  const home = vars === '~' || vars.startsWith('~/') ? homedir() + vars.slice(1) : vars;
  return path.resolve(cwd, home);
}

function positiveInt(name: string, value: string): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new OptionsError(`argument --${name}: invalid int value: '${value}'`);
  if (n < 1) throw new OptionsError(`argument --${name}: must be at least 1, got ${n}`);
  return n;
}

/** `-e a=1 b=2` (not `@file`, JSON or YAML): parseExtraVars gives strings. */
function isKeyValueForm(value: string): boolean {
  return value !== '' && !value.startsWith('@') && !value.startsWith('{') && !value.startsWith('[');
}

/**
 * One -e value, as ansible/utils/vars.py load_extra_vars reads it: `@file` (YAML or JSON), an
 * inline YAML/JSON mapping starting with `{` (or `[`, which then fails as not a mapping),
 * otherwise `key=value` pairs (parsing/splitter.py parse_kv). A bare path asks for the `@`.
 */
export function parseExtraVars(value: string, env: CliEnv = {}): Record<string, unknown> {
  if (value === '') return {};
  let data: unknown;
  if (value.startsWith('@')) {
    const file = path.resolve(env.cwd ?? process.cwd(), value.slice(1));
    let text: string;
    try {
      text = (env.readFile ?? ((f: string) => readFileSync(f, 'utf8')))(file);
    } catch (e) {
      throw new OptionsError(`extra vars file '${value.slice(1)}' could not be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    data = loadYaml(text, value);
  } else if (value.startsWith('/') || value.startsWith('.')) {
    throw new OptionsError(`Please prepend extra_vars filename '${value}' with '@'`);
  } else if (value.startsWith('{') || value.startsWith('[')) {
    data = loadYaml(value, value);
  } else {
    data = parseKeyValues(value);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new OptionsError(`Invalid extra vars data supplied. '${value}' could not be made into a dictionary`);
  }
  return data as Record<string, unknown>;
}

function loadYaml(text: string, what: string): unknown {
  try {
    // PyYAML reads YAML 1.1 (yes/no booleans, 0755 octals); so must we to agree with Ansible.
    return yaml().parse(text, { version: '1.1' }) ?? {};
  } catch (e) {
    throw new OptionsError(`extra vars '${what}' is not valid YAML/JSON: ${(e as Error).message.split('\n')[0]}`);
  }
}

/**
 * `a=1 b="two words" c='x=y'` → { a: '1', b: 'two words', c: 'x=y' }: split on blanks outside
 * quotes, Python escapes (\n, \t, \uXXXX ...) decoded, the value's surrounding quotes removed.
 * Values stay strings, as in Ansible. Unlike Ansible, which files a word without `=` under
 * `_raw_params`, such a word is an error here: it is always a typo on a command line.
 */
export function parseKeyValues(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const word of splitWords(text)) {
    const decoded = decodeEscapes(word);
    const eq = findUnescapedEquals(decoded);
    if (eq <= 0) throw new OptionsError(`extra vars: expected key=value, got '${word}'`);
    result[decoded.slice(0, eq).trim()] = unquote(decoded.slice(eq + 1).trim());
  }
  return result;
}

/** parsing/splitter.py split_args without the Jinja2 parts: blanks inside quotes don't split. */
function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote === undefined && (ch === ' ' || ch === '\n' || ch === '\t')) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    word += ch;
    if ((ch === '"' || ch === "'") && text[i - 1] !== '\\') {
      if (quote === undefined) quote = ch;
      else if (quote === ch) quote = undefined;
    }
  }
  if (quote !== undefined) throw new OptionsError(`extra vars: unbalanced quotes in '${text}'`);
  if (inWord) words.push(word);
  return words;
}

function findUnescapedEquals(s: string): number {
  for (let i = 1; i < s.length; i++) if (s[i] === '=' && s[i - 1] !== '\\') return i;
  return -1;
}

/** parsing/quoting.py unquote: only a matching pair of outer quotes goes. */
function unquote(s: string): string {
  const quoted = s.length > 1 && s[0] === s.at(-1) && (s[0] === '"' || s[0] === "'") && s.at(-2) !== '\\';
  return quoted ? s.slice(1, -1) : s;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};

/** splitter.py _decode_escapes: Python's unicode-escape sequences. */
function decodeEscapes(s: string): string {
  return s.replace(/\\(U[0-9a-fA-F]{8}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[\\'"abfnrtv])/g, (_m, seq: string) =>
    seq.length === 1 ? SIMPLE_ESCAPES[seq]! : String.fromCodePoint(Number.parseInt(seq.slice(1), 16)),
  );
}

/** --help. */
export function helpText(program: string = 'npx tsx <playbook.ts>'): string {
  const rows = FLAGS.map((f) => {
    const names = [
      ...(f.short ? [`-${f.short}${f.arg ? ` ${f.arg}` : ''}`] : []),
      `--${f.long}${f.arg ? ` ${f.arg}` : ''}`,
      ...(f.aliases ?? []).map((a) => `--${a}${f.arg ? ` ${f.arg}` : ''}`),
    ].join(', ');
    return names.length <= 24 ? `  ${names.padEnd(26)}${f.help}` : `  ${names}\n  ${' '.repeat(26)}${f.help}`;
  });
  return [
    `usage: ${program} [options]`,
    '',
    'Runs this playbook on the targeted hosts, like ansible-playbook.',
    '',
    'options:',
    ...rows,
    '',
    'Exit codes: 0 ok, 1 error, 2 failed hosts, 4 unreachable hosts or a playbook that does not load,',
    '5 bad options, 99 interrupted, 250 unexpected error.',
    '',
  ].join('\n');
}

export interface CliIO extends ReporterIO {
  stdin: NodeJS.ReadStream;
  cwd: string;
}

/** What runCli hands to the code that runs the playbook. */
export interface RunRequest {
  options: RunOptions;
  syntaxCheck: boolean;
  reporter: Reporter;
  /**
   * The run's masker, already holding the -K password. Register every other secret value met
   * during the run (vault values, ansible_become_password) here so every reporter masks it.
   */
  masker: Masker;
}

function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}

/**
 * The whole command line around a run: parse the flags, answer --help/--version, prompt for -K,
 * pick the reporter, run, and turn what happened into ansible-playbook's exit code. Errors are
 * printed as one `ERROR! ...` line on stderr (no stack trace unless -vvv for unexpected ones).
 */
export async function runCli(argv: readonly string[], run: (request: RunRequest) => Promise<number>, io: CliIO = processIO()): Promise<number> {
  let errStyle = createStyle(colorLevel(io.env, io.stderr.isTTY === true));
  const masker = new Masker();
  ignoreClosedPipe(io.stdout);
  ignoreClosedPipe(io.stderr);
  let verbosity = 0;
  try {
    const command = parseCli(argv, { cwd: io.cwd, env: io.env });
    if (command.action === 'help') {
      io.stdout.write(helpText(programName(io.cwd)));
      return EXIT.OK;
    }
    if (command.action === 'version') {
      io.stdout.write(`hostwright ${packageVersion()}\n`);
      return EXIT.OK;
    }
    if (command.action === 'show-config') {
      io.stdout.write(command.text);
      return EXIT.OK;
    }
    const { options } = command;
    verbosity = options.verbosity;
    errStyle = createStyle(colorLevel(io.env, io.stderr.isTTY === true, options.color));
    // Ansible asks for passwords only when it will run something.
    const listing = options.listHosts || options.listTasks || options.listTags || command.syntaxCheck;
    if (command.askBecomePass && !listing) {
      options.becomePassword = await promptBecomePassword(io);
    }
    if (options.becomePassword) masker.add(options.becomePassword);
    const reporter = chooseReporter(options, io, masker);
    // cli/__init__.py CLI.run(): the first thing -v shows.
    const configLine = command.configFile ? `Using ${command.configFile} as config file` : 'No config file found; using defaults';
    if (options.verbosity >= 1) reporter.emit({ type: 'verbose', level: 1, message: configLine });
    for (const message of command.warnings) reporter.emit({ type: 'warning', message });
    try {
      return await run({ options, syntaxCheck: command.syntaxCheck, reporter, masker });
    } finally {
      await reporter.close();
    }
  } catch (error) {
    const code = exitCodeForError(error);
    if (code === EXIT.INTERRUPTED) {
      io.stderr.write(`${errStyle.paint('error', ' [ERROR]: User interrupted execution')}\n`);
      return code;
    }
    const expected = isExpectedError(error);
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(formatFatalError(expected ? message : `Unexpected Exception, this is probably a bug: ${message}`, errStyle, masker));
    if (!expected && error instanceof Error && error.stack) {
      io.stderr.write(verbosity > 2 ? `${masker.mask(error.stack)}\n` : 'to see the full traceback, use -vvv\n');
    }
    return code;
  }
}

/**
 * `playbook.ts | head` closes the pipe early: the run goes on (hosts must not be left half done),
 * the rest of the output goes nowhere, instead of an EPIPE crash.
 */
function ignoreClosedPipe(stream: NodeJS.WriteStream): void {
  if (typeof stream.on !== 'function') return;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
}

/** -K: Ansible's "BECOME password: " prompt, read without echo. */
export async function promptBecomePassword(io: Pick<CliIO, 'stdin' | 'stderr'>): Promise<Secret<string>> {
  return secret(await promptHidden('BECOME password: ', io.stdin, io.stderr));
}

/**
 * Read a line without echoing it: raw mode on a terminal (like getpass), a plain line otherwise
 * (`printf 'pw\\n' | playbook -K`, as getpass falls back to stdin). Ctrl-C rejects with an
 * AbortError (exit 99).
 */
export function promptHidden(question: string, input: NodeJS.ReadStream, output: NodeJS.WritableStream): Promise<string> {
  output.write(question);
  if (!input.isTTY) {
    return new Promise((resolve) => {
      const rl = createInterface({ input, terminal: false });
      let answered = false;
      rl.once('line', (line) => {
        answered = true;
        rl.close();
        output.write('\n');
        resolve(line);
      });
      rl.once('close', () => {
        if (!answered) resolve('');
      });
    });
  }
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (data: Buffer): void => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        if (ch === '\u0003') return finish(Object.assign(new Error('User interrupted execution'), { name: 'AbortError' }));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    input.setRawMode(true);
    input.resume();
    input.on('data', onData);
  });
}

/** How the user started us, for the usage line: `npx tsx playbooks/site.ts`. */
function programName(cwd: string): string | undefined {
  const script = process.argv[1];
  return script ? `npx tsx ${path.relative(cwd, script) || script}` : undefined;
}

/** package.json is one level up from runner/cli.ts, two from the installed package's dist/runner/cli.js. */
function packageVersion(): string {
  for (const up of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'hostwright') return pkg.version ?? 'unknown';
    } catch {
      // not this one
    }
  }
  return 'unknown';
}
