/**
 * runPlaybook: validate everything (no host contacted on a load error), then play by play, batch
 * by batch, run the tasks and end with the recap. Returns ansible-playbook's exit code.
 */
import { modulesIn, validatePlays, type Item, type Play } from './dsl.js';
import { loadModules } from './module.js';
import { LoadError, RunError } from './errors.js';
import type { HostStats, Reporter } from './events.js';
import type { Inventory } from './inventory/types.js';
import type { Masker } from './mask.js';
import type { RunOptions } from './options.js';
import { exitCodeForRun } from './report/exit-codes.js';
import { compilePlay, gathersFacts, orderHosts, runBatch, serialBatches } from './schedule.js';
import { onStopRequest } from './signals.js';
import { StepMode, type Ask } from './step.js';
import { RunState, type EngineDeps } from './state.js';

/** All load errors of a playbook, reported together (exit 4 like Ansible's parser errors). */
export class PlaybookLoadError extends LoadError {
  constructor(readonly errors: LoadError[]) {
    super(errors.map((e) => e.message).join('\n'));
  }
}

export interface RunContext {
  inventory: Inventory;
  deps: EngineDeps;
  /** Where the playbook lives: relative `src` paths and playbook group_vars resolve against it. */
  playbookDir: string;
  file?: string;
  /** The reporters' masker: secrets met during the run (become passwords, secret params) join it. */
  masker?: Masker;
  /** --step's questions and answers (runner/step.ts lineAsker on the terminal). */
  ask?: Ask;
}

/** Throws PlaybookLoadError when any task has bad params or notifies an unknown handler. */
export function checkPlays(plays: readonly Play[]): void {
  const errors = validatePlays(plays);
  if (errors.length > 0) throw new PlaybookLoadError(errors);
}

/**
 * Ansible's CLI.get_host_list: with hosts in the inventory, --limit (or 'all') must leave at least
 * one; an empty inventory is not an error (only the implicit localhost is there).
 */
export function checkTargets(inventory: Inventory, options: RunOptions): void {
  if (inventory.hosts.size === 0) return;
  const left = inventory.select('all', options.limit);
  if (left.length === 0) throw new RunError('Specified inventory, host pattern and/or --limit leaves us with no hosts to target.');
}

/** The hosts a play targets: its pattern, narrowed by --limit, minus hosts already failed. */
export function playHosts(inventory: Inventory, play: Play, options: RunOptions, exclude?: ReadonlySet<string>): string[] {
  // The inventory applies --limit as Ansible's subset (including `@retry-file` lists).
  const hosts = inventory.select(play.options.hosts, options.limit);
  return exclude ? hosts.filter((h) => !exclude.has(h)) : hosts;
}

/**
 * Secrets written into the playbook (a Secret in params, vars or a loop list) are known before any
 * task runs: register them now, so a task that prints one before the task that uses it is masked
 * too. Secrets computed on a host (function params and loops) join when their task runs (execute.ts).
 */
function maskWrittenSecrets(play: Play, masker: Masker): void {
  masker.addSecretsIn(play.options.vars);
  const visit = (items: readonly Item[]): void => {
    for (const item of items) {
      if (item.kind === 'block') {
        masker.addSecretsIn(item.options.vars);
        visit([...item.block, ...item.rescue, ...item.always]);
      } else if (item.kind === 'task') {
        if (typeof item.call?.params !== 'function') masker.addSecretsIn(item.call?.params);
        masker.addSecretsIn(item.options.vars);
        if (typeof item.options.loop !== 'function') masker.addSecretsIn(item.options.loop);
      }
    }
  };
  visit([...play.pre_tasks, ...play.tasks, ...play.post_tasks, ...play.handlers]);
}

/**
 * The first play's fact gathering contacts every host of its first batch, up to forks, the moment
 * the play starts: open those connections now, so that each host's sshd starts (fork, exec, keys:
 * 8 ms on a quiet lab host, 0.12 s on a loaded one) while this process loads the modules and ssh2.
 * Only where those connections are certain and nothing is printed about them first: not with
 * --step (the first answer may be no), --start-at-task, -vvv's connection lines, or a shuffled order.
 * A failure is kept in the connection's promise for the gathering to report, as it would have been.
 */
function openFirstConnections(run: RunState, play: Play | undefined, options: RunOptions, inventory: Inventory): void {
  if (!play || options.step || options.startAtTask !== undefined || options.verbosity >= 3 || play.options.order === 'shuffle') return;
  if (!gathersFacts(play, { only: options.tags, skip: options.skipTags })) return;
  const [firstBatch = []] = serialBatches(orderHosts(playHosts(inventory, play, options), play.options.order), play.options.serial);
  for (const host of firstBatch.slice(0, options.forks)) run.connection(host).catch(() => {});
}

export async function runPlaybook(plays: readonly Play[], options: RunOptions, reporter: Reporter, context: RunContext): Promise<number> {
  checkPlays(plays);
  checkTargets(context.inventory, options);
  const run = new RunState(options, reporter, context.deps, context.inventory, context.playbookDir, context.masker);
  openFirstConnections(run, plays[0], options, context.inventory);
  // The code of the modules the barrel left unloaded, before the first host: observing ahead
  // needs each gather to ask its probes at once. (A module that fails to load closes the
  // connections already opened.)
  await loadModules(plays.flatMap((p) => modulesIn([...p.pre_tasks, ...p.tasks, ...p.post_tasks, ...p.handlers]))).catch(async (e: unknown) => {
    await run.closeAll();
    throw e;
  });
  for (const play of plays) maskWrittenSecrets(play, run.masker);
  if (options.step && context.ask) run.step = new StepMode(context.ask);
  // Ctrl-C, SIGTERM, SIGHUP or the launcher's death: no new task starts, in-flight ones end (signals.ts).
  const releaseSignals = onStopRequest((why) => {
    run.interrupted = true;
    run.step?.cancel();
    run.emit({ type: 'stop_requested', signal: why });
  });
  const startAt = options.startAtTask ? { name: options.startAtTask, found: false } : undefined;
  let stop = false;
  let limitBroke = false;
  try {
    run.emit({ type: 'playbook_start', file: context.file ?? '', check: options.check, diff: options.diff });
    for (const play of plays) {
      if (run.interrupted) break;
      const gone = new Set([...run.failed, ...run.unreachable]);
      const hosts = orderHosts(playHosts(context.inventory, play, options, gone), play.options.order);
      run.emit({ type: 'play_start', name: play.name, hosts, pattern: play.options.hosts });
      if (hosts.length === 0) {
        run.emit({ type: 'play_no_hosts', name: play.name });
        continue;
      }
      const compiled = compilePlay(play, { only: options.tags, skip: options.skipTags }, startAt);
      for (const batch of serialBatches(hosts, play.options.serial)) {
        const end = await runBatch(run, play, compiled, batch);
        limitBroke ||= end.broke;
        // A batch whose hosts all failed ends the playbook too (Ansible's playbook_executor).
        stop = end.broke || batch.every((h) => run.failed.has(h) || run.unreachable.has(h));
        if (stop || end.playEnded || run.interrupted) break;
      }
      if (stop) break;
    }
  } finally {
    releaseSignals();
    await run.closeAll();
  }
  if (startAt && !startAt.found) {
    run.emit({ type: 'warning', message: `No matching task "${startAt.name}" found. Note: --start-at-task can only follow static includes.` });
  }
  if (run.interrupted) run.emit({ type: 'interrupted' });
  const stats: Record<string, HostStats> = Object.fromEntries(run.stats);
  run.emit({ type: 'recap', stats });
  return exitCodeForRun({ stats, interrupted: run.interrupted, failedBreakPlay: limitBroke, clearedHosts: run.cleared });
}

