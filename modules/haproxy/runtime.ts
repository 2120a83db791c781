/**
 * haproxy: enable, disable, drain and weigh backend servers through HAProxy's runtime API, as
 * community.general.haproxy does, with check mode and a diff of the servers' states.
 *
 * Observe: one round trip (`show servers state; show stat` over one socket connection, see
 * socket.ts; the host needs socat). Plan: compare each server's administrative state, weight and
 * check/agent state with what is asked; only what differs is sent, so a second run changes nothing.
 * Where it differs from community.general.haproxy, and why:
 *  - fail_on_not_found defaults to true: a typo in a server name should not pass silently.
 *  - `wait` after a drain waits until the server has no current sessions ("drained"), read from
 *    `show stat`'s scur, whatever its operational status: a DOWN server never shows `DRAIN`, which
 *    is why Ansible's drain guard never worked (community.general#9020). `drain: true` only matters
 *    with state=disabled (drain, wait until drained, then maintenance); with state=enabled Ansible
 *    waited for zero sessions on a server that serves traffic and hung (#12286): here enabled+wait
 *    waits for the server to be UP, whatever `drain` says.
 *  - `weight` applies in every state (Ansible only sends it with state=enabled).
 *  - Idempotent and predictable: Ansible sends every command and calls the task changed when the
 *    status string moved (which a changing session count also does).
 */
import { defineModule } from '../../runner/module.js';
import type { Action, Plan, Predicted, Probe, ResourceEffect } from '../../runner/module.types.js';
import { sh } from '../../runner/shell.js';
import { ADMIN, CHECK, NO_SOCAT, NO_SOCKET, SOCAT_MISSING, STATIC_ALGORITHMS, parseRuntimeView, socketCommandScript, socketQueryLines, type RuntimeView, type ServerState } from './socket.js';
import { waitAction } from './wait.js';
import { haproxyDefinition, type HaproxyParams, type WeightRequest, parseWeight } from './runtime.params.js';

export { parseWeight } from './runtime.params.js';
export type { HaproxyParams, WeightRequest } from './runtime.params.js';

/** The weight HAProxy sets for a request on a server (its own arithmetic: iweight × pct / 100, floored). */
export function targetWeight(req: WeightRequest, server: ServerState): number {
  return 'absolute' in req ? req.absolute : Math.min(256, Math.floor((server.initialWeight * req.percent) / 100));
}

export interface HaproxyState {
  /** Why nothing can be observed (no socat, no socket). */
  problem?: string;
  view?: RuntimeView;
}

export function haproxyProbeScript(socket: string): string {
  return socketQueryLines(socket, ['show servers state', 'show stat']);
}

export function parseHaproxyProbe(stdout: string, socket: string): HaproxyState {
  if (stdout.startsWith(NO_SOCAT)) return { problem: SOCAT_MISSING };
  if (stdout.startsWith(NO_SOCKET)) return { problem: `no HAProxy socket at ${socket} (is HAProxy running with \`stats socket ${socket} level admin\`?)` };
  return { view: parseRuntimeView(stdout) };
}

export const haproxy = defineModule<HaproxyParams, HaproxyState>({
  ...haproxyDefinition,
  async gather(p, probe: Probe) {
    const socket = p.socket ?? '/var/run/haproxy.sock';
    const out = await probe.run(haproxyProbeScript(socket));
    if (out.rc !== 0) return { problem: `reading the HAProxy socket ${socket} failed: ${out.stderr.trim() || out.stdout.trim()}` };
    return parseHaproxyProbe(out.stdout, socket);
  },
  plan: (p, s) => planHaproxy(p, s),
  overlay: (s, predicted, p) => overlayHaproxy(s, predicted, p.socket ?? '/var/run/haproxy.sock'),
});

/** The resource a plan declares per server it changes, keyed by socket and server. */
export const SERVER_EFFECT = 'haproxy_server';
const serverKey = (socket: string, backend: string, server: string): string => `${socket} ${backend}/${server}`;

/** What a server effect records (the words of the diff: ready, drain, maint). */
interface ServerAttrs {
  admin: 'ready' | 'drain' | 'maint';
  weight: number;
  health: boolean;
  agent: boolean;
}

/**
 * Check mode: the servers as earlier haproxy tasks of the run would leave them; and when HAProxy
 * or socat is not there yet but an earlier task installs it, this task depends on that one.
 */
export function overlayHaproxy(s: HaproxyState, predicted: Predicted, socket: string): HaproxyState {
  if (s.problem) {
    for (const pkg of ['haproxy', 'socat']) {
      const installed = predicted.package(pkg);
      if (installed?.state === 'present') predicted.unpredictable(installed.by, `the HAProxy socket ${socket}`);
    }
    return s;
  }
  if (!s.view) return s;
  const servers = s.view.servers.map((sv) => {
    const pred = predicted.resource(SERVER_EFFECT, serverKey(socket, sv.backend, sv.server));
    if (!pred?.attrs) return sv;
    const a = pred.attrs as unknown as ServerAttrs;
    let admin = sv.adminState & ~(ADMIN.FMAINT | ADMIN.FDRAIN);
    if (a.admin === 'maint') admin |= ADMIN.FMAINT;
    if (a.admin === 'drain') admin |= ADMIN.FDRAIN;
    const bit = (bits: number, on: boolean) => (on ? bits | CHECK.ENABLED : bits & ~CHECK.ENABLED);
    return { ...sv, adminState: admin, weight: a.weight, checkState: bit(sv.checkState, a.health), agentState: bit(sv.agentState, a.agent) };
  });
  return { view: { ...s.view, servers } };
}

/** What a server should look like afterwards, in the terms `show servers state` reports. */
interface Desired {
  admin: 'ready' | 'drain' | 'maint';
  weight?: number;
  /** Health/agent checks on (true) or off (false); undefined: leave them. */
  health?: boolean;
  agent?: boolean;
}

function adminOf(s: ServerState): Desired['admin'] {
  if (s.adminState & ADMIN.FMAINT) return 'maint';
  if (s.adminState & ADMIN.FDRAIN) return 'drain';
  return 'ready';
}

const checkOn = (bits: number): boolean => (bits & CHECK.ENABLED) !== 0;
const checkConfigured = (bits: number): boolean => (bits & CHECK.CONFIGURED) !== 0;

/** A server as observed, for the registered result: `show stat`'s status taken apart, sessions, weights. */
function observed(sv: ServerState, view: RuntimeView): Record<string, unknown> {
  const stat = view.stats.find((x) => x.backend === sv.backend && x.server === sv.server);
  return {
    backend: sv.backend,
    server: sv.server,
    admin: ADMIN_WORDS[adminOf(sv)],
    operational: sv.opState,
    weight: sv.weight,
    initial_weight: sv.initialWeight,
    ...(stat ? { status: stat.status, status_parsed: stat.parsedStatus, sessions: stat.sessions } : {}),
  };
}

/** The module's own words for the administrative states, in the diff. */
const ADMIN_WORDS: Record<string, string> = { ready: 'enabled', maint: 'disabled', drain: 'drain' };

/** One line per server for the diff: what an operator reads in `show servers state`. */
export function describeServer(s: { backend: string; server: string; admin: string; weight: number; health?: boolean | undefined; agent?: boolean | undefined }): string {
  const parts = [`${s.backend}/${s.server}: ${ADMIN_WORDS[s.admin] ?? s.admin}`, `weight ${s.weight}`];
  if (s.health !== undefined) parts.push(`health checks ${s.health ? 'on' : 'off'}`);
  if (s.agent !== undefined) parts.push(`agent checks ${s.agent ? 'on' : 'off'}`);
  return parts.join(', ');
}

export function planHaproxy(p: HaproxyParams, s: HaproxyState): Plan {
  if (s.problem || !s.view) return { changed: false, actions: [], failed: s.problem ?? 'HAProxy could not be observed' };
  const view = s.view;
  const socket = p.socket ?? '/var/run/haproxy.sock';
  const failOnNotFound = p.fail_on_not_found ?? true;
  if (p.backend !== undefined && !view.algorithms.has(p.backend)) {
    if (failOnNotFound) return { changed: false, actions: [], failed: `The specified backend '${p.backend}' was not found!` };
    return { changed: false, actions: [], summary: `backend ${p.backend} not found` };
  }
  const targets = view.servers.filter((sv) => sv.server === p.host && (p.backend === undefined || sv.backend === p.backend));
  if (targets.length === 0) {
    const where = p.backend ?? '*';
    if (failOnNotFound) return { changed: false, actions: [], failed: `The specified backend '${where}/${p.host}' was not found!` };
    return { changed: false, actions: [], summary: `server ${where}/${p.host} not found` };
  }
  const weightReq = p.weight !== undefined ? parseWeight(p.weight) : undefined;
  const commands: string[] = [];
  const lines = { before: [] as string[], after: [] as string[] };
  const drainFirst = p.state === 'disabled' && p.drain === true;
  const thenCommands: string[] = [];
  const waits: Action[] = [];
  const effects: ResourceEffect[] = [];
  for (const sv of targets) {
    const name = `${sv.backend}/${sv.server}`;
    const want: Desired = { admin: p.state === 'enabled' ? 'ready' : p.state === 'drain' ? 'drain' : 'maint' };
    if (weightReq) {
      want.weight = targetWeight(weightReq, sv);
      const algo = view.algorithms.get(sv.backend) ?? '';
      if (STATIC_ALGORITHMS.has(algo) && want.weight !== 0 && want.weight !== sv.initialWeight) {
        return {
          changed: false,
          actions: [],
          failed: `backend ${sv.backend} balances with ${algo}, a static algorithm: its servers' weights can only be set to 0 or 100% (${sv.initialWeight}) at run time, not ${p.weight}`,
        };
      }
    }
    const toggleChecks = p.state !== 'drain';
    if (p.health && toggleChecks && checkConfigured(sv.checkState)) want.health = p.state === 'enabled';
    if (p.agent && toggleChecks && checkConfigured(sv.agentState)) want.agent = p.state === 'enabled';

    const before = { admin: adminOf(sv), weight: sv.weight, health: checkOn(sv.checkState), agent: checkOn(sv.agentState) };
    const after = { ...before, admin: want.admin, ...(want.weight !== undefined ? { weight: want.weight } : {}) };
    if (want.health !== undefined) after.health = want.health;
    if (want.agent !== undefined) after.agent = want.agent;
    const shown = (x: typeof before) => describeServer({ backend: sv.backend, server: sv.server, admin: x.admin, weight: x.weight, ...(want.health !== undefined ? { health: x.health } : {}), ...(want.agent !== undefined ? { agent: x.agent } : {}) });
    lines.before.push(shown(before));
    lines.after.push(shown(after));

    // Checks are switched off before and on after the state, as Ansible orders them.
    const mine: string[] = [];
    if (want.health === false && before.health) mine.push(`disable health ${name}`);
    if (want.agent === false && before.agent) mine.push(`disable agent ${name}`);
    const drainThenMaint = drainFirst && before.admin !== 'maint';
    if (drainThenMaint) {
      if (before.admin !== 'drain') mine.push(`set server ${name} state drain`);
    } else if (want.admin !== before.admin) {
      if (want.admin === 'ready') mine.push(`set server ${name} state ready`);
      else if (want.admin === 'drain') mine.push(`set server ${name} state drain`);
      else {
        mine.push(`disable server ${name}`);
        if (p.shutdown_sessions) mine.push(`shutdown sessions server ${name}`);
      }
    }
    if (want.health === true && !before.health) mine.push(`enable health ${name}`);
    if (want.agent === true && !before.agent) mine.push(`enable agent ${name}`);
    if (want.weight !== undefined && want.weight !== before.weight) mine.push(`set weight ${name} ${want.weight}`);
    commands.push(...mine);
    if (mine.length > 0 || drainThenMaint) {
      const attrs: ServerAttrs = { admin: after.admin, weight: after.weight, health: after.health, agent: after.agent };
      effects.push({ kind: 'resource', type: SERVER_EFFECT, key: serverKey(socket, sv.backend, sv.server), state: 'present', attrs: { ...attrs } });
    }
    if (drainThenMaint) {
      // Draining before maintenance means waiting for the sessions to end: always wait here.
      waits.push(waitAction(waitScript(socket, sv.backend, sv.server, 'drained'), `HAProxy server ${name} to be drained (no sessions left)`, p));
      thenCommands.push(`disable server ${name}`);
    } else if (p.wait && mine.length > 0 && want.admin !== 'maint') {
      const until = want.admin === 'ready' ? 'up' : 'drained';
      waits.push(waitAction(waitScript(socket, sv.backend, sv.server, until), `HAProxy server ${name} to be ${until === 'up' ? 'UP' : 'drained (no sessions left)'}`, p));
    }
  }
  const actions: Action[] = [];
  if (commands.length > 0) actions.push({ kind: 'run', script: socketCommandScript(socket, commands), describe: commands.join('; ') });
  actions.push(...waits);
  if (thenCommands.length > 0) actions.push({ kind: 'run', script: socketCommandScript(socket, thenCommands), describe: thenCommands.join('; ') });
  const changed = actions.length > 0;
  const before = lines.before.join('\n') + '\n';
  const after = lines.after.join('\n') + '\n';
  return {
    changed,
    actions,
    ...(changed ? { diffs: [{ before, after, before_header: `${socket} (servers before)`, after_header: `${socket} (servers after)` }] } : {}),
    result: { servers: targets.map((sv) => observed(sv, view)), servers_before: lines.before, servers_after: lines.after },
    ...(changed ? { summary: [...commands, ...thenCommands].join('; '), effects } : {}),
  };
}

/**
 * A script that exits 0 once the server is UP (operational state running, from `show servers
 * state`) or drained (no current sessions, `show stat`'s scur), 1 otherwise; one socket connection.
 */
export function waitScript(socket: string, backend: string, server: string, until: 'up' | 'drained'): string {
  if (until === 'up') {
    // show servers state: be_id be_name srv_id srv_name srv_addr srv_op_state ...; 2 = running.
    return [
      sh`s=${socket}; sv=${server}`,
      `command -v socat >/dev/null 2>&1 || { echo '${SOCAT_MISSING}' >&2; exit 2; }`,
      sh`printf '%s\\n' ${`show servers state ${backend}`} | socat -t 10 stdio "unix-connect:$s" | {`,
      `  while read -r _ _ _ name _ op _; do if [ "$name" = "$sv" ]; then [ "$op" = 2 ]; exit $?; fi; done; exit 1`,
      `}`,
    ].join('\n');
  }
  // show stat CSV: pxname,svname,qcur,qmax,scur,...
  return [
    sh`s=${socket}; sv=${server}`,
    `command -v socat >/dev/null 2>&1 || { echo '${SOCAT_MISSING}' >&2; exit 2; }`,
    sh`printf '%s\\n' ${`show stat ${backend} 4 -1`} | socat -t 10 stdio "unix-connect:$s" | {`,
    `  while IFS=, read -r _ name _ _ cur _; do if [ "$name" = "$sv" ]; then [ "$cur" = 0 ]; exit $?; fi; done; exit 1`,
    `}`,
  ].join('\n');
}
