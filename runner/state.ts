/**
 * What one run keeps across plays: per-host connection (opened lazily, once), facts (gathered
 * once per host per run), registered results and set facts, the recap counters, the hosts that
 * failed or were unreachable (they stay out of later plays, as in Ansible), and the Ctrl-C flag.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ApplyOptions, ApplyOutcome } from './apply.js';
import type { BecomeSpec, Connection } from './connection/types.js';
import { UnreachableError } from './errors.js';
import type { HostStats, Reporter, RunEvent } from './events.js';
import type { Facts } from './facts.types.js';
import type { Inventory } from './inventory/types.js';
import { Masker } from './mask.js';
import { Observations, probeAheadEnabled } from './observe.js';
import { PredictedState } from './predict.js';
import { PreparedTasks } from './prepared.js';
import { isSecret } from './secret.js';
import type { Action, TaskResult } from './module.types.js';
import type { RunOptions } from './options.js';
import type { StepMode } from './step.js';
import type { Vars } from './vars.js';

/** The engine's outside world; the real ones are wired in run.ts, unit tests pass fakes. */
export interface EngineDeps {
  /** Open a connection to `host` with its merged inventory vars (ansible_host, ansible_user...). */
  connect(host: string, vars: Vars, options: RunOptions, debug?: (message: string) => void): Promise<Connection>;
  gatherFacts(conn: Connection, become?: BecomeSpec): Promise<Facts>;
  applyActions(conn: Connection, actions: Action[], options: ApplyOptions): Promise<ApplyOutcome>;
}

export interface HostRuntime {
  readonly name: string;
  readonly inventoryVars: Vars;
  /** Registered results and set facts: persist for the whole run (Ansible's level 19). */
  readonly hostVars: Vars;
  /** Results by task id, read through Task.result(ctx). */
  readonly results: Map<number, TaskResult>;
  /** Check mode: what earlier tasks' plans would have changed on this host (runner/predict.ts). */
  readonly predicted: PredictedState;
  conn?: Promise<Connection>;
  facts?: Promise<Facts>;
}

function emptyStats(): HostStats {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
}

export class RunState {
  readonly stats = new Map<string, HostStats>();
  readonly failed = new Set<string>();
  readonly unreachable = new Set<string>();
  /** Hosts whose failures clear_host_errors forgave (and that did not fail again): they exit 0. */
  readonly cleared = new Set<string>();
  /** --step: asks before each task. */
  step: StepMode | undefined;
  /** Set by SIGINT: no new task or action starts; in-flight ones finish. */
  interrupted = false;
  /** Values masked in every event (the become password, secret params seen so far). */
  readonly masker: Masker;
  /** Probes observed ahead, and what may have changed the hosts since (runner/observe.ts). */
  readonly observations: Observations;
  /** What runner/ahead.ts worked out for later tasks (their params, their gathers' start). */
  readonly prepared: PreparedTasks;
  readonly #hosts = new Map<string, HostRuntime>();

  constructor(
    readonly options: RunOptions,
    readonly reporter: Reporter,
    readonly deps: EngineDeps,
    readonly inventory: Inventory,
    readonly playbookDir: string,
    masker?: Masker,
  ) {
    this.masker = masker ?? new Masker();
    this.observations = new Observations(probeAheadEnabled(), (host, message) =>
      this.options.verbosity >= 3 ? this.emit({ type: 'verbose', level: 3, host, message: this.masker.mask(message) }) : undefined,
    );
    this.prepared = new PreparedTasks(this.observations);
    if (options.becomePassword) this.masker.add(options.becomePassword);
    this.#maskSecretVars(options.extraVars);
  }

  /** Inventory and -e values already searched for Secrets: what hosts share is searched once (mask.ts). */
  readonly #varsWalked = new WeakSet<object>();

  /** Passwords given as variables (inventory or -e) are masked like -K's, and so is every Secret value. */
  #maskSecretVars(vars: Vars): void {
    this.masker.addSecretsIn(vars, this.#varsWalked);
    for (const name of SECRET_VARS) {
      const v = vars[name];
      if (typeof v === 'string' || isSecret(v)) this.masker.add(v as string);
    }
  }

  emit(event: RunEvent): void {
    this.reporter.emit(event);
  }

  host(name: string): HostRuntime {
    let h = this.#hosts.get(name);
    if (!h) {
      const known = this.inventory.hosts.has(name);
      // A delegate_to target outside the inventory is an implicit host, like Ansible's localhost.
      const inventoryVars = known
        ? this.inventory.hostVars(name)
        : { inventory_hostname: name, ...(isLocal(name) ? { ansible_connection: 'local' } : {}) };
      this.#maskSecretVars(inventoryVars);
      h = { name, inventoryVars, hostVars: {}, results: new Map(), predicted: new PredictedState() };
      this.#hosts.set(name, h);
    }
    return h;
  }

  connection(name: string): Promise<Connection> {
    const h = this.host(name);
    // Connection variables may come from -e too (ansible_user=...), which wins as everywhere.
    const open = (options: RunOptions): Promise<Connection> =>
      this.deps
        .connect(name, { ...h.inventoryVars, ...this.options.extraVars }, options, this.options.verbosity >= 4 ? this.#debug(name) : undefined)
        .catch((e: unknown) => {
          throw e instanceof UnreachableError ? e : new UnreachableError(name, e instanceof Error ? e.message : String(e));
        });
    h.conn ??= open(this.options)
      .then((c) => reconnectable(c, (connectTimeoutMs) => open(connectTimeoutMs === undefined ? this.options : { ...this.options, connectTimeoutMs })))
      .then((c) => (this.options.verbosity >= 3 ? this.#traced(c) : c))
      .then((c) => this.observations.watch(c));
    return h.conn;
  }

  /** Facts, gathered on first need and cached for the run (one round trip per host). */
  facts(name: string): Promise<Facts> {
    const h = this.host(name);
    // A transport failure rejects with UnreachableError; any other error is the host failing.
    h.facts ??= this.connection(name).then((c) => this.deps.gatherFacts(this.observations.reader(c)));
    return h.facts;
  }

  /** -vvvv: the connection's own account (auth, host key, channels), as `<host> SSH: ...` lines. */
  #debug(host: string): (message: string) => void {
    return (message) => this.emit({ type: 'verbose', level: 4, host, message: this.masker.mask(message) });
  }

  /** -vvv: every command as Ansible shows its EXEC lines (secrets go on stdin, never in scripts). */
  #traced(conn: Connection): Connection {
    const host = conn.host;
    this.emit({ type: 'verbose', level: 3, host, message: 'ESTABLISH CONNECTION' });
    return {
      host,
      exec: (script, options) => {
        const as = options?.become ? ` (become ${options.become.user})` : '';
        // A no_log task's commands carry its parameters: hidden, as Ansible's module args are.
        const shown = hidden.getStore() ? '<hidden: no_log>' : script;
        this.emit({ type: 'verbose', level: 3, host, message: this.masker.mask(`EXEC${as} ${shown}`) });
        return conn.exec(script, options);
      },
      close: () => conn.close(),
      ...(conn.reconnect ? { reconnect: conn.reconnect.bind(conn) } : {}),
    };
  }

  /**
   * Ansible's `hostvars`: any inventory host's variables (inventory, then its registered results and
   * set facts), computed when read, so a run never builds hosts × hosts of them.
   */
  readonly hostvars: Readonly<Record<string, Vars>> = new Proxy(
    {},
    {
      get: (_t, name) => (typeof name === 'string' && this.inventory.hosts.has(name) ? this.#varsOf(name) : undefined),
      has: (_t, name) => typeof name === 'string' && this.inventory.hosts.has(name),
      ownKeys: () => [...this.inventory.hosts.keys()],
      getOwnPropertyDescriptor: (_t, name) =>
        typeof name === 'string' && this.inventory.hosts.has(name)
          ? { value: this.#varsOf(name), enumerable: true, configurable: true, writable: false }
          : undefined,
    },
  );

  #varsOf(name: string): Vars {
    const h = this.host(name);
    return { ...h.inventoryVars, ...h.hostVars };
  }

  /** A host gets a recap line once something was counted for it (Ansible's stats.processed). */
  count(host: string, what: keyof HostStats): void {
    let s = this.stats.get(host);
    if (!s) this.stats.set(host, (s = emptyStats()));
    s[what]++;
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled(
      [...this.#hosts.values()].map(async (h) => {
        if (!h.conn) return;
        const c = await h.conn.catch(() => undefined);
        await c?.close();
      }),
    );
  }
}

/** Set while a no_log task runs: the -vvv trace hides its commands. */
const hidden = new AsyncLocalStorage<true>();
export function hiddenIf<T>(noLog: boolean, fn: () => Promise<T>): Promise<T> {
  return noLog ? hidden.run(true, fn) : fn();
}

const SECRET_VARS = ['ansible_become_password', 'ansible_become_pass', 'ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password'];

function isLocal(name: string): boolean {
  return name === 'localhost' || name === '127.0.0.1' || name === '::1';
}

/**
 * The host's connection as tasks hold it, able to start over with the same settings (reboot):
 * `reconnect` closes the current one and opens another; later commands go to the new one.
 */
function reconnectable(first: Connection, open: (connectTimeoutMs?: number) => Promise<Connection>): Connection {
  let current = first;
  return {
    host: first.host,
    exec: (script, options) => current.exec(script, options),
    close: () => current.close(),
    async reconnect(options) {
      const old = current;
      // Until a new one is open, commands fail as on a host that is not there.
      const gone = new UnreachableError(first.host, `${first.host}: reconnecting`);
      current = { host: first.host, exec: () => Promise.reject(gone), close: async () => undefined };
      await old.close().catch(() => undefined);
      current = await open(options?.connectTimeoutMs);
    },
  };
}
