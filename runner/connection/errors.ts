/**
 * Failures of one command that are not the host being unreachable: the executor reports them as
 * that task failing on that host (Ansible: `fatal: [h]: FAILED! => {"msg": "Incorrect sudo password"}`).
 * Messages never contain a password or the command's stdin.
 */

/** sudo refused: wrong or missing password, user not allowed, no sudo on the host. */
export class BecomeError extends Error {
  override name = 'BecomeError';
  constructor(readonly host: string, message: string) {
    super(message);
  }
}

/** The command ran longer than ExecOptions.timeoutMs and was killed. */
export class CommandTimeoutError extends Error {
  override name = 'CommandTimeoutError';
  constructor(readonly host: string, readonly timeoutMs: number) {
    super(`command timed out after ${timeoutMs / 1000}s and was killed`);
  }
}

/**
 * The host's shell session (session.ts) closed while a command ran in it, the ssh connection still
 * up: whether the command ran, and how far, is unknown, so it is not run again.
 */
export class SessionLostError extends Error {
  override name = 'SessionLostError';
  constructor(readonly host: string) {
    super('the shell session on the host closed while the command was running; it may or may not have run');
  }
}
