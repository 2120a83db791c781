/**
 * RunOptions: everything a run needs from the command line, already parsed and checked.
 * runner/cli.ts turns ansible-playbook's flags into this; runPlaybook() (runner/run.ts) reads it.
 * Output-only choices (json lines, colors) are here too so one value travels from the CLI to both
 * the executor and the reporter it builds.
 */
import type { Secret } from './secret.js';

export interface RunOptions {
  /** -i/--inventory, repeatable: files, directories, `host1,host2,` lists. Empty = Ansible's default. */
  inventory: string[];
  /** -l/--limit: a host pattern further restricting every play's hosts. */
  limit?: string;
  /** -t/--tags. Empty = 'all' (Ansible's default). */
  tags: string[];
  /** --skip-tags, applied after --tags. */
  skipTags: string[];
  /** -C/--check: plan and report, never apply. */
  check: boolean;
  /** -D/--diff: report before/after diffs. */
  diff: boolean;
  /** -f/--forks: how many hosts work at once. @default 50 (DEFAULT_FORKS; ANSIBLE_FORKS or ansible.cfg's forks when set) */
  forks: number;
  /** -e/--extra-vars, merged in order: they win over every other variable. */
  extraVars: Record<string, unknown>;
  /** Names in extraVars whose value came from `-e k=v` text (read as a typed inventory declares). */
  extraVarsFromText: string[];
  /** -b/--become: become for every play that does not say otherwise. */
  become: boolean;
  /** --become-user. @default 'root' */
  becomeUser?: string;
  /** become_method from ansible.cfg/ANSIBLE_BECOME_METHOD (the host's ansible_become_method beats it). @default 'sudo' */
  becomeMethod?: string;
  /** -K/--ask-become-pass: the sudo password. Never printed. */
  becomePassword?: Secret<string>;
  /** -u/--user: the remote user for hosts whose vars don't set ansible_user. */
  user?: string;
  /** --private-key: tried for hosts whose vars don't set ansible_ssh_private_key_file. */
  privateKey?: string;
  /** -T/--timeout in ms. @default 10000 */
  connectTimeoutMs: number;
  /** host_key_checking from ansible.cfg/ANSIBLE_HOST_KEY_CHECKING, when set there (host vars beat it). */
  hostKeyChecking?: boolean;
  /** force_color (true) or nocolor (false) from ansible.cfg/ANSIBLE_*; unset: colors on a terminal. */
  color?: boolean;
  /** retry_files_enabled: write the failed hosts to `<playbook>.retry` (in savePath, else beside the playbook). */
  retryFiles?: { savePath?: string };
  /** --start-at-task: skip every task before the first one with this name. */
  startAtTask?: string;
  /** -v count, 0..4. */
  verbosity: number;
  /** --force-handlers: run notified handlers even on hosts that failed later. */
  forceHandlers: boolean;
  /** --list-hosts / --list-tasks / --list-tags: list and exit without contacting any host. */
  listHosts: boolean;
  listTasks: boolean;
  listTags: boolean;
  /**
   * The default callback's display_ok_hosts and display_skipped_hosts (ansible.cfg,
   * ANSIBLE_DISPLAY_OK_HOSTS, ANSIBLE_DISPLAY_SKIPPED_HOSTS): false hides those lines of the
   * text output (see TextFormatOptions). @default true
   */
  displayOkHosts: boolean;
  displaySkippedHosts: boolean;
  /** --json: one JSON event per line instead of text. */
  json: boolean;
  /** --profile: per-task and per-host times and the run's elapsed time after the recap (profile_tasks + timer). */
  profile: boolean;
  /** --step: ask before each task (y runs it, c runs the rest without asking, anything else skips it). */
  step: boolean;
}

/**
 * Forks when neither -f, ANSIBLE_FORKS nor ansible.cfg's `forks` sets them (ansible-cfg.ts): 50,
 * not Ansible's 5. A fork here is not a process but a few promises on one event loop, its work
 * almost all waiting on SSH round trips, so 30 hosts at once cost the controller little; with 5,
 * a 30-host run waits in six rows per task. What a fork means is unchanged (hosts working at once
 * within a task; `serial`, `throttle` and the linear strategy's task-by-task order still hold),
 * and a configuration written for Ansible keeps its value. 50 rather than unbounded: each fork
 * holds an SSH connection (file descriptors here, sshd sessions on a shared jump host).
 */
export const DEFAULT_FORKS = 50;

export function defaultRunOptions(overrides: Partial<RunOptions> = {}): RunOptions {
  return {
    inventory: [],
    tags: [],
    skipTags: [],
    check: false,
    diff: false,
    forks: DEFAULT_FORKS,
    extraVars: {},
    extraVarsFromText: [],
    become: false,
    connectTimeoutMs: 10_000,
    verbosity: 0,
    forceHandlers: false,
    listHosts: false,
    listTasks: false,
    listTags: false,
    displayOkHosts: true,
    displaySkippedHosts: true,
    json: false,
    profile: false,
    step: false,
    ...overrides,
  };
}
