/**
 * LocalConnection (ansible_connection=local): the same contract as ssh, each command a child
 * process `/bin/sh -c script` (or through sudo for become) on the controller.
 */
import { spawn } from 'node:child_process';
import { commandLine } from './become.js';
import { CHANNELS_PER_CONNECTION, Limit } from './limit.js';
import { drive, signalStatus } from './process.js';
import type { Connection, ExecOptions, ExecResult } from './types.js';

export class LocalConnection implements Connection {
  readonly #limit = new Limit(CHANNELS_PER_CONNECTION);
  constructor(readonly host: string) {}

  exec(script: string, options: ExecOptions = {}): Promise<ExecResult> {
    return this.#limit.run(() => {
      const { argv, handshake } = commandLine(script, options.become, undefined, options.timeoutMs);
      const startedAt = Date.now();
      // Its own process group, so a timeout kills the script's children too, not only /bin/sh.
      const child = spawn(argv[0]!, argv.slice(1), { stdio: 'pipe', detached: true });
      return drive(
        this.host,
        {
          stdin: child.stdin,
          stdout: child.stdout,
          stderr: child.stderr,
          onDone: (cb) =>
            child.on('close', (code, signal) => cb(code ?? (signal ? signalStatus(signal) : -1))),
          // spawn failing (no sudo on the controller, say) reaches `close` with code -2 too late to
          // explain; report it as the command failing to start.
          onError: (cb) => child.on('error', (e) => cb(new Error(`cannot run ${argv[0]}: ${e.message}`))),
          kill: () => {
            try {
              if (child.pid) process.kill(-child.pid, 'SIGKILL');
            } catch {
              // already gone
            }
          },
        },
        options,
        handshake,
        startedAt,
      );
    });
  }

  async close(): Promise<void> {}
}
