/** The content of the kill trials' large files: different per round and per file, so every trial
 * really uploads, and any truncated or mixed file is told apart from a complete one. */
export const KILL_DIR = '/srv/kill';
export const KILL_FILES = ['a', 'b', 'c'];

export function bigContent(round: number, name: string, bytes: number): string {
  const line = `${name} round ${round} `.padEnd(63, '.') + '\n';
  return line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes);
}
