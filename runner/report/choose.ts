/**
 * Which reporter a run gets: --json lines when asked; the live listr2 view when stdout is a
 * terminal outside CI; plain Ansible-shaped lines otherwise (pipes, files, CI=true, and
 * TERM=dumb terminals, which can't move the cursor to redraw).
 */
import type { Reporter } from '../events.js';
import { Masker } from '../mask.js';
import type { RunOptions } from '../options.js';
import { bannerColumns } from './banner.js';
import { JsonReporter } from './json.js';
import { Profiler } from './profile.js';
import { ProgressReporter } from './progress.js';
import { colorLevel, createStyle } from './style.js';
import { TextReporter } from './text.js';

export type ReporterKind = 'json' | 'progress' | 'text';

export interface ReporterIO {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

export function reporterKind(json: boolean, stdoutIsTTY: boolean, env: NodeJS.ProcessEnv): ReporterKind {
  if (json) return 'json';
  return stdoutIsTTY && !isCI(env) && env.TERM !== 'dumb' ? 'progress' : 'text';
}

/** CI=true (or any CI value but false/0), as CI services set it. */
export function isCI(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

export function chooseReporter(
  options: Pick<RunOptions, 'json' | 'verbosity'> & Partial<Pick<RunOptions, 'profile' | 'step' | 'color' | 'displayOkHosts' | 'displaySkippedHosts'>>,
  io: ReporterIO,
  masker: Masker = new Masker(),
): Reporter {
  const tty = io.stdout.isTTY === true;
  // --step's questions need plain lines: the live view would redraw over them.
  const kind = options.step && !options.json ? 'text' : reporterKind(options.json, tty, io.env);
  if (kind === 'json') return new JsonReporter({ stdout: io.stdout, masker });
  const style = createStyle(colorLevel(io.env, tty, options.color));
  const columns = bannerColumns(tty ? io.stdout.columns : undefined);
  const profiler = options.profile ? new Profiler({ columns, verbosity: options.verbosity }) : undefined;
  const common = {
    verbosity: options.verbosity,
    style,
    masker,
    columns,
    stdout: io.stdout,
    stderr: io.stderr,
    displayOkHosts: options.displayOkHosts ?? true,
    displaySkippedHosts: options.displaySkippedHosts ?? true,
    ...(profiler ? { profiler } : {}),
  };
  return kind === 'progress' ? new ProgressReporter(common) : new TextReporter(common);
}
