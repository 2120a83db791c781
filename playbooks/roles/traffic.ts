/**
 * traffic: seed 004's gradual traffic switch between two servers of one HAProxy backend (blue-green).
 * The new server takes 10% → 50% → 100% of the traffic (its weight that percentage of its configured
 * weight, the old one's the rest), each step only once the new server is UP; then the old one is
 * drained, waiting until its last session has ended. Any failure (the new server never comes UP)
 * rolls back: the old server at full weight, the new one in maintenance.
 *
 * Both servers should be configured with the same weight. Server names may be functions of the
 * host, the way group_vars or extra vars would give them. Without `backend`, every backend that has
 * the two servers switches at each step (one server name per slot across services, as the proxy
 * role names them). `checks` adds tasks after each step (a pause and an error-rate check: any that
 * fails rolls back), `onRollback` adds tasks after the rollback (stop the new release, fail the run).
 */
import { block, task, type Items } from '../../runner/index.js';
import type { HostContext } from '../../runner/module.js';
import { haproxy } from '../../modules/index.js';
import { perHost, type PerHost } from './per-host.js';

export interface TrafficSwitchVars {
  /** The backend; unset: every backend that has servers `from` and `to`. @default all */
  backend?: string;
  /** The server taking the traffic now. */
  from: PerHost<string>;
  /** The server that takes it over. */
  to: PerHost<string>;
  /** Percentages of the traffic for the new server, in order; the last should be 100. @default [10, 50, 100] */
  steps?: number[];
  /** HAProxy's admin socket. @default '/run/haproxy/admin.sock' */
  socket?: string;
  /** Seconds between two looks while waiting (UP, drained). @default 2 */
  wait_interval?: number;
  /** Looks before a wait gives up (and the switch rolls back). @default 30 */
  wait_retries?: number;
  /** Tasks after each step, given its percentage; a failure among them rolls back. @default none */
  checks?: (pct: number) => Items;
  /** Tasks after the rollback (in the rescue, so ansible_failed_task names what failed). @default none */
  onRollback?: Items;
}

export function trafficSwitch(v: TrafficSwitchVars): Items {
  const from = perHost(v.from);
  const to = perHost(v.to);
  const common = { ...(v.backend === undefined ? {} : { backend: v.backend }), socket: v.socket ?? '/run/haproxy/admin.sock' };
  const waiting = { wait: true, wait_interval: v.wait_interval ?? 2, wait_retries: v.wait_retries ?? 30 };
  const steps = v.steps ?? [10, 50, 100];
  return [
    block({
      name: `switch ${v.backend ?? 'every backend'}`,
      tags: ['traffic'],
      block: [
        ...steps.flatMap((pct) => [
          task(`new server at ${pct}% of the traffic`, haproxy((h) => ({ ...common, ...waiting, state: 'enabled', host: to(h), weight: `${pct}%` }))),
          task(`old server at ${100 - pct}%`, haproxy((h) => ({ ...common, state: 'enabled', host: from(h), weight: `${100 - pct}%` }))),
          v.checks?.(pct) ?? [],
        ]),
        task('old server drained', haproxy((h) => ({ ...common, ...waiting, state: 'drain', host: from(h) }))),
      ],
      rescue: [
        task('roll back: old server at full weight', haproxy((h) => ({ ...common, state: 'enabled', host: from(h), weight: '100%' }))),
        task('roll back: new server out', haproxy((h) => ({ ...common, state: 'disabled', host: to(h) }))),
        v.onRollback ?? [],
      ],
    }),
  ];
}
