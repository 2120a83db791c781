/**
 * What command and shell share: the creates/removes probe (globs, relative to chdir, as Ansible's
 * `glob.glob` after `os.chdir`), the plan (skip, or run and capture), and for command the
 * conversion of a command line to argv without a shell (Python's shlex.split), with Ansible's
 * expansion of `~` and `$VAR` in each word (run_command's expand_user_and_vars).
 */
import path from 'node:path';
import type { Effect, Plan, Predicted, Probe, RunAction } from '../../runner/module.types.js';
import { quote, sh } from '../../runner/shell.js';
import { IN_BATCH_SHELL, parseProbe, runProbe } from './probe.js';

export interface CommandCommon {
  /** Change into this directory before running (creates/removes are relative to it too). @default none */
  chdir?: string;
  /** A path or glob; when it matches, the command is not run. @default none */
  creates?: string;
  /** A path or glob; when it matches nothing, the command is not run. @default none */
  removes?: string;
  /** Data written to the command's stdin. @default none */
  stdin?: string;
  /** Append a newline to stdin. @default true */
  stdin_add_newline?: boolean;
}

export interface CommandState {
  chdirMissing?: boolean;
  createsFound?: boolean;
  removesFound?: boolean;
}

/**
 * One probe for chdir/creates/removes; none at all when they are not given. Without chdir it
 * leaves the shell as it found it (IFS put back), so it may run in a batch's own shell.
 */
export function commandProbeScript(p: CommandCommon): string | undefined {
  if (p.creates === undefined && p.removes === undefined) return undefined;
  const lines: string[] = [];
  if (p.chdir !== undefined) lines.push(sh`cd -- ${p.chdir} 2>/dev/null || { echo chdir missing; exit 0; }`);
  // Unquoted expansion with IFS empty: pathname expansion only, no word splitting.
  lines.push('o=$IFS; IFS=');
  const glob = (key: string, pattern: string): string =>
    sh`g=${pattern}; r=no; for f in $g; do if [ -e "$f" ] || [ -L "$f" ]; then r=yes; break; fi; done; echo ${key} "$r"`;
  if (p.creates !== undefined) lines.push(glob('creates', p.creates));
  if (p.removes !== undefined) lines.push(glob('removes', p.removes));
  lines.push('IFS=$o');
  return lines.join('\n');
}

export function parseCommandProbe(out: string): CommandState {
  const { fields } = parseProbe(Buffer.from(out));
  const state: CommandState = {};
  if (fields.get('chdir') === 'missing') state.chdirMissing = true;
  if (fields.has('creates')) state.createsFound = fields.get('creates') === 'yes';
  if (fields.has('removes')) state.removesFound = fields.get('removes') === 'yes';
  return state;
}

/** The gather of command and shell: at most one read-only command, none without creates/removes. */
export async function gatherCommand(p: CommandCommon, probe: Probe): Promise<CommandState> {
  const script = commandProbeScript(p);
  if (!script) return {};
  const what = [p.chdir, p.creates, p.removes].filter((x) => x !== undefined).join(', ');
  return parseCommandProbe((await runProbe(probe, script, what, p.chdir === undefined ? IN_BATCH_SHELL : undefined)).stdout);
}

/** Skip, fail or run-and-capture `script` (the command itself, without chdir). */
export function planCommand(p: CommandCommon, state: CommandState, script: string, cmd: unknown): Plan {
  const result = { cmd };
  if (state.chdirMissing) return { changed: false, actions: [], failed: `Unable to change directory before execution: ${p.chdir}`, result };
  if (state.createsFound) {
    return {
      changed: false,
      actions: [],
      summary: `Did not run command since '${p.creates}' exists`,
      result: { ...result, rc: 0, stdout: `skipped, since ${p.creates} exists`, msg: `Did not run command since '${p.creates}' exists` },
    };
  }
  if (p.removes !== undefined && state.removesFound === false) {
    return {
      changed: false,
      actions: [],
      summary: `Did not run command since '${p.removes}' does not exist`,
      result: { ...result, rc: 0, stdout: `skipped, since ${p.removes} does not exist`, msg: `Did not run command since '${p.removes}' does not exist` },
    };
  }
  const full = p.chdir !== undefined ? `${sh`cd -- ${p.chdir} || exit 1`}\n${script}` : script;
  const action: RunAction = { kind: 'run', script: full, capture: true, describe: typeof cmd === 'string' ? cmd : JSON.stringify(cmd) };
  if (p.stdin !== undefined) action.stdin = p.stdin + (p.stdin_add_newline === false ? '' : '\n');
  // What running it leaves is known only for creates/removes: the rest of its work is not predicted.
  const effects: Effect[] = [];
  const created = literalPath(p.creates, p.chdir);
  const removed = literalPath(p.removes, p.chdir);
  if (created !== undefined) effects.push({ kind: 'path', path: created, state: 'exists' });
  if (removed !== undefined) effects.push({ kind: 'path', path: removed, state: 'absent' });
  return {
    changed: true,
    actions: [action],
    // Without creates/removes nothing tells whether running is needed: check mode says "would run".
    nonIdempotent: p.creates === undefined && p.removes === undefined,
    result,
    ...(effects.length > 0 ? { effects } : {}),
  };
}

/** A creates/removes that names one path (no glob), absolute (relative ones are under chdir). */
function literalPath(pattern: string | undefined, chdir: string | undefined): string | undefined {
  if (pattern === undefined || /[*?[]/.test(pattern)) return undefined;
  if (pattern.startsWith('/')) return pattern;
  return chdir?.startsWith('/') ? path.posix.join(chdir, pattern) : undefined;
}

/**
 * Check mode: creates/removes (when they name one path) and chdir as earlier tasks would leave
 * them; a glob is matched against what was observed only.
 */
export function overlayCommand(s: CommandState, predicted: Predicted, p: CommandCommon): CommandState {
  const next = { ...s };
  if (p.chdir?.startsWith('/')) {
    const dir = predicted.path(p.chdir);
    if (dir?.state === 'unknown') predicted.unpredictable(dir.by, `whether ${p.chdir} exists is not known before it runs`);
    if (dir) next.chdirMissing = dir.state !== 'directory';
  }
  const exists = (pattern: string | undefined): boolean | undefined => {
    const at = literalPath(pattern, p.chdir);
    const pred = at === undefined ? undefined : predicted.path(at);
    if (!pred) return undefined;
    if (pred.state === 'unknown') return predicted.unpredictable(pred.by, `whether ${at} exists is not known before it runs`);
    return pred.state !== 'absent';
  };
  const creates = exists(p.creates);
  if (creates !== undefined) next.createsFound = creates;
  const removes = exists(p.removes);
  if (removes !== undefined) next.removesFound = removes;
  return next;
}

/**
 * One argv word as a shell word that expands like Python's expanduser(expandvars(word)) on the
 * host: a leading `~` or `~/` becomes $HOME, `$NAME`/`${NAME}` expand when set and stay literal
 * when not. Everything else is quoted literally.
 */
export function expandingWord(word: string): string {
  let out = '';
  let rest = word;
  if (rest === '~' || rest.startsWith('~/')) {
    out += '"$HOME"';
    rest = rest.slice(1);
  }
  let literal = '';
  const flush = (): void => {
    if (literal) out += quote(literal);
    literal = '';
  };
  const varRe = /^\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})/;
  while (rest.length > 0) {
    const m = varRe.exec(rest);
    if (m) {
      flush();
      const name = m[1] ?? m[2]!;
      out += `"\${${name}-${m[0].replace(/[$\\"`}]/g, '\\$&')}}"`;
      rest = rest.slice(m[0].length);
    } else {
      literal += rest[0];
      rest = rest.slice(1);
    }
  }
  flush();
  return out || "''";
}
