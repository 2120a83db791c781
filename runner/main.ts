/**
 * What runs when a playbook file is the entry point: runCli (flags, reporter, exit codes, one-line
 * errors) around loading the inventory and running the plays with the real transport, facts and
 * apply. Kept apart from run.ts so the executor stays free of ssh2 and the CLI in unit tests.
 */
import path from 'node:path';
import { applyActions } from './apply.js';
import { runCli } from './cli.js';
import { connect, connectSpecFor } from './connection/index.js';
import type { Playbook } from './dsl.js';
import { typeExtraVars } from './extra-vars.js';
import { gatherFacts } from './facts.js';
import { loadInventory } from './inventory/index.js';
import { listPlaybook } from './list.js';
import { retryFilePath, withRetryFile } from './retry.js';
import { checkPlays, checkTargets, runPlaybook } from './run.js';
import type { EngineDeps } from './state.js';
import { lineAsker } from './step.js';

export const realDeps: EngineDeps = {
  connect: (host, vars, options, debug) =>
    connect({
      ...connectSpecFor(host, vars, {
        ...(options.user ? { user: options.user } : {}),
        ...(options.privateKey ? { privateKeyFile: options.privateKey } : {}),
        ...(options.hostKeyChecking !== undefined ? { hostKeyChecking: options.hostKeyChecking } : {}),
        connectTimeoutMs: options.connectTimeoutMs,
      }),
      ...(debug ? { debug } : {}),
    }),
  gatherFacts,
  applyActions,
};

export function runFromCommandLine(pb: Playbook, argv: readonly string[]): Promise<number> {
  return runCli(argv, async ({ options, syntaxCheck, reporter, masker }) => {
    // Every load error is reported before the inventory is read or any host contacted.
    checkPlays(pb.plays);
    if (syntaxCheck) {
      process.stdout.write(`\nplaybook: ${path.relative(process.cwd(), pb.file) || pb.file}\n`);
      return 0;
    }
    // Warnings arrive as they happen: loading, and later when a play's pattern matches nothing.
    const inventory = await loadInventory(options.inventory, {
      playbookDir: pb.dir,
      onWarning: (message) => reporter.emit({ type: 'warning', message }),
    });
    checkTargets(inventory, options);
    options.extraVars = typeExtraVars(options.extraVars, options.extraVarsFromText, inventory.declaredVarKinds);
    if (options.listHosts || options.listTasks || options.listTags) {
      process.stdout.write(listPlaybook(pb, options, inventory));
      return 0;
    }
    const runReporter = options.retryFiles
      ? withRetryFile(reporter, retryFilePath(pb.file, options.retryFiles.savePath), options.json ? undefined : (line) => process.stdout.write(line))
      : reporter;
    const ask = options.step ? lineAsker(process.stdin, process.stdout) : undefined;
    try {
      return await runPlaybook(pb.plays, options, runReporter, { inventory, deps: realDeps, playbookDir: pb.dir, file: pb.file, masker, ...(ask ? { ask } : {}) });
    } finally {
      ask?.close();
    }
  });
}
