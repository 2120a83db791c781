/**
 * Speculative batched observation. A task's probe that must go to the host anyway also carries
 * the first probes of the tasks after it (worked out by runner/ahead.ts), all in one command
 * (runner/probe-batch.ts); each of those tasks is then handed its pre-observed result instead of
 * a round trip of its own, on a converged host 1 round trip for a run of tasks instead of one each.
 *
 * What keeps it honest: a result observed ahead is handed only to the task it was observed for,
 * only for exactly the same script and become, and only while nothing may have changed any host
 * since it was observed. Every command the runner sends that is not a read-only probe (an action,
 * a handler's, a delegated task's, a reboot's reconnect) counts as a change, on every host alike,
 * from the moment it starts until it ends: hosts may share what they change (a delegated task, an
 * NFS mount, two inventory names for one machine), so a change anywhere discards what was observed
 * ahead everywhere, as the linear strategy's order requires. So does a wait on the outside world
 * (pause). After a change, each host observes afresh at its next probe. Nothing is ever observed
 * ahead that a task would not have observed itself (probes are read-only), and a batch never adds
 * a round trip: it rides on a probe that was going to the host anyway.
 *
 * How much is observed ahead adapts per host: halved when a change wasted what was observed, doubled
 * when nothing was wasted (a host that changes with every task soon observes one task at a time).
 *
 * Off with HOSTWRIGHT_PROBE_AHEAD=0 (every probe its own round trip, as before), for comparing.
 */
import type { BecomeSpec, Connection, ExecOptions, ExecResult } from './connection/types.js';
import type { Probe, ProbeOptions } from './module.types.js';
import { batchScript, newMarker, splitBatch, type BatchPart } from './probe-batch.js';

/** A later task's probe, worked out ahead (runner/ahead.ts). */
export interface AheadProbe {
  /** The task (node) it is for: only that task is handed the result. */
  readonly owner: object;
  /** The task's name, for -vvv. */
  readonly label: string;
  readonly script: string;
  /** Its module declared it safe in the batch's own shell (ProbeOptions.inBatchShell, statPaths). */
  readonly inBatchShell?: boolean;
  readonly statPaths?: readonly string[];
}

/** What of a probe's options a batch part takes. */
export function batchOptions(o: Pick<ProbeOptions, 'inBatchShell' | 'statPaths'> | undefined): Pick<BatchPart, 'inBatchShell' | 'statPaths'> {
  if (!o?.inBatchShell) return {};
  return { inBatchShell: true, ...(o.statPaths?.length ? { statPaths: o.statPaths } : {}) };
}

/** At most this many later tasks ride on one probe (and the first batch's size). */
export const MAX_AHEAD = 32;

interface Stored {
  readonly script: string;
  /** The become user it ran as ('' without become). */
  readonly user: string;
  result: ExecResult;
  /** The fleet's change count when it was observed. */
  generation: number;
  /** The task whose probe carried it. */
  carrier: string;
}

interface HostAhead {
  /** owner → its results not handed out yet (usually one: a gather's first probe) */
  readonly stored: Map<object, Stored[]>;
  /** A batch is on its way: another probe meanwhile goes alone. */
  sending: boolean;
  /** For how many later tasks the next batch may carry probes. */
  window: number;
}

export function probeAheadEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.HOSTWRIGHT_PROBE_AHEAD !== '0';
}

export class Observations {
  /** Bumped whenever anything may have changed a host; a result observed before is not handed out. */
  #generation = 0;
  /** Commands that are not probes, in flight now. */
  #changing = 0;
  readonly #hosts = new Map<string, HostAhead>();
  /** Each watched connection's own exec: a read that is not a change. */
  readonly #reads = new WeakMap<Connection, Connection['exec']>();

  constructor(
    readonly enabled: boolean,
    /** -vvv: a task handed what was observed ahead says so. */
    private readonly trace?: (host: string, message: string) => void,
  ) {}

  /** Something outside the runner's commands may have changed the hosts (a pause): nothing observed ahead holds. */
  invalidate(): void {
    this.#generation++;
  }

  /** The connection tasks use: each command on it counts as a change, except reads through `read`. */
  watch(conn: Connection): Connection {
    const change = async <T>(fn: () => Promise<T>): Promise<T> => {
      this.#changing++;
      this.#generation++;
      try {
        return await fn();
      } finally {
        this.#changing--;
        this.#generation++;
      }
    };
    const watched: Connection = {
      host: conn.host,
      exec: (script, options) => change(() => conn.exec(script, options)),
      close: () => conn.close(),
      ...(conn.reconnect ? { reconnect: (o?: { connectTimeoutMs?: number }) => change(() => conn.reconnect!(o)) } : {}),
    };
    this.#reads.set(watched, (script, options) => conn.exec(script, options));
    return watched;
  }

  /** A read-only command (a probe, facts): not a change. */
  read(conn: Connection, script: string, options?: ExecOptions): Promise<ExecResult> {
    const read = this.#reads.get(conn);
    return read ? read(script, options) : conn.exec(script, options);
  }

  /** The connection for read-only commands only (facts). */
  reader(conn: Connection): Connection {
    return { host: conn.host, exec: (s, o) => this.read(conn, s, o), close: () => conn.close() };
  }

  #host(name: string): HostAhead {
    let h = this.#hosts.get(name);
    if (!h) this.#hosts.set(name, (h = { stored: new Map(), sending: false, window: MAX_AHEAD }));
    return h;
  }

  #valid(s: Stored): boolean {
    return this.holds(s.generation);
  }

  /** Where the hosts stand now: what `holds` later compares with. */
  stamp(): number {
    return this.#generation;
  }

  /** Nothing may have changed a host since `stamp()` returned `stamp`, and nothing is changing one now. */
  holds(stamp: number): boolean {
    return stamp === this.#generation && this.#changing === 0;
  }

  /**
   * The probe a task's gather gets. `owner` is the task; `ahead` (when this task may carry others'
   * probes) lists the first probes of up to `limit` later tasks, computed only when a probe has to go.
   */
  probe(conn: Connection, owner: object, label: string, become: BecomeSpec | undefined, ahead?: (limit: number) => Promise<AheadProbe[]>): Probe {
    const options = (stdin?: string | Buffer): ExecOptions => ({ ...(stdin !== undefined ? { stdin } : {}), ...(become ? { become } : {}) });
    return {
      run: async (script, o) => {
        if (o?.stdin !== undefined && o.stdin.length > 0) return this.read(conn, script, options(o.stdin));
        const h = this.#host(conn.host);
        const hit = take(h.stored, owner, become, script);
        if (hit) {
          if (this.#valid(hit)) {
            this.trace?.(conn.host, `PROBE observed ahead, in one round trip with task '${hit.carrier}': ${script}`);
            return hit.result;
          }
        }
        if (!this.enabled || !ahead || h.sending || become?.password !== undefined) return this.read(conn, script, options());
        return this.#batch(conn, h, { script, label: `task '${label}'`, ...batchOptions(o) }, label, become, ahead);
      },
    };
  }

  async #batch(conn: Connection, h: HostAhead, own: BatchPart, label: string, become: BecomeSpec | undefined, ahead: (limit: number) => Promise<AheadProbe[]>): Promise<ExecResult> {
    const exec = (s: string) => this.read(conn, s, become ? { become } : {});
    h.sending = true;
    try {
      // What a change made useless says how far ahead is worth observing on this host.
      let wasted = 0;
      for (const [owner, results] of h.stored) {
        const valid = results.filter((s) => this.#valid(s));
        wasted += results.length - valid.length;
        if (valid.length === 0) h.stored.delete(owner);
        else if (valid.length < results.length) h.stored.set(owner, valid);
      }
      h.window = wasted > 0 ? Math.max(1, h.window >> 1) : Math.min(MAX_AHEAD, h.window * 2);
      const user = userOf(become);
      const extras = (await ahead(h.window)).filter((p) => !h.stored.get(p.owner)?.some((s) => s.script === p.script && s.user === user));
      if (extras.length === 0) return await exec(own.script);
      // A change in flight now, or starting before the batch is back, moves the generation on.
      const generation = this.#generation;
      const marker = newMarker();
      const parts: BatchPart[] = [own, ...extras.map((p) => ({ script: p.script, label: `ahead: task '${p.label}'`, ...batchOptions(p) }))];
      const results = splitBatch(await exec(batchScript(parts, marker)), marker, parts);
      extras.forEach((p, i) => {
        const result = results[i + 1];
        if (!result) return;
        const stored: Stored = { script: p.script, user, result, generation, carrier: label };
        const forOwner = h.stored.get(p.owner);
        if (forOwner) forOwner.push(stored);
        else h.stored.set(p.owner, [stored]);
      });
      // The batch shell died before this part's frame: the probe alone, as it would have gone.
      return results[0] ?? (await exec(own.script));
    } finally {
      h.sending = false;
    }
  }
}

function userOf(become: BecomeSpec | undefined): string {
  return become ? become.user : '';
}

/** The result stored for `owner`'s `script` run as `become`, removed (a result is handed out once). */
function take(stored: Map<object, Stored[]>, owner: object, become: BecomeSpec | undefined, script: string): Stored | undefined {
  const mine = stored.get(owner);
  if (!mine) return undefined;
  const user = userOf(become);
  const i = mine.findIndex((s) => s.script === script && s.user === user);
  if (i < 0) return undefined;
  const hit = mine[i]!;
  if (mine.length === 1) stored.delete(owner);
  else mine.splice(i, 1);
  return hit;
}
