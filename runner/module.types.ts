/**
 * The module contract: observe → plan → apply.
 *
 *  - `gather` runs read-only commands through a Probe and returns what it saw (the module's state).
 *    Parsing lives in pure functions tested on recorded output.
 *  - `plan` is pure and synchronous: (params, state, context) → Plan. It never touches the host.
 *  - The runner applies `plan.actions` unless in check mode. A module never sees a check flag,
 *    so check mode cannot lie: what is shown is exactly what is applied.
 *  - Beside its actions a plan declares its `effects` (what the host will be like afterwards). In a
 *    check run the runner keeps them per host (runner/predict.ts), and a later task's module
 *    `overlay`s them on what it observed, so its plan is the one the real run would make.
 */
import type { ExecResult } from './connection/types.js';
import type { Facts } from './facts.types.js';

/** Read-only access to the host while observing. `become` is the task's, applied by the runner. */
export interface ProbeOptions {
  stdin?: string | Buffer;
  /**
   * When the probe rides in a batch (runner/probe-batch.ts), it may run in the batch's own shell
   * instead of a subshell: one process fewer on the host. Declare it only for a script that leaves
   * the shell as it found it and needs nothing from it: no `exit`, `return`, `exec`, `cd`, `set`,
   * `shift`, `trap`, `umask MODE`, `.`, `export`, `readonly`, `unset`, background jobs, IFS left
   * as it was (`IFS= read` is fine); every variable it reads it assigned first; and nothing a
   * non-interactive shell dies of (a syntax error, `$((...))` over data it read, `${x?}`, a failing
   * special builtin). Its exit status is its last command's. Alone it runs as every probe does.
   * It may define `hw_stat` (HW_STAT_FALLBACK, below).
   */
  inBatchShell?: boolean;
  /**
   * With inBatchShell: the paths the script passes to `hw_stat` (runner/probe-batch.ts), which sets
   * `hw_s` to what `stat -c '<PROBE_STAT_FORMAT>' -- PATH` prints (without its newline) and returns
   * stat's status; the script defines it with HW_STAT_FALLBACK where it is missing. A batch stats
   * the paths its parts declare with ONE `stat` before those parts run, and their `hw_stat` answers
   * from that. A path declared but not asked, or asked but not declared, costs nothing wrong.
   */
  statPaths?: readonly string[];
}

export interface Probe {
  run(script: string, options?: ProbeOptions): Promise<ExecResult>;
  /**
   * The same read-only access to ANOTHER host of the inventory (a copy's target), over the run's
   * own connection to it with the task's become and that host's own connection variables.
   * Rejects with ProbeError (the task fails saying why, nothing touched) when the name is no
   * inventory host, is the task's own host, or cannot be reached. Absent where the caller holds
   * no other hosts' connections.
   */
  peer?(host: string): Promise<Probe>;
}

/** What a module gets besides its params. */
export interface ModuleContext {
  facts: Facts;
  /** The host's merged variables (inventory, play vars, extra vars, registered results). */
  vars: Readonly<Record<string, unknown>>;
  /** Inventory name of the host. */
  host: string;
  /** Directory of the playbook file: relative `src` paths resolve against it. */
  playbookDir: string;
  /**
   * A check run: gather may observe more where only a prediction for later tasks needs it (apt
   * reads what a new package would bring), never change anything.
   */
  check?: boolean;
}

/** Ansible's diff contract: one entry per changed object, rendered as a unified diff. */
export interface FileDiff {
  before: string;
  after: string;
  before_header?: string;
  after_header?: string;
}

/** Run a command on the host. */
export interface RunAction {
  kind: 'run';
  /** A POSIX sh script. Build it with the `sh` tag. */
  script: string;
  stdin?: string | Buffer;
  /** Exit codes that count as success. @default [0] */
  okCodes?: number[];
  /** Human description for -v output and "would run" lines. @default the script */
  describe?: string;
  /** The action's stdout/stderr/rc become the task result (command, shell). @default false */
  capture?: boolean;
  /**
   * Kill the command on the host after this long (the host's `timeout -s KILL`, whole seconds
   * rounded up) and fail the action with "timed out after N s". @default no limit
   */
  timeoutMs?: number;
  /**
   * Keys the action's output adds to the task result after it succeeded (git's `after` and
   * `changed_files`: what a run learnt that the plan could not know). @default none
   */
  result?: (exec: ExecResult) => Record<string, unknown>;
}

/**
 * Wait on the host until `script` exits with an ok code: ONE command that retries the script every
 * `intervalMs` on the host itself and gives up at the deadline, so a wait costs one round trip
 * however many attempts it takes. On timeout the action fails with
 * `timed out after N s waiting for <describe>` and the last attempt's output.
 * A step of a plan like any other: a server drained, a container healthy, a port open.
 */
export interface WaitAction {
  kind: 'wait';
  /** A POSIX sh script, one attempt; built with the `sh` tag. Runs in a fresh `/bin/sh -c` each time. */
  script: string;
  /** What is awaited, for messages: "haproxy server web1 to be DRAIN", "port 8080". */
  describe: string;
  /** Pause between attempts. @default 1000 */
  intervalMs?: number;
  /** Give up after this long (whole seconds on the host, rounded up). */
  timeoutMs: number;
  /** Exit codes of an attempt that mean "ready". @default [0] */
  okCodes?: number[];
}

/**
 * Read a host file back to the controller (binary-safe, streamed to disk, never held whole in
 * memory). `dest` is written atomically (temp file beside it, then rename) after its size and
 * sha256 matched what the host read; the outcome's result carries `checksum` (sha256) and `dest`.
 * For a command's output instead of a file (a backup streamed off the host), build the action
 * with `fetchStream()` from runner/fetch.ts.
 */
export interface FetchAction {
  kind: 'fetch';
  /** The file on the host (its name in messages when `stream` is set). */
  path: string;
  /** Controller path; relative paths resolve against the runner's working directory. */
  dest: string;
  /**
   * A POSIX sh script whose stdout is fetched instead of the file at `path` (`tar -cf - -C /srv data`).
   * Its exit code is checked; sha256 is taken on the host of exactly the bytes sent. @default the file at path
   */
  stream?: string;
}

/**
 * Write a file atomically: upload to a temp file in the same directory, set mode/owner/group,
 * run `validate` (with %s replaced by the temp path) if given, keep a backup if asked, rename.
 */
export interface WriteAction {
  kind: 'write';
  path: string;
  content: string | Buffer;
  /** Octal string like '0644'. When absent: the existing file's mode, else the umask default. */
  mode?: string;
  owner?: string;
  group?: string;
  /** Keep the old file as `path.<pid>.<YYYY-MM-DD@HH:MM:SS>~` (Ansible's backup naming). */
  backup?: boolean;
  /** Command with %s, run on the temp file before the swap; a non-zero exit aborts the write. */
  validate?: string;
}

/**
 * Take the host down and wait for it to come back over a NEW connection made with the same
 * inventory settings (reboot): `trigger` runs on the current connection (its connection dropping
 * counts as success: the host went down); after `delayMs` the runner reconnects until `ready`
 * exits 0 on the new connection (the host has a new boot id), then until `test` does, each phase
 * within `timeoutMs`; later tasks use the new connection. Result keys: `rebooted`, `elapsed`
 * (whole seconds since the trigger returned), as Ansible's reboot registers them. Needs a
 * connection that can reconnect (the runner's; a bare `connect()` cannot).
 */
export interface ReconnectAction {
  kind: 'reconnect';
  /** A POSIX sh script that starts the restart (`shutdown -r 0 ...`). */
  trigger: string;
  /** The trigger's failure (non-zero exit), worded by the module. */
  triggerFailed: (stdout: string, stderr: string) => string;
  /** How long to wait after the trigger before trying to reconnect. @default 0 */
  delayMs?: number;
  /** Run on each new connection until it exits 0: the host is back. */
  ready: string;
  /** What `ready` waits for, for the timeout message ("last boot time check"). */
  readyDescribe: string;
  /** Then run until it exits 0 (the host is usable). */
  test: string;
  testDescribe: string;
  /** Limit of each phase (ready, test). */
  timeoutMs: number;
  /** Each connection attempt's timeout. @default the run's connection timeout */
  connectTimeoutMs?: number;
  /** The timeout's message, worded by the module (Ansible: `Timed out waiting for <what> (timeout=N)`). */
  timedOut: (what: string) => string;
}

/**
 * Stream bytes from this host to another inventory host through the controller, over the run's
 * own connection to each (runner/relay.ts): `source` runs here and its stdout is piped, with
 * backpressure and never whole in memory, into the stdin of `sink` on `to`. The sink decides:
 * it must check what it received (size, checksum) before it makes anything look complete, since
 * a source that dies or a controller that is killed only looks like an end of input. If the sink
 * ends first the source is killed. The action fails with whichever side failed, saying which.
 */
export interface RelayAction {
  kind: 'relay';
  /** Inventory name of the receiving host. */
  to: string;
  /**
   * A POSIX sh script on this host writing the bytes to stdout. Absent: nothing is relayed and
   * `sink` runs alone on `to` with an empty stdin (work left on the other host, a prune there).
   */
  source?: string;
  /** A POSIX sh script on `to` reading them from stdin; runs with the task's become there. */
  sink: string;
  /** What is relayed, for messages: "copy of X to backup2". */
  describe: string;
  /** Keys the sink's output adds to the task result. @default none */
  result?: (sink: ExecResult) => Record<string, unknown>;
}

export type Action = RunAction | WriteAction | WaitAction | FetchAction | ReconnectAction | RelayAction;

export interface Plan {
  /** Whether applying would change the host (or, for non-idempotent work, would run). */
  changed: boolean;
  actions: Action[];
  /**
   * Shown under --diff. A task that manages several resources (a pod and its containers) gives one
   * entry per resource, each naming it in `before_header`/`after_header`; the reporter prints each
   * as its own `--- before: <header>` / `+++ after: <header>` diff, in this order.
   */
  diffs?: FileDiff[];
  /** One-line description of what will change / changed (`msg` in the result). */
  summary?: string;
  /** The module cannot proceed (bad state on the host, missing src). Nothing is applied. */
  failed?: string;
  /**
   * The work is not idempotent (command without creates, a backup run): check mode reports
   * "would run" rather than claiming to know the outcome.
   */
  nonIdempotent?: boolean;
  /**
   * The actions query rather than change (an HTTP request, a wait for a port): they run although
   * `changed` is false, and the module's `interpret` reads their captured output. @default false
   */
  queries?: boolean;
  /** Extra keys merged into the registered result (e.g. stat's `stat`, file's `path`). */
  result?: Record<string, unknown>;
  /**
   * What the host is like once the actions ran (only read when `changed`). Check mode keeps these
   * per host, so later tasks see the host as it would be. Declare what you know; leave out what
   * you do not (a command's output), and the tasks that need it say they depend on this one.
   */
  effects?: Effect[];
}

/**
 * A path as it will be. `state: 'exists'` = something will be there, of unknown kind and content
 * (command's `creates`). Fields left out are unchanged (an existing path) or unknown (a new one);
 * `created` says the path did not exist before this plan, so nothing observed about it holds.
 */
export interface PathEffect {
  kind: 'path';
  /** Absolute path, the one finally managed (after following links, dest directories). */
  path: string;
  state: 'file' | 'directory' | 'link' | 'hard' | 'absent' | 'exists';
  created?: boolean;
  /** The whole content of a file, when known. */
  content?: Buffer;
  /** Permission bits (0..0o7777). */
  mode?: number;
  owner?: string;
  group?: string;
  uid?: number;
  gid?: number;
  /** Link target (state link or hard). */
  src?: string;
}

/** Everything below `path` becomes unknown (a git checkout's files, an unpacked archive). */
export interface TreeEffect {
  kind: 'tree';
  path: string;
}

export interface PackageEffect {
  kind: 'package';
  name: string;
  state: 'present' | 'absent';
  version?: string;
}

export interface UserEffect {
  kind: 'user';
  name: string;
  state: 'present' | 'absent';
  uid?: number;
  /** Primary group name and id. */
  group?: string;
  gid?: number;
  groups?: string[];
  home?: string;
  shell?: string;
}

export interface GroupEffect {
  kind: 'group';
  name: string;
  state: 'present' | 'absent';
  gid?: number;
}

/** A service's state afterwards; a field left out is unchanged. */
export interface ServiceEffect {
  kind: 'service';
  name: string;
  running?: boolean;
  enabled?: boolean;
}

export interface GitEffect {
  kind: 'git';
  /** The checkout's directory (declare its path and tree effects too). */
  dest: string;
  repo?: string;
  /** The commit checked out, when known. */
  version?: string;
  /** The branch checked out (a branch `version`), so a later task knows HEAD is on it. */
  branch?: string;
}

/**
 * Anything else a module manages, by its own key: a podman container, a firewalld zone, a cron
 * job. `attrs` is the module's own record of it (whatever its overlay needs to read back).
 */
export interface ResourceEffect {
  kind: 'resource';
  /** The module's name for the kind of resource: 'podman_container', 'firewalld_zone', ... */
  type: string;
  key: string;
  state: 'present' | 'absent';
  attrs?: Record<string, unknown>;
}

export type Effect = PathEffect | TreeEffect | PackageEffect | UserEffect | GroupEffect | ServiceEffect | GitEffect | ResourceEffect;

/** An effect as predicted: which earlier task (by name) said so. */
export type Prediction<E extends Effect> = Omit<E, 'kind'> & { readonly by: string };

/**
 * A path as the earlier plans of a check run leave it: their merged PathEffects (`exists`: there,
 * of unknown kind), or `unknown` when an earlier task makes it unknowable (below a TreeEffect or
 * an `exists` path).
 */
export type PathPrediction = Prediction<PathEffect> | { readonly state: 'unknown'; readonly path: string; readonly by: string };

/**
 * What a module's `overlay` reads: the host as the earlier tasks of this check run would leave it.
 * Every getter returns undefined when nothing was predicted (what was observed holds).
 */
export interface Predicted {
  path(path: string): PathPrediction | undefined;
  /**
   * The names in a directory that an earlier task creates, sorted, when everything in it is
   * predicted (a new directory holds only what the plans put there); undefined otherwise (the
   * directory was there before, or something in it is unknown). A module that reads a whole
   * directory on the host (firewalld's zone files) reads it here.
   */
  entries(dir: string): string[] | undefined;
  package(name: string): Prediction<PackageEffect> | undefined;
  user(name: string): Prediction<UserEffect> | undefined;
  group(name: string): Prediction<GroupEffect> | undefined;
  service(name: string): Prediction<ServiceEffect> | undefined;
  git(dest: string): Prediction<GitEffect> | undefined;
  resource(type: string, key: string): Prediction<ResourceEffect> | undefined;
  /** uid/gid a new path gets (the user the task runs as), when the runner knows it. */
  readonly creator: { uid: number; gid: number } | undefined;
  /**
   * Throws: the task's plan needs something the earlier task `by` makes unknowable. The task is
   * reported as depending on it (`what` says on what), not as failed or as a guess.
   */
  unpredictable(by: string, what?: string): never;
}

/** The result registered for a task on a host (`register`), Ansible's shape. */
export interface TaskResult {
  changed: boolean;
  failed: boolean;
  skipped?: boolean;
  msg?: string;
  rc?: number;
  stdout?: string;
  stderr?: string;
  stdout_lines?: string[];
  stderr_lines?: string[];
  diff?: FileDiff[];
  [key: string]: unknown;
}
