/**
 * The public API playbooks import: `import { play, task, playbook } from '../runner/index.js'`.
 * Importing it also arms the entry point: a playbook file run with `npx tsx` parses its flags and
 * runs (runner/main.ts, loaded only then, so importing a playbook stays cheap), and an exception
 * thrown while the playbook file itself evaluates becomes one clean message and exit 4, like
 * ansible-playbook's parser errors, instead of a stack trace.
 */
import path, { sep } from 'node:path';
import { stackLocation } from './callsite.js';
import { playbooksDefined, setEntryHandler } from './dsl.js';
import { formatLocation, LoadError } from './errors.js';
import { armProcessSignals } from './signals.js';

export {
  block,
  flushHandlers,
  includeTasks,
  includeRole,
  defineRole,
  endHost,
  endPlay,
  clearHostErrors,
  handler,
  play,
  playbook,
  registered,
  task,
  type AnyModuleCall,
  type Block,
  type BlockOptions,
  type HandlerOptions,
  type Include,
  type IncludeOptions,
  type IncludeRoleOptions,
  type LoopControl,
  type Role,
  type InheritedKeywords,
  type Item,
  type Items,
  type LoopResult,
  type Play,
  type Playbook,
  type PlayOptions,
  type Task,
  type TaskOptions,
  type When,
} from './dsl.js';
export { defineModule, type HostContext, type ModuleCall, type ModuleFn, type ModuleSpec, type ParamIssue } from './module.js';
export type { Action, FileDiff, ModuleContext, Plan, Probe, RunAction, TaskResult, WriteAction } from './module.types.js';
export type { Facts } from './facts.types.js';
export type { RunEvent, Reporter, HostStats } from './events.js';
export { defaultRunOptions, type RunOptions } from './options.js';
export { raw, sh, quote } from './shell.js';
export { secret, Secret, isSecret } from './secret.js';
export { LoadError, OptionsError, UnreachableError } from './errors.js';
export { optional, UndefinedVariable } from './vars.js';
export { runPlaybook, checkPlays, PlaybookLoadError } from './run.js';

/** Until the run starts, an escaping exception is the playbook failing to load (exit 4). */
let loading = true;

setEntryHandler(async (pb, argv) => {
  loading = false;
  const { runFromCommandLine } = await import('./main.js');
  return runFromCommandLine(pb, argv);
});

function fatal(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  if (loading) {
    process.stderr.write(`ERROR! ${loadErrorText(error)}\n`);
    process.exit(4);
  }
  process.stderr.write(`ERROR! Unexpected Exception, this is probably a bug: ${message}\n`);
  process.exit(250);
}

/**
 * One line for an error met while the playbook's files load: a syntax error (esbuild's, with the
 * file it is in), a missing import (naming the importing file), or whatever a playbook threw.
 */
export function loadErrorText(error: unknown): string {
  if (error instanceof LoadError || !(error instanceof Error)) return error instanceof Error ? error.message : String(error);
  const syntax = esbuildSyntaxError(error);
  if (syntax) {
    const where = formatLocation({ file: path.relative(process.cwd(), syntax.file) || syntax.file, line: syntax.line, column: syntax.column });
    return `${where}: syntax error: ${syntax.text}`;
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    // ESM says "... imported from FILE"; CommonJS lists the importer under "Require stack:".
    const importer = /imported from (\S+)/.exec(error.message)?.[1] ?? /Require stack:\n- (.+)/.exec(error.message)?.[1];
    const first = error.message.split('\n')[0]!.replace(/ imported from \S+$/, '');
    return `${importer ? `${path.relative(process.cwd(), importer) || importer}: ` : ''}${first}`;
  }
  const where = stackLocation(error.stack ?? '');
  return `${where ? `${formatLocation(where)}: ` : ''}${error.message}`;
}

/**
 * esbuild's first error, with a 1-based column. Thrown in this thread it carries `errors`; from
 * tsx's loader thread only the message survives ("Transform failed with 1 error:\nFILE:L:C: ERROR: text").
 */
function esbuildSyntaxError(error: Error): { file: string; line: number; column: number; text: string } | undefined {
  const first = (error as { errors?: { text?: string; location?: { file: string; line: number; column: number } }[] }).errors?.[0];
  if (first?.location) return { ...first.location, column: first.location.column + 1, text: first.text ?? '' };
  const m = /^Transform failed with \d+ errors?:\n(.+?):(\d+):(\d+): ERROR: (.*)$/m.exec(error.message);
  return m ? { file: m[1]!, line: Number(m[2]), column: Number(m[3]) + 1, text: m[4]! } : undefined;
}

// Arm only when a script of the user's is the entry point (`tsx playbooks/site.ts`), never inside
// a tool that imports playbooks (a test runner's worker runs from node_modules).
const entry = process.argv[1];
if (entry && !entry.includes(`${sep}node_modules${sep}`)) {
  armProcessSignals();
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  // The entry file finished loading and nothing started a run: say so rather than exit 0 silently.
  process.once('beforeExit', () => {
    if (!loading) return;
    const file = path.relative(process.cwd(), entry) || entry;
    const others = playbooksDefined().filter((f) => f !== entry);
    process.stderr.write(
      others.length > 0
        ? `ERROR! ${file} is not a playbook: it imports ${others.map((f) => path.relative(process.cwd(), f)).join(', ')} but runs nothing; run that file itself, or end this one with \`export default playbook(import.meta, [...])\`\n`
        : `ERROR! ${file} never calls playbook(): nothing to run. A playbook file ends with \`export default playbook(import.meta, [play(...), ...])\`\n`,
    );
    process.exitCode = 4;
  });
}
