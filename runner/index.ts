/**
 * The public API playbooks import: `import { play, task, playbook } from '../runner/index.js'`.
 * Importing it also arms the entry point: a playbook file run with `npx tsx` parses its flags and
 * runs (runner/main.ts, loaded only then, so importing a playbook stays cheap), and an exception
 * thrown while the playbook file itself evaluates becomes one clean message and exit 4, like
 * ansible-playbook's parser errors, instead of a stack trace.
 */
import { sep } from 'node:path';
import { stackLocation } from './callsite.js';
import { setEntryHandler } from './dsl.js';
import { formatLocation, LoadError } from './errors.js';

export {
  block,
  flushHandlers,
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
export { ajv, defineModule, type HostContext, type ModuleCall, type ModuleFn, type ModuleSpec, type ParamIssue } from './module.js';
export type { Action, FileDiff, ModuleContext, Plan, Probe, RunAction, TaskResult, WriteAction } from './module.types.js';
export type { Facts } from './facts.types.js';
export type { RunEvent, Reporter, HostStats } from './events.js';
export { defaultRunOptions, type RunOptions } from './options.js';
export { raw, sh, quote } from './shell.js';
export { secret, Secret, isSecret } from './secret.js';
export { LoadError, OptionsError, UnreachableError } from './errors.js';
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
    const where = error instanceof LoadError ? undefined : stackLocation(error instanceof Error ? (error.stack ?? '') : '');
    process.stderr.write(`ERROR! ${where ? `${formatLocation(where)}: ` : ''}${message}\n`);
    process.exit(4);
  }
  process.stderr.write(`ERROR! Unexpected Exception, this is probably a bug: ${message}\n`);
  process.exit(250);
}

// Arm only when a script of the user's is the entry point (`tsx playbooks/site.ts`), never inside
// a tool that imports playbooks (a test runner's worker runs from node_modules).
const entry = process.argv[1];
if (entry && !entry.includes(`${sep}node_modules${sep}`)) {
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
}
