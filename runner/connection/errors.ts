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
