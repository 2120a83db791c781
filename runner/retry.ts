/**
 * Retry files (ansible.cfg `retry_files_enabled`, off by default as in Ansible 2.14): when hosts
 * failed or were unreachable, their names go one per line into `<playbook name>.retry`, in
 * `retry_files_save_path` or else beside the playbook, and the run says how to use it
 * (`--limit @file`), just before the recap as ansible-playbook does (executor/playbook_executor.py).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Reporter } from './events.js';

/** The retry file's path for a playbook. */
export function retryFilePath(playbookFile: string, savePath: string | undefined): string {
  const name = `${path.basename(playbookFile, path.extname(playbookFile))}.retry`;
  return path.join(savePath ?? path.dirname(path.resolve(playbookFile)), name);
}

/**
 * A reporter that writes the retry file when the recap arrives. `say` prints the hint (plain
 * output only: --json lines stay JSON).
 */
export function withRetryFile(inner: Reporter, file: string, say: ((line: string) => void) | undefined): Reporter {
  return {
    emit(event) {
      if (event.type === 'recap') {
        const retries = Object.entries(event.stats)
          .filter(([, s]) => s.failed > 0 || s.unreachable > 0)
          .map(([host]) => host)
          .sort();
        if (retries.length > 0) {
          try {
            mkdirSync(path.dirname(file), { recursive: true });
            writeFileSync(file, retries.map((h) => `${h}\n`).join(''));
            say?.(`\tto retry, use: --limit @${file}\n`);
          } catch (e) {
            inner.emit({ type: 'warning', message: `Could not create retry file '${file}'.\n\t${(e as Error).message}` });
          }
        }
      }
      inner.emit(event);
    },
    close: () => inner.close(),
  };
}
