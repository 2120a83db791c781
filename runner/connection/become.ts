/**
 * The argv that runs a script, directly or through sudo, and what the runner must watch for.
 *
 * With a timeout, the script runs under the host's `timeout -s KILL N` (coreutils or busybox):
 * it puts the script in its own process group and kills all of it, as the right user (under sudo
 * too), whereas closing an ssh channel leaves the remote processes running (sshd's support for
 * signal requests does not reach them). Without `timeout` on the host, the runner's own timer still
 * rejects and closes the channel.
 *
 * With become, the script runs as `sudo ... -- /bin/sh -c 'printf MARKER >&2; exec /bin/sh -c "$1"'`:
 * the marker on stderr says sudo let us through, so everything before it is sudo's (a prompt,
 * "Sorry, try again", "a password is required") and nothing of the command's stdin is written until
 * then. That keeps the password and the command's stdin apart in every case:
 * - no password given: `-n`, sudo never reads stdin and fails at once if it wants a password;
 * - password given: `-k -p PROMPT`; the password is written only when PROMPT appears on stderr, so a
 *   NOPASSWD rule (no prompt) never gets the password into the command's stdin; a second PROMPT
 *   means the password was wrong. The password never appears on any command line.
 */
import { randomBytes } from 'node:crypto';
import type { BecomeSpec } from './types.js';

export interface BecomeHandshake {
  /** sudo's prompt (on stderr), unique per command. */
  prompt: string;
  /** Printed on stderr by the shell sudo started: become succeeded. */
  marker: string;
  /** Target user, for messages. */
  user: string;
  /** Whether a password was supplied (so sudo was not run with -n). */
  withPassword: boolean;
}

export interface CommandLine {
  argv: string[];
  handshake?: BecomeHandshake;
}

/** Runs "$1" (the script) with /bin/sh, under `timeout -s KILL "$2"` when "$2" is set and possible. */
const RUN =
  'if [ -n "$2" ] && command -v timeout >/dev/null 2>&1; then exec timeout -s KILL "$2" /bin/sh -c "$1"; fi; exec /bin/sh -c "$1"';
/** Under sudo: first the go-ahead marker ("$0") on stderr, then RUN. */
const INNER = `printf "%s\\n" "$0" >&2; ${RUN}`;

/** Whole seconds for `timeout` (busybox takes no fractions); the runner's timer keeps the exact deadline. */
export function remoteTimeoutSeconds(timeoutMs: number): number {
  return Math.max(1, Math.ceil(timeoutMs / 1000));
}

export function commandLine(script: string, become?: BecomeSpec, nonce?: string, timeoutMs?: number): CommandLine {
  const seconds = timeoutMs === undefined ? [] : [String(remoteTimeoutSeconds(timeoutMs))];
  if (!become) return { argv: seconds.length ? ['/bin/sh', '-c', RUN, 'hostwright', script, ...seconds] : ['/bin/sh', '-c', script] };
  // Drawn only here: most commands have no become and need no nonce.
  nonce ??= randomBytes(8).toString('hex');
  const user = become.user || 'root';
  const prompt = `[hostwright sudo ${nonce}] password: `;
  const marker = `hostwright-become-ok-${nonce}`;
  const withPassword = become.password !== undefined;
  const auth = withPassword ? ['-k', '-p', prompt] : ['-n'];
  return {
    argv: ['sudo', '-H', '-S', ...auth, '-u', user, '--', '/bin/sh', '-c', INNER, marker, script, ...seconds],
    handshake: { prompt, marker, user, withPassword },
  };
}
