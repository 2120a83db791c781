/**
 * release: seed 004's blue-green release of the app role's services, shared by playbooks/deploy.ts
 * (a new version) and playbooks/rollback.ts (the previous release):
 *
 *  1. the idle slot's servers go into maintenance in every backend (a container that starts and
 *     passes HAProxy's health check must not get traffic before its turn);
 *  2. the idle slot's images are built from the release and its containers started; each must pass
 *     its healthcheck, then answer GET /health on its port;
 *  3. traffic moves to the idle slot 10% → 50% → 100% (playbooks/roles/traffic.ts), with a pause
 *     and an error-rate check of the new servers (HAProxy's counters since step 1) after each step;
 *     the old servers are drained;
 *  4. the old slot's containers stop (kept, with their images, for rollback.ts), the slot is recorded.
 * A failure in 2 or 3 rolls back: the old servers at full weight, the new ones in maintenance, the
 * new containers stopped, `onFailure` (deploy.ts: `current` back to the previous release), and the
 * run fails with a message naming the check that failed.
 */
import { block, task, type Items, type Task } from '../../runner/index.js';
import type { HostContext } from '../../runner/module.js';
import { assert, copy, fail, haproxy, pause, podman_container, shell, uri } from '../../modules/index.js';
import { colorFile, colorOf, containerName, liveColorTask, otherColor, serviceNames, slotContainer, slotPort, slotTasks, type AppVars, type Color } from './app.js';
import { perHost, type PerHost } from './per-host.js';
import { HAPROXY_SOCKET } from './proxy.js';
import { trafficSwitch } from './traffic.js';

export interface ReleaseVars {
  app: AppVars;
  /** Seconds to watch each traffic step before its error-rate check. @default 30 */
  pauseSeconds?: PerHost<number>;
  /** Highest share of failed requests (5xx, connection and response errors) of the new servers. @default 0.01 */
  maxErrorRate?: number;
  /** Traffic steps for the new slot, in percent. @default [10, 50, 100] */
  steps?: number[];
  /** Seconds between two looks while waiting for servers UP or drained. @default 1 */
  waitInterval?: number;
  /** Looks before such a wait gives up. @default 30 */
  waitRetries?: number;
}

/** Counters of one server summed over backends: requests answered, and of them failures. */
export interface ServerCounters {
  requests: number;
  errors: number;
}

/** Sums `show stat`'s counters (CSV with its `# pxname,...` header) of the server `server` in every backend. */
export function serverCounters(csv: string, server: string): ServerCounters {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = lines.find((l) => l.startsWith('# '));
  if (!header) throw new Error(`not HAProxy's show stat output: ${csv.slice(0, 200)}`);
  const cols = header.slice(2).split(',');
  const at = (row: string[], name: string) => Number(row[cols.indexOf(name)] || 0);
  const sum: ServerCounters = { requests: 0, errors: 0 };
  for (const row of lines.filter((l) => !l.startsWith('#')).map((l) => l.split(','))) {
    if (row[cols.indexOf('svname')] !== server) continue;
    const responses = ['hrsp_1xx', 'hrsp_2xx', 'hrsp_3xx', 'hrsp_4xx', 'hrsp_5xx', 'hrsp_other'].reduce((n, c) => n + at(row, c), 0);
    const failed = at(row, 'econ') + at(row, 'eresp');
    sum.requests += responses + failed;
    sum.errors += at(row, 'hrsp_5xx') + failed;
  }
  return sum;
}

/** The share of failed requests between two readings (0 when there were none). */
export function errorRate(before: ServerCounters, after: ServerCounters): number {
  const requests = after.requests - before.requests;
  return requests <= 0 ? 0 : (after.errors - before.errors) / requests;
}

/** A failed result's message; a loop's names the items that failed and why. */
export function failureText(result: unknown): string {
  const r = (result ?? {}) as { msg?: string; results?: { item?: unknown; failed?: boolean; msg?: string }[] };
  const items = (r.results ?? []).filter((i) => i.failed);
  return items.length ? items.map((i) => `${String(i.item)}: ${i.msg ?? 'failed'}`).join('; ') : (r.msg ?? 'failed');
}

const STATS = `echo 'show stat -1 4 -1' | socat -t 10 stdio unix-connect:${HAPROXY_SOCKET}`;
const stdoutOf = (t: Task, h: HostContext): string => String((t.result(h) as { stdout?: string } | undefined)?.stdout ?? '');

/**
 * The release of `release(h)` (a directory under the app's releases/) into the idle slot.
 * `onFailure` runs in the rollback before the run fails.
 */
export function releaseTasks(v: ReleaseVars, release: (h: HostContext) => string, onFailure: Items = []): Items {
  const a = v.app;
  const live = liveColorTask(a);
  const from = (h: HostContext): Color => colorOf(live, h);
  const to = (h: HostContext): Color => otherColor(from(h));
  const socket = HAPROXY_SOCKET;
  const maxErrorRate = v.maxErrorRate ?? 0.01;
  const baseline = task('new servers counters before the switch', shell({ cmd: STATS }), { changed_when: () => false });

  const abort: Items = [
    task('roll back: new containers removed', podman_container((h) => ({ name: containerName(a, String(h.item), to(h)), state: 'absent' })), { loop: serviceNames(a) }),
    onFailure,
    task(
      'release failed',
      fail((h) => {
        const failed = h.vars.ansible_failed_task as { name?: string } | undefined;
        return { msg: `release ${release(h).split('/').pop()} rolled back, traffic stays on ${from(h)}: check '${failed?.name ?? '?'}' failed: ${failureText(h.vars.ansible_failed_result)}` };
      }),
    ),
  ];

  const checks = (pct: number): Items => {
    const now = task(`new servers counters at ${pct}%`, shell({ cmd: STATS }), { changed_when: () => false });
    return [
      task(`watch ${pct}% of the traffic`, pause((h) => ({ seconds: perHost(v.pauseSeconds ?? 30)(h) }))),
      now,
      task(
        `error-rate check at ${pct}%`,
        assert({
          that: (h) => errorRate(serverCounters(stdoutOf(baseline, h), to(h)), serverCounters(stdoutOf(now, h), to(h))) <= maxErrorRate,
          fail_msg: `more than ${maxErrorRate * 100}% of the requests to the new servers failed`,
        }),
      ),
    ];
  };

  return [
    live,
    block({
      name: 'new release beside the live one',
      block: [
        task('new servers in maintenance', haproxy((h) => ({ state: 'disabled', host: to(h), socket }))),
        slotTasks(a, to, release),
        task(
          'health check: GET /health of each new container',
          uri((h) => ({ url: `http://127.0.0.1:${slotPort(a, String(h.item), to(h))}/health`, status_code: 200, timeout: 5 })),
          { loop: serviceNames(a) },
        ),
        baseline,
      ],
      rescue: abort,
    }),
    trafficSwitch({
      from,
      to,
      socket,
      steps: v.steps ?? [10, 50, 100],
      wait_interval: v.waitInterval ?? 1,
      wait_retries: v.waitRetries ?? 30,
      checks,
      onRollback: abort,
    }),
    task('old containers stopped', podman_container((h) => slotContainer(a, String(h.item), from(h), 'stopped')), { loop: serviceNames(a) }),
    task('live slot recorded', copy((h) => ({ dest: colorFile(a), content: `${to(h)}\n`, mode: '0644' }))),
  ];
}
