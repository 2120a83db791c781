/**
 * Runs module calls on lab hosts through Hostwright's own transport (connect + known_hosts + the
 * lab key) and facts, and through the executor's own path (runner/module-run.ts: params, secret
 * masking, gather, plan, apply or check with `would_run`): check (plan only), apply, run again.
 */
import { afterAll, expect } from 'vitest';
import { connect, type BecomeSpec, type Connection } from '../../../runner/connection/index.js';
import { gatherFacts } from '../../../runner/facts.js';
import type { Facts } from '../../../runner/facts.types.js';
import type { ModuleCall } from '../../../runner/module.js';
import { runCallOn, type CallRun } from '../../../runner/module-run.js';
import type { LabHost } from '../../lab/state.js';
import { labConnectSpec, sshOk } from '../../lab/testing.js';

/** The task's result, plan and issues, with the result's changed/failed/msg at hand. */
export interface ModuleRunResult extends CallRun {
  changed: boolean;
  failed: boolean;
  msg?: string;
}

export interface HostSession {
  host: LabHost;
  conn: Connection;
  facts: Facts;
}

const open: HostSession[] = [];
afterAll(async () => {
  await Promise.all(open.splice(0).map((s) => s.conn.close()));
});

export async function session(host: LabHost, user = 'root'): Promise<HostSession> {
  const conn = await connect(labConnectSpec(host, { ansible_user: user }));
  const s = { host, conn, facts: await gatherFacts(conn) };
  open.push(s);
  return s;
}

export async function run<P, S>(s: HostSession, call: ModuleCall<P, S>, check = false, playbookDir?: string, become?: BecomeSpec): Promise<ModuleRunResult> {
  const r = await runCallOn(s.conn, call, { facts: s.facts, check, ...(playbookDir ? { playbookDir } : {}), ...(become ? { become } : {}) });
  // A failed task changed nothing as far as its result goes (as the removed run-module helper said).
  return { ...r, changed: r.result.changed && !r.result.failed, failed: r.result.failed, ...(r.result.msg !== undefined ? { msg: r.result.msg } : {}) };
}

/**
 * A call on `s` that may reach the other sessions' hosts (Probe.peer, RelayAction: a backup copied
 * to another host), by their lab names, as a playbook run reaches its inventory's other hosts.
 */
export async function runAcross<P, S>(s: HostSession, call: ModuleCall<P, S>, others: HostSession[], check = false): Promise<ModuleRunResult> {
  const peers = Object.fromEntries(others.map((o) => [o.host.name, { conn: o.conn }]));
  const r = await runCallOn(s.conn, call, { facts: s.facts, check, peers });
  return { ...r, changed: r.result.changed && !r.result.failed, failed: r.result.failed, ...(r.result.msg !== undefined ? { msg: r.result.msg } : {}) };
}

export interface Convergence {
  check: ModuleRunResult;
  first: ModuleRunResult;
  second: ModuleRunResult;
}

/**
 * The module contract on a host: check mode predicts the run exactly (same changed, same diffs,
 * nothing applied by check), the run changes, the next run does not.
 */
export async function converge<P, S>(s: HostSession, call: ModuleCall<P, S>, opts: { playbookDir?: string; idempotent?: boolean } = {}): Promise<Convergence> {
  const check = await run(s, call, true, opts.playbookDir);
  const again = await run(s, call, true, opts.playbookDir);
  // Check mode changed nothing: planning twice gives the same plan.
  expect(again.plan?.diffs).toEqual(check.plan?.diffs);
  expect(again.changed).toBe(check.changed);
  const first = await run(s, call, false, opts.playbookDir);
  expect(first.failed, first.msg).toBe(false);
  expect(first.changed).toBe(true);
  expect(first.changed).toBe(check.changed);
  expect(first.plan?.diffs).toEqual(check.plan?.diffs);
  const second = await run(s, call, false, opts.playbookDir);
  expect(second.failed, second.msg).toBe(false);
  if (opts.idempotent !== false) {
    expect(second.changed).toBe(false);
    expect(second.plan?.diffs ?? []).toEqual([]);
  }
  return { check, first, second };
}

/** A fresh scratch directory on the host. */
export async function scratch(s: HostSession, name: string): Promise<string> {
  const dir = `/tmp/hw-e2e/${name}`;
  await sshOk(s.host, `rm -rf ${dir} && mkdir -p ${dir}`);
  return dir;
}

/** Output of a shell command on the host (as root, through OpenSSH), trailing newline removed. */
export async function remote(s: HostSession, command: string): Promise<string> {
  return (await sshOk(s.host, command)).replace(/\n$/, '');
}
