/**
 * Finds where in a playbook a task or module call was written, from the JS stack: the first frame
 * outside the runner and modules directories. tsx installs source maps, so lines are .ts lines.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { SourceLocation } from './errors.js';

const runnerDir = path.dirname(fileURLToPath(import.meta.url));
const modulesDir = path.join(path.dirname(runnerDir), 'modules');
const frame = /\(?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?$/;

export function callSite(): SourceLocation | undefined {
  return stackLocation(new Error().stack?.split('\n').slice(1).join('\n') ?? '');
}

/** The first frame of a stack trace that is the user's code (for errors thrown by a playbook). */
export function stackLocation(stackText: string): SourceLocation | undefined {
  const stack = stackText.split('\n');
  for (const line of stack) {
    const m = frame.exec(line.trim());
    if (!m) continue;
    const file = m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!;
    if (file.startsWith(runnerDir + path.sep) || file.startsWith(modulesDir + path.sep)) continue;
    if (file.includes(`${path.sep}node_modules${path.sep}`) || file.startsWith('node:')) continue;
    return { file: path.relative(process.cwd(), file) || file, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}
