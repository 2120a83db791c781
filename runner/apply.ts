/**
 * Applies a module's plan: runs its actions in order on one connection and stops at the first
 * failure. The executor calls this only outside check mode, so what check mode shows is exactly
 * what gets applied.
 *
 * A WriteAction is ONE exec: the content goes on stdin to a POSIX sh script that writes a temp file
 * next to the destination, checks that it holds exactly the bytes sent (size and sha256, computed
 * here and sent with the command), sets mode and ownership, validates, keeps a backup, then renames
 * the temp file over the destination (atomic on one filesystem). The check is what makes a dropped
 * connection or a killed controller harmless: the remote `cat` then just sees end of input and
 * exits 0, so without it a truncated upload would be renamed into place. A trap removes the temp
 * file on failure or interruption; a temp file whose writer was killed outright (SIGKILL, a
 * SIGPIPE nobody caught) is removed by the next write into the same directory.
 *
 * A WaitAction is ONE exec too (runner/wait.ts: the host retries, the host keeps the deadline); a
 * FetchAction streams a host file to the controller (runner/fetch.ts); a RelayAction streams a
 * command's output into a command on another host (runner/relay.ts); a RunAction with `timeoutMs`
 * is killed on the host when it runs over.
 */
import { createHash } from 'node:crypto';
import { digestHex, utf8Bytes } from './slices.js';
import { CommandTimeoutError } from './connection/errors.js';
import type { BecomeSpec, Connection, ExecResult } from './connection/types.js';
import { FetchError, fetchToFile } from './fetch.js';
import type { Action, FetchAction, ReconnectAction, RelayAction, RunAction, WaitAction, WriteAction } from './module.types.js';
import { relay, type PeerLookup } from './relay.js';
import { UnreachableError } from './errors.js';
import { raw, sh } from './shell.js';
import { WAIT_GRACE_MS, WAIT_MARK, waitScript, waitTimedOut } from './wait.js';

export type ApplyOutcome =
  | { ok: true; captured?: ExecResult; result?: Record<string, unknown> }
  | { ok: false; msg: string; captured?: ExecResult; failedAction: number; result?: Record<string, unknown> };

export interface ApplyOptions {
  become?: BecomeSpec;
  /** Other hosts' connections, for a RelayAction's receiving end. @default none (a relay fails) */
  peer?: PeerLookup;
}

/** The script's own failure reports: one stderr line `hostwright-write: <step> <rc>`. */
const STEP_MARK = 'hostwright-write:';
/** Printed on stdout when a backup was made, so the result can name it (Ansible's `backup_file`). */
const BACKUP_MARK = 'hostwright-backup:';

export async function applyActions(conn: Connection, actions: Action[], options: ApplyOptions = {}): Promise<ApplyOutcome> {
  let captured: ExecResult | undefined;
  const result: Record<string, unknown> = {};
  for (const [index, action] of actions.entries()) {
    const outcome = await applyOne(conn, action, options);
    if (action.kind === 'run' && action.capture) captured = outcome.exec;
    if (action.kind === 'run' && action.result && outcome.exec && outcome.error === undefined) Object.assign(result, action.result(outcome.exec));
    if (outcome.backup) result.backup_file = outcome.backup;
    Object.assign(result, outcome.result);
    if (outcome.error !== undefined) {
      return { ok: false, msg: outcome.error, captured: captured ?? outcome.exec, failedAction: index, ...withResult(result) };
    }
  }
  return { ok: true, ...(captured ? { captured } : {}), ...withResult(result) };
}

function withResult(result: Record<string, unknown>): { result?: Record<string, unknown> } {
  return Object.keys(result).length > 0 ? { result } : {};
}

interface StepOutcome {
  exec?: ExecResult;
  error?: string;
  backup?: string;
  /** Keys for the task's result (fetch's checksum and dest). */
  result?: Record<string, unknown>;
}

function applyOne(conn: Connection, action: Action, options: ApplyOptions): Promise<StepOutcome> {
  switch (action.kind) {
    case 'run':
      return applyRun(conn, action, options);
    case 'write':
      return applyWrite(conn, action, options);
    case 'wait':
      return applyWait(conn, action, options);
    case 'fetch':
      return applyFetch(conn, action, options);
    case 'reconnect':
      return applyReconnect(conn, action, options);
    case 'relay':
      return applyRelay(conn, action, options);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A reboot command returns at once; one that has not after this long went down with its host. */
const TRIGGER_TIMEOUT_MS = 30_000;

/** The host is gone or not yet back: its connection failed or a command on it hung. */
const lostHost = (e: unknown): boolean => e instanceof UnreachableError || e instanceof CommandTimeoutError;

/**
 * ReconnectAction (reboot): the trigger on the current connection, then new connections until
 * `ready` and then `test` pass, each phase within the timeout. Between failed attempts it backs
 * off as Ansible's reboot does (1, 2, 4, 8 s, then 12 s, plus up to 1 s of jitter).
 */
async function applyReconnect(conn: Connection, action: ReconnectAction, options: ApplyOptions): Promise<StepOutcome> {
  const reconnect = conn.reconnect?.bind(conn);
  if (!reconnect) return { error: `${conn.host}: this connection cannot reconnect, so the host cannot be waited for after a restart` };
  let start = Date.now();
  const elapsed = (): number => Math.floor((Date.now() - start) / 1000);
  try {
    const r = await conn.exec(action.trigger, { become: options.become, timeoutMs: TRIGGER_TIMEOUT_MS });
    start = Date.now();
    if (r.rc !== 0) return { error: action.triggerFailed(r.stdout.trim(), r.stderr.trim()), result: { rebooted: false, elapsed: elapsed() } };
  } catch (e) {
    // The host went down under the command (or its connection hung): what the trigger was for.
    if (!lostHost(e)) throw e;
    start = Date.now();
  }
  if (action.delayMs) await sleep(action.delayMs);
  // The first attempt reconnects too: the old connection may still reach the host going down.
  let fresh = false;
  for (const [script, what] of [[action.ready, action.readyDescribe], [action.test, action.testDescribe]] as const) {
    const deadline = Date.now() + action.timeoutMs;
    let ok = false;
    for (let failures = 0; Date.now() < deadline; failures++) {
      try {
        if (!fresh) {
          await reconnect(action.connectTimeoutMs !== undefined ? { connectTimeoutMs: action.connectTimeoutMs } : {});
          fresh = true;
        }
        const r = await conn.exec(script, { become: options.become });
        if (r.rc === 0) {
          ok = true;
          break;
        }
      } catch (e) {
        if (!lostHost(e)) throw e;
        fresh = false;
      }
      const backoff = Math.min(2 ** failures, 12) * 1000 + Math.random() * 1000;
      await sleep(Math.max(0, Math.min(backoff, deadline - Date.now())));
    }
    if (!ok) return { error: action.timedOut(what), result: { rebooted: true, elapsed: elapsed() } };
  }
  return { result: { rebooted: true, elapsed: elapsed() } };
}

async function applyRun(conn: Connection, action: RunAction, options: ApplyOptions): Promise<StepOutcome> {
  const what = action.describe ?? action.script;
  let exec: ExecResult;
  try {
    exec = await conn.exec(action.script, {
      stdin: action.stdin,
      become: options.become,
      ...(action.timeoutMs !== undefined ? { timeoutMs: action.timeoutMs } : {}),
    });
  } catch (e) {
    if (!(e instanceof CommandTimeoutError)) throw e;
    return { error: `${what} timed out after ${action.timeoutMs! / 1000} s and was killed` };
  }
  const okCodes = action.okCodes ?? [0];
  if (okCodes.includes(exec.rc)) return { exec };
  const detail = exec.stderr.trim() || exec.stdout.trim();
  return {
    exec,
    error: action.capture ? 'non-zero return code' : `${what} failed (rc=${exec.rc})${detail ? `: ${detail}` : ''}`,
  };
}

async function applyWrite(conn: Connection, action: WriteAction, options: ApplyOptions): Promise<StepOutcome> {
  const script = writeScript(action, await sha256Hex(action.content));
  const exec = await conn.exec(script, { stdin: action.content, become: options.become });
  const backup = exec.stdout
    .split('\n')
    .find((l) => l.startsWith(BACKUP_MARK))
    ?.slice(BACKUP_MARK.length);
  if (exec.rc === 0) return { exec, ...(backup ? { backup } : {}) };
  return { exec, error: describeWriteFailure(action, exec) };
}

async function applyWait(conn: Connection, action: WaitAction, options: ApplyOptions): Promise<StepOutcome> {
  let exec: ExecResult;
  try {
    // The host keeps the deadline; the runner's own limit only catches an attempt that hangs.
    exec = await conn.exec(waitScript(action), { become: options.become, timeoutMs: action.timeoutMs + (action.intervalMs ?? 1000) + WAIT_GRACE_MS });
  } catch (e) {
    if (!(e instanceof CommandTimeoutError)) throw e;
    return { error: waitTimedOut(action, undefined, '') };
  }
  if (exec.rc === 0) return { exec };
  const mark = exec.stderr.split('\n').find((l) => l.startsWith(WAIT_MARK));
  if (mark) return { exec, error: waitTimedOut(action, Number(mark.split(' ').at(-1)), exec.stdout) };
  return { exec, error: `waiting for ${action.describe} failed (rc=${exec.rc}): ${exec.stderr.trim()}` };
}

async function applyRelay(conn: Connection, action: RelayAction, options: ApplyOptions): Promise<StepOutcome> {
  const { sink, error } = await relay(conn, action, options.peer, options.become);
  const result = sink && error === undefined && action.result ? action.result(sink) : undefined;
  return { ...(error !== undefined ? { error } : {}), ...(result ? { result } : {}) };
}

async function applyFetch(conn: Connection, action: FetchAction, options: ApplyOptions): Promise<StepOutcome> {
  try {
    const { dest, checksum, size } = await fetchToFile(conn, action, options.become);
    return { result: { dest, checksum, size } };
  } catch (e) {
    // Transport failures (unreachable, become refused) stay exceptions, as for every action.
    if (e instanceof FetchError) return { error: e.message };
    throw e;
  }
}

/** Turns the script's step marker (and the failing tool's stderr) into one message. */
export function describeWriteFailure(action: WriteAction, exec: ExecResult): string {
  const lines = exec.stderr.split('\n');
  const markIndex = lines.findIndex((l) => l.startsWith(STEP_MARK));
  const otherStderr = lines.filter((_, i) => i !== markIndex).join('\n').trim();
  if (markIndex < 0) return `writing ${action.path} failed (rc=${exec.rc})${otherStderr ? `: ${otherStderr}` : ''}`;
  const [step, rc] = lines[markIndex]!.slice(STEP_MARK.length).trim().split(' ');
  if (step === 'validate') return `failed to validate: rc:${rc} error:${otherStderr}`;
  if (step === 'upload-incomplete') return `upload of ${action.path} incomplete (size or sha256 differs from what was sent); the destination was not touched`;
  return `${step} failed for ${action.path} (rc=${rc})${otherStderr ? `: ${otherStderr}` : ''}`;
}

/**
 * The write script. Every value is quoted by `sh`; the user's validate command is shell syntax
 * by design (like Ansible's), with %s replaced by the quoted temp file variable.
 */
export function writeScript(action: WriteAction, sha256: string = createHash('sha256').update(action.content).digest('hex')): string {
  const dir = parentDir(action.path);
  const fail = (step: string): string => `{ rc=$?; echo "${STEP_MARK} ${step} $rc" >&2; exit "$rc"; }`;
  const size = typeof action.content === 'string' ? Buffer.byteLength(action.content) : action.content.length;
  const lines = [
    sh`dest=${action.path}`,
    sh`dir=${dir}`,
    // Leftovers of writers that died without their trap (SIGKILL): the temp name carries the
    // writer's PID; one whose process is gone is removed. Without /proc nothing is removed.
    `for f in "$dir"/.hostwright.*; do`,
    `  p=\${f##*/.hostwright.}; p=\${p%%.*}`,
    `  case $p in ''|*[!0-9]*) continue;; esac`,
    `  [ -d /proc/self ] && [ ! -d "/proc/$p" ] && rm -f -- "$f"`,
    `done`,
    // Temp file next to dest so the final mv is a rename on the same filesystem.
    `tmp=$(mktemp "$dir/.hostwright.$$.XXXXXXXX") || ${fail('mktemp')}`,
    `trap 'rm -f -- "$tmp"' EXIT`,
    `trap 'exit 130' INT TERM HUP`,
    // A closed stdout/stderr (the controller gone) must fail a write, not kill the shell past its trap.
    `trap '' PIPE`,
    `cat > "$tmp" || ${fail('upload')}`,
    // End of input is all a dropped connection looks like: only the exact bytes may go on.
    sh`[ "$(wc -c < "$tmp")" -eq ${size} ] && [ "$(sha256sum < "$tmp")" = ${`${sha256}  -`} ] || { echo "${raw(STEP_MARK)} upload-incomplete 1" >&2; exit 1; }`,
  ];
  // The existing file's mode and ownership, from one stat.
  lines.push(`a=; if [ -e "$dest" ]; then a=$(stat -L -c '%a %u:%g' -- "$dest"); fi`);
  if (action.mode !== undefined) {
    lines.push(sh`chmod ${action.mode} "$tmp" || ${raw(fail('chmod'))}`);
  } else {
    // Keep the existing file's mode; a new file gets 0666 minus the umask, as Ansible does.
    lines.push(
      `if [ -n "$a" ]; then m=\${a%% *}; else m=$(printf '%o' $((0666 & ~$(umask)))); fi`,
      `chmod "$m" "$tmp" || ${fail('chmod')}`,
    );
  }
  // Existing ownership is kept where allowed (a non-root user cannot give files away: ignored,
  // like Ansible's atomic_move); an explicit owner/group must succeed.
  lines.push(`if [ -n "$a" ]; then chown "\${a#* }" "$tmp" 2>/dev/null || true; fi`);
  if (action.owner !== undefined) lines.push(sh`chown ${action.owner} "$tmp" || ${raw(fail('chown'))}`);
  if (action.group !== undefined) lines.push(sh`chgrp ${action.group} "$tmp" || ${raw(fail('chgrp'))}`);
  if (action.validate !== undefined) {
    // A subshell, so the user's command cannot exit or change the script around it.
    lines.push(`( ${action.validate.replace(/%s/g, '"$tmp"')}
) || ${fail('validate')}`);
  }
  if (action.backup) {
    lines.push(
      `if [ -e "$dest" ]; then`,
      `  b="$dest.$$.$(date +%Y-%m-%d@%H:%M:%S)~"`,
      `  cp -p -- "$dest" "$b" || ${fail('backup')}`,
      `  echo "${BACKUP_MARK}$b"`,
      `fi`,
    );
  }
  lines.push(`mv -f -- "$tmp" "$dest" || ${fail('rename')}`);
  return lines.join('\n') + '\n';
}

/** The upload's sha256, a slice per turn (slices.ts: a stop request must be answered meanwhile). */
async function sha256Hex(content: string | Buffer): Promise<string> {
  return digestHex('sha256', typeof content === 'string' ? await utf8Bytes(content) : content);
}

function parentDir(path: string): string {
  const i = path.replace(/\/+$/, '').lastIndexOf('/');
  if (i < 0) return '.';
  if (i === 0) return '/';
  return path.slice(0, i);
}
