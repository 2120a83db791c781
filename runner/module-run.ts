/**
 * One module call on one host, from the host's params to the task's result: the params for the
 * host (validated and defaulted, when they are a function of it) → secret params registered with
 * the masker → gather (every probe with the task's become) → the check run's predictions overlaid
 * → plan → in check mode the plan itself (`would_run` for non-idempotent work), otherwise its
 * actions applied → the result, Ansible's shape.
 *
 * The executor (execute.ts) wraps this with when, loop, changed_when/failed_when, register and
 * notify; the e2e harness, the compat tests and the case harness call it directly, so every test
 * of a module goes through exactly the code a playbook run does.
 */
import { applyActions, type ApplyOptions, type ApplyOutcome } from './apply.js';
import type { BecomeSpec, Connection } from './connection/types.js';
import { issuesText, type AnyModuleCall } from './dsl.js';
import type { Facts } from './facts.types.js';
import { Masker } from './mask.js';
import { ProbeError, type HostContext, type ParamIssue } from './module.js';
import type { ModuleContext, Plan, Predicted, Probe, TaskResult } from './module.types.js';
import type { PeerConnection, PeerLookup } from './relay.js';
import { markUnknown, OUTPUT_KEYS, type PredictedState } from './predict.js';
import type { Resolved } from './prepared.js';
import { isSecret } from './secret.js';

export interface CallEnv {
  conn: Connection;
  /** The task's host as params functions see it (host, vars, facts). */
  ctx: HostContext;
  /** The variables modules see (ModuleContext.vars). @default ctx.vars */
  vars?: Readonly<Record<string, unknown>>;
  /** Facts of the host the call runs on (the delegate's, when delegated). */
  facts: Facts;
  become?: BecomeSpec;
  playbookDir: string;
  /** Plan only: report what would change. */
  check: boolean;
  /** Put the plan's diffs in the result. */
  diff: boolean;
  masker: Masker;
  /** The task's name: what a would-run result's unknown output depends on. */
  taskName: string;
  /** A check run's predictions for the target host, overlaid on what gather saw. */
  predicted?: PredictedState;
  /**
   * How gather observes, with the task's become (runner/observe.ts: possibly observed ahead).
   * @default conn.exec with the task's become
   */
  probe?: Probe;
  /** runner/apply.ts's applyActions (the engine's deps let tests record what is applied). */
  apply: (conn: Connection, actions: Plan['actions'], options: ApplyOptions) => Promise<ApplyOutcome>;
  /** Ctrl-C arrived: do not start applying. */
  interrupted?: () => boolean;
  /**
   * Other inventory hosts' connections (a copy's target): `Probe.peer` while observing and a
   * RelayAction's receiving end. Rejects with ProbeError for a host it cannot give. @default none
   */
  peer?: PeerLookup;
  /** The params as worked out ahead for this task (runner/prepared.ts). @default resolved here */
  prepared?: { resolved: Resolved };
}

export interface CallRun {
  result: TaskResult;
  /** Absent when the params were refused. */
  plan?: Plan;
  /** Parameter issues (then the result failed and nothing touched the host). */
  issues: ParamIssue[];
}

/** Ctrl-C arrived between observing and applying: the task does not start its changes. */
export class Interrupted extends Error {
  override name = 'Interrupted';
}

/** The call's params for a host: validated, defaults filled in, when they are a function of it. */
export function resolveParams(call: AnyModuleCall, ctx: HostContext): Resolved {
  return typeof call.params === 'function'
    ? call.resolve((call.params as (c: HostContext) => unknown)(ctx))
    : { issues: call.issues, ...(call.issues.length === 0 ? { params: call.params } : {}) };
}

export async function runModuleCall(call: AnyModuleCall, env: CallEnv): Promise<CallRun> {
  const { conn, become } = env;
  const resolved = env.prepared?.resolved ?? resolveParams(call, env.ctx);
  const params = resolved.params;
  if (params === undefined) {
    return { issues: resolved.issues, result: { changed: false, failed: true, msg: issuesText(call.module.name, resolved.issues) } };
  }
  registerSecrets(call, params, env.masker);
  if (env.check && call.module.checkModeSkip !== undefined) {
    // Ansible skips such a module in check mode without running it.
    return { issues: [], result: { changed: false, failed: false, skipped: true, msg: call.module.checkModeSkip } };
  }

  const mctx: ModuleContext = { facts: env.facts, vars: env.vars ?? env.ctx.vars, host: conn.host, playbookDir: env.playbookDir, check: env.check };
  const own: Probe = env.probe ?? { run: (script, o) => conn.exec(script, { ...o, ...(become ? { become } : {}) }) };
  const peer = env.peer && peerOf(env.peer, conn.host);
  const probe: Probe = peer
    ? {
        run: (script, o) => own.run(script, o),
        peer: async (host) => {
          const p = await peer(host);
          return { run: (script, o) => p.conn.exec(script, { ...o, ...(p.become ? { become: p.become } : {}) }) };
        },
      }
    : own;
  let state: unknown;
  try {
    state = await call.module.gather(params, probe, mctx);
  } catch (e) {
    // The module's probe failed on the host: the task fails, nothing planned.
    if (e instanceof ProbeError) return { issues: [], result: { changed: false, failed: true, msg: e.message } };
    throw e;
  }
  if (env.predicted && !env.predicted.empty && call.module.overlay) {
    state = call.module.overlay(state, env.predicted.view(creatorOf(become, env.facts)), params, mctx);
  }
  const plan = call.module.plan(params, state, mctx);

  let result: TaskResult = {
    changed: plan.changed,
    failed: false,
    ...(plan.summary !== undefined ? { msg: plan.summary } : {}),
    ...plan.result,
    ...(env.diff && plan.diffs?.length ? { diff: plan.diffs } : {}),
  };
  if (plan.failed !== undefined) {
    // A module may register a richer msg than the one-line reason (assert's list of messages).
    result = { ...result, changed: false, failed: true, msg: (plan.result?.msg as string | undefined) ?? plan.failed };
  } else if (env.check) {
    // What it would print is known only once it runs: later tasks reading it depend on this one.
    if (plan.nonIdempotent && plan.changed) result = markUnknown({ ...result, would_run: true }, { by: env.taskName, keys: OUTPUT_KEYS });
  } else if ((plan.changed || plan.queries) && plan.actions.length > 0) {
    if (env.interrupted?.()) throw new Interrupted();
    const outcome = await env.apply(conn, plan.actions, { ...(become ? { become } : {}), ...(peer ? { peer } : {}) });
    const cap = outcome.captured;
    if (call.module.interpret && cap) {
      // The module reads its own captured output (uri's response, wait_for's elapsed time).
      const read = call.module.interpret(params, cap);
      result = { ...result, ...outcome.result, ...read.result, ...(read.failed !== undefined ? { failed: true, msg: read.failed } : {}) };
    } else {
      // Ansible's command/shell strip trailing newlines (strip_empty_ends), so `stdout === '0'` works.
      const stdout = cap?.stdout.replace(/[\r\n]+$/, '') ?? '';
      const stderr = cap?.stderr.replace(/[\r\n]+$/, '') ?? '';
      result = {
        ...result,
        ...outcome.result,
        // The module's own keys win over the actions' generic ones (fetch's sha1 `checksum`, as
        // Ansible registers it, over the FetchAction's sha256).
        ...plan.result,
        ...(cap ? { rc: cap.rc, stdout, stderr, stdout_lines: lines(stdout), stderr_lines: lines(stderr) } : {}),
        ...(outcome.ok ? {} : { failed: true, msg: outcome.msg }),
      };
    }
  }
  return { result, plan, issues: [] };
}

/** The params' secret values are masked from now on (in every event, and in -vvv's commands). */
export function registerSecrets(call: AnyModuleCall, params: unknown, masker: Masker): void {
  masker.addSecretsIn(params);
  for (const name of call.module.secretParams ?? []) {
    const v = (params as Record<string, unknown>)[name];
    if (typeof v === 'string' || isSecret(v)) masker.add(v as string);
  }
}

/**
 * The lookup as modules get it: the task's own host is refused (a copy onto itself is a mistake,
 * and its connection is the one already in use), and a lookup failure is a ProbeError, so the task
 * fails with the reason instead of the host counting as unreachable.
 */
function peerOf(lookup: PeerLookup, self: string): PeerLookup {
  return async (host) => {
    if (host === self) throw new ProbeError(`${host} is the task's own host`);
    try {
      return await lookup(host);
    } catch (e) {
      if (e instanceof ProbeError) throw e;
      throw new ProbeError(`cannot reach ${host}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
}

/** Who a new path would belong to: known for root (the usual become), else not. */
function creatorOf(become: BecomeSpec | undefined, facts: Facts): Predicted['creator'] {
  const root = become ? become.user === 'root' : facts.user_uid === 0;
  return root ? { uid: 0, gid: 0 } : undefined;
}

function lines(s: string): string[] {
  return s === '' ? [] : s.split('\n');
}

export interface StandaloneOptions {
  facts: Facts;
  /** @default false */
  check?: boolean;
  /** @default true */
  diff?: boolean;
  become?: BecomeSpec;
  /** The host's variables, as params functions see them. @default {} */
  vars?: Record<string, unknown>;
  /** @default the working directory */
  playbookDir?: string;
  /** @default a fresh Masker */
  masker?: Masker;
  /** Other hosts' connections by inventory name (Probe.peer, RelayAction). @default none */
  peers?: Record<string, PeerConnection>;
}

/** A peer lookup's refusal of a name that is not one of the inventory's hosts. */
export function notInInventory(host: string): ProbeError {
  return new ProbeError(`${host} is not a host of the inventory`);
}

/** One call on one connection outside any play (tests, one-off runs): the same path as a task. */
export function runCallOn(conn: Connection, call: AnyModuleCall, o: StandaloneOptions): Promise<CallRun> {
  const vars = o.vars ?? {};
  return runModuleCall(call, {
    conn,
    ctx: { host: conn.host, vars, facts: o.facts },
    facts: o.facts,
    ...(o.become ? { become: o.become } : {}),
    playbookDir: o.playbookDir ?? process.cwd(),
    check: o.check ?? false,
    diff: o.diff ?? true,
    masker: o.masker ?? new Masker(),
    taskName: call.module.name,
    apply: applyActions,
    ...(o.peers ? { peer: (host: string) => (o.peers![host] ? Promise.resolve(o.peers![host]) : Promise.reject(notInInventory(host))) } : {}),
  });
}
