/**
 * Fakes for engine unit tests: hosts as key/value stores behind a scripted Connection, two fake
 * modules (an idempotent `setv` and a non-idempotent `cmd`), an inventory, a recording reporter,
 * and a helper that runs plays and summarizes the events.
 */
import { applyActions } from '../../runner/apply.js';
import type { Connection, ExecOptions, ExecResult } from '../../runner/connection/types.js';
import type { Play } from '../../runner/dsl.js';
import { answerBatch } from '../../runner/probe-batch.js';
import { UnreachableError } from '../../runner/errors.js';
import type { Reporter, RunEvent } from '../../runner/events.js';
import type { Facts } from '../../runner/facts.types.js';
import type { Inventory, Vars } from '../../runner/inventory/types.js';
import { defineModule } from '../../runner/module.js';
import type { Action } from '../../runner/module.types.js';
import { defaultRunOptions, type RunOptions } from '../../runner/options.js';
import { runPlaybook } from '../../runner/run.js';
import type { EngineDeps } from '../../runner/state.js';

export function facts(host: string): Facts {
  return {
    hostname: host,
    fqdn: host,
    os_family: 'Debian',
    distribution: 'Debian',
    distribution_version: '12.7',
    distribution_major_version: '12',
    distribution_release: 'bookworm',
    architecture: 'x86_64',
    system: 'Linux',
    kernel: '6.1',
    pkg_mgr: 'apt',
    service_mgr: 'sysvinit',
    all_ipv4_addresses: [],
    all_ipv6_addresses: [],
    user_id: 'root',
    user_uid: 0,
    sudo_nopasswd: true,
    date_time_epoch: 0,
  };
}

const tick = (ms = 1) => new Promise<void>((r) => setTimeout(r, ms));

/** Everything the fake world saw, shared by all hosts of a test. */
export class World {
  readonly store = new Map<string, Map<string, string>>();
  /** Scripts that changed something: `host: script` (gathers are not recorded). */
  readonly applied: string[] = [];
  /** Every exec: `host: script` and the become user, if any. */
  readonly execs: { host: string; script: string; become?: string }[] = [];
  readonly unreachable = new Set<string>();
  readonly connects: string[] = [];
  /** Per-host command latency in ms (default 1). */
  readonly latency = new Map<string, number>();
  readonly closed: string[] = [];
  busy = 0;
  maxBusy = 0;

  get(host: string, key: string): string | undefined {
    return this.store.get(host)?.get(key);
  }

  connection(host: string): Connection {
    return {
      host,
      exec: async (script: string, options?: ExecOptions): Promise<ExecResult> => {
        this.busy++;
        this.maxBusy = Math.max(this.maxBusy, this.busy);
        this.execs.push({ host, script, ...(options?.become ? { become: options.become.user } : {}) });
        await tick(this.latency.get(host));
        this.busy--;
        return this.#run(host, script);
      },
      close: async () => {
        this.closed.push(host);
      },
    };
  }

  #run(host: string, script: string): ExecResult {
    // A batch of probes (runner/observe.ts): each part answered here.
    const batch = answerBatch(script, (part) => this.#run(host, part));
    if (batch) return batch;
    const kv = this.store.get(host) ?? new Map<string, string>();
    this.store.set(host, kv);
    const out = (rc: number, stdout = '', stderr = '') => ({ rc, stdout, stderr, stdoutBytes: Buffer.from(stdout) });
    let m = /^get (\S+)$/.exec(script);
    if (m) return kv.has(m[1]!) ? out(0, kv.get(m[1]!)!) : out(1);
    m = /^set (\S+)=(.*)$/.exec(script);
    if (m) {
      this.applied.push(`${host}: ${script}`);
      kv.set(m[1]!, m[2]!);
      return out(0);
    }
    m = /^exit (\d+)$/.exec(script);
    if (m) {
      this.applied.push(`${host}: ${script}`);
      return out(Number(m[1]), `out ${host}`, Number(m[1]) ? 'boom' : '');
    }
    this.applied.push(`${host}: ${script}`);
    return out(0, `ran ${script}`);
  }

  deps(): EngineDeps {
    return {
      connect: async (host) => {
        this.connects.push(host);
        await tick();
        if (this.unreachable.has(host)) throw new UnreachableError(host, `Failed to connect to the host via ssh: ${host}: connection refused`);
        return this.connection(host);
      },
      gatherFacts: async (conn) => facts(conn.host),
      applyActions: (conn, actions: Action[], options) => applyActions(conn, actions, options),
    };
  }
}

export interface SetvParams {
  key: string;
  value: string;
  /** Make the plan fail (a module that cannot proceed). */
  planFail?: boolean;
  /** Make the plan fail when the current value is this one (a failure that depends on the host). */
  failIf?: string;
}

/** Idempotent: sets key=value on the host; changed only when different. */
export const setv = defineModule<SetvParams, string | undefined>({
  name: 'setv',
  schema: {
    type: 'object',
    properties: {
      key: { type: 'string' },
      value: { type: 'string' },
      planFail: { type: 'boolean', nullable: true },
      failIf: { type: 'string', nullable: true },
    },
    required: ['key', 'value'],
    additionalProperties: false,
  },
  secretParams: ['value'],
  async gather(p, probe) {
    const r = await probe.run(`get ${p.key}`);
    return r.rc === 0 ? r.stdout : undefined;
  },
  plan(p, current) {
    if (p.planFail) return { changed: false, actions: [], failed: `cannot set ${p.key}` };
    if (p.failIf !== undefined && current === p.failIf) return { changed: false, actions: [], failed: `${p.key} is ${current}` };
    const changed = current !== p.value;
    return {
      changed,
      actions: changed ? [{ kind: 'run', script: `set ${p.key}=${p.value}` }] : [],
      diffs: changed ? [{ before: `${current ?? ''}\n`, after: `${p.value}\n`, before_header: p.key, after_header: p.key }] : [],
      summary: changed ? `set ${p.key}` : undefined,
      result: { key: p.key },
      effects: [{ kind: 'resource', type: 'kv', key: p.key, state: 'present', attrs: { value: p.value } }],
    };
  },
  overlay(current, predicted, p) {
    const kv = predicted.resource('kv', p.key);
    return kv ? (kv.attrs?.value as string) : current;
  },
});

/** setv whose probe may be observed ahead (ModuleSpec.probeAhead), as file or stat's. */
export const setva = defineModule<SetvParams, string | undefined>({ ...setv({ key: 'k', value: 'v' }).module, name: 'setva', probeAhead: true });

/** setva whose probe is declared safe in a batch's own shell, statting /kv/KEY (ProbeOptions.inBatchShell, statPaths). */
export const setvs = defineModule<SetvParams, string | undefined>({
  ...setva({ key: 'k', value: 'v' }).module,
  name: 'setvs',
  async gather(p, probe) {
    const r = await probe.run(`get ${p.key}`, { inBatchShell: true, statPaths: [`/kv/${p.key}`] });
    return r.rc === 0 ? r.stdout : undefined;
  },
});

export interface CmdParams {
  cmd: string;
}

/** Non-idempotent: runs a command whose output becomes the result (like `command`). */
export const cmd = defineModule<CmdParams, null>({
  name: 'cmd',
  schema: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'], additionalProperties: false },
  async gather() {
    return null;
  },
  plan(p) {
    return { changed: true, nonIdempotent: true, actions: [{ kind: 'run', script: p.cmd, capture: true }] };
  },
});

export function fakeInventory(hosts: string[], groups: Record<string, string[]> = {}, vars: Record<string, Vars> = {}): Inventory {
  // Union patterns only (the real matcher is tested in test/compat/inventory); a limit intersects.
  const union = (pattern: string | string[]): Set<string> => {
    const wanted = new Set<string>();
    for (const part of ([] as string[]).concat(pattern).flatMap((p) => p.split(/[,:]/))) {
      if (part === 'all' || part === '*') hosts.forEach((h) => wanted.add(h));
      else if (groups[part]) groups[part]!.forEach((h) => wanted.add(h));
      else if (hosts.includes(part)) wanted.add(part);
    }
    return wanted;
  };
  const select = (pattern: string | string[], limit?: string | string[]): string[] => {
    const wanted = union(pattern);
    const allowed = limit === undefined ? undefined : union(limit);
    return hosts.filter((h) => wanted.has(h) && (!allowed || allowed.has(h)));
  };
  return {
    hosts: new Map(hosts.map((h) => [h, { name: h, vars: vars[h] ?? {}, groups: [] }])),
    groups: new Map(),
    hostVars: (h) => ({ inventory_hostname: h, ...(vars[h] ?? {}) }),
    select,
    warnings: [],
  };
}

export class Recorder implements Reporter {
  readonly events: RunEvent[] = [];
  emit(e: RunEvent): void {
    // Events must be plain data: a JSON round trip is what --json does.
    this.events.push(JSON.parse(JSON.stringify(e)) as RunEvent);
  }
  async close(): Promise<void> {}

  /** `task host status` lines for every host_result, in order (items as `task host status item`). */
  get lines(): string[] {
    return this.events.flatMap((e) =>
      e.type === 'host_result' ? [`${e.task} ${e.host} ${e.status}${e.item !== undefined ? ` ${e.item}` : ''}${e.ignored ? ' ignored' : ''}`] : [],
    );
  }

  /** `lines`, sorted within each run of the same task: hosts report in completion order, as in Ansible. */
  get grouped(): string[] {
    const out: string[][] = [];
    for (const l of this.lines) {
      const last = out.at(-1);
      if (last && last[0]!.split(' ')[0] === l.split(' ')[0]) last.push(l);
      else out.push([l]);
    }
    return out.flatMap((g) => g.sort());
  }

  get recap(): Record<string, Record<string, number>> {
    const r = this.events.find((e) => e.type === 'recap');
    return r && r.type === 'recap' ? (r.stats as unknown as Record<string, Record<string, number>>) : {};
  }
}

export interface Ran {
  code: number;
  rec: Recorder;
  world: World;
}

export async function runPlays(
  plays: Play[],
  opts: Partial<RunOptions> = {},
  setup: { hosts?: string[]; groups?: Record<string, string[]>; vars?: Record<string, Vars>; world?: World } = {},
): Promise<Ran> {
  const world = setup.world ?? new World();
  const rec = new Recorder();
  const inventory = fakeInventory(setup.hosts ?? ['h1', 'h2', 'h3'], setup.groups, setup.vars);
  const code = await runPlaybook(plays, defaultRunOptions(opts), rec, { inventory, deps: world.deps(), playbookDir: '/pb' });
  return { code, rec, world };
}
