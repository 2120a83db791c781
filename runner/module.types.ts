/**
 * The module contract: observe → plan → apply.
 *
 *  - `gather` runs read-only commands through a Probe and returns what it saw (the module's state).
 *    Parsing lives in pure functions tested on recorded output.
 *  - `plan` is pure and synchronous: (params, state, context) → Plan. It never touches the host.
 *  - The runner applies `plan.actions` unless in check mode. A module never sees a check flag,
 *    so check mode cannot lie: what is shown is exactly what is applied.
 */
import type { ExecResult } from './connection/types.js';
import type { Facts } from './facts.types.js';

/** Read-only access to the host while observing. `become` is the task's, applied by the runner. */
export interface Probe {
  run(script: string, options?: { stdin?: string | Buffer }): Promise<ExecResult>;
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

export type Action = RunAction | WriteAction;

export interface Plan {
  /** Whether applying would change the host (or, for non-idempotent work, would run). */
  changed: boolean;
  actions: Action[];
  /** Shown under --diff. */
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
  /** Extra keys merged into the registered result (e.g. stat's `stat`, file's `path`). */
  result?: Record<string, unknown>;
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
