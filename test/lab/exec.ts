/**
 * Machine-side commands for the lab: argv arrays (no shell in between, so nothing needs quoting),
 * and failures that carry the command's own stderr so the one-line error says why.
 */
import { execFile } from 'node:child_process';

export class LabError extends Error {
  override name = 'LabError';
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a command and report its exit code instead of throwing on failure. */
export function tryRun(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('run: empty argv');
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 0, env: options.env },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          // Not an exit status: the command could not be started or was killed.
          if (error.code === 'ENOENT') reject(new LabError(`${file}: command not found`));
          else if (error.killed) reject(new LabError(`${argv.join(' ')}: timed out`));
          else resolve({ code: -1, stdout, stderr: stderr || error.message });
          return;
        }
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
    // A command that exits without reading its input must not crash us with EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input);
  });
}

/** Run a command; a non-zero exit becomes a LabError naming the command and its last stderr line. */
export async function run(argv: readonly string[], options: RunOptions = {}): Promise<string> {
  const result = await tryRun(argv, options);
  if (result.code !== 0) {
    const why = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-1)[0] ?? '';
    throw new LabError(`${argv.join(' ')} failed (exit ${result.code})${why ? `: ${why}` : ''}`);
  }
  return result.stdout;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Run `fn` over `items` with at most `limit` at a time, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
