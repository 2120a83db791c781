/** The haproxy runtime module from recorded socket output: parsing, planning, the diff, the waits. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { haproxy, overlayHaproxy, parseHaproxyProbe, parseWeight, planHaproxy, waitScript, type HaproxyParams, type HaproxyState } from '../../../modules/haproxy/runtime.js';
import { NO_SOCAT, NO_SOCKET, parseRuntimeView, parseStatus, splitCsv } from '../../../modules/haproxy/socket.js';
import type { RunAction } from '../../../runner/module.types.js';
import { PredictedState, Unpredictable } from '../../../runner/predict.js';

/**
 * Recorded on a lab host (HAProxy 2.6.12): `show servers state; show stat` over one connection with
 * app/blue at weight 10, app/green disabled, api (static-rr) with blue drained, dead DOWN (nothing
 * listens), follower tracking app/green, spare `disabled backup` in the config.
 */
const RECORDED = readFileSync(new URL('../../fixtures/haproxy/servers-state-and-stat.txt', import.meta.url), 'utf8');
const SOCKET = '/run/haproxy/admin.sock';
const state: HaproxyState = parseHaproxyProbe(RECORDED, SOCKET);

function plan(p: Omit<HaproxyParams, 'socket'>) {
  return planHaproxy({ socket: SOCKET, ...p }, state);
}

/** The socket commands of the plan's run actions, in order (waits shown by their description). */
function commands(p: Omit<HaproxyParams, 'socket'>): string[] {
  return plan(p).actions.map((a) => (a as RunAction).describe ?? '');
}

describe('reading the socket', () => {
  it('parses status strings: transitions, tracked maintenance, reasons', () => {
    expect(parseStatus('UP')).toEqual({ base: 'UP' });
    expect(parseStatus('DOWN 2/3')).toEqual({ base: 'DOWN', transition: { done: 2, of: 3 } });
    expect(parseStatus('UP 1/3')).toEqual({ base: 'UP', transition: { done: 1, of: 3 } });
    expect(parseStatus('MAINT (via app/green)')).toEqual({ base: 'MAINT', reason: 'app/green' });
    expect(parseStatus('MAINT (resolution)')).toEqual({ base: 'MAINT', reason: 'resolution' });
    expect(parseStatus('DRAIN (agent)')).toEqual({ base: 'DRAIN', reason: 'agent' });
    expect(parseStatus('no check')).toEqual({ base: 'no check' });
  });
  it('splits CSV with quoted fields as HAProxy writes them', () => {
    expect(splitCsv('a,"b,c",,"say ""hi"""')).toEqual(['a', 'b,c', '', 'say "hi"']);
  });
  it('parses both answers of one connection, by column names', () => {
    const view = parseRuntimeView(RECORDED);
    expect(view.servers.map((s) => `${s.backend}/${s.server} ${s.opState} ${s.adminState} ${s.weight}/${s.initialWeight}`)).toEqual([
      'app/blue running 0 10/100',
      'app/green stopped 1 100/100',
      'api/blue running 8 1/1',
      'api/dead stopped 0 1/1',
      'api/follower stopped 2 1/1',
      'api/spare stopped 5 1/1',
    ]);
    expect(view.stats.find((s) => s.server === 'follower')?.parsedStatus).toEqual({ base: 'MAINT', reason: 'app/green' });
    expect(view.stats.find((s) => s.backend === 'api' && s.server === 'blue')).toMatchObject({ status: 'DRAIN', sessions: 0, weight: 1 });
    expect([...view.algorithms]).toEqual([['app', 'roundrobin'], ['api', 'static-rr']]);
  });
  it('reports a missing socat or socket as a problem that names the fix', () => {
    expect(parseHaproxyProbe(`${NO_SOCAT}\n`, SOCKET).problem).toMatch(/install the socat package/);
    expect(parseHaproxyProbe(`${NO_SOCKET}\n`, SOCKET).problem).toMatch(/no HAProxy socket at \/run\/haproxy\/admin.sock/);
    expect(planHaproxy({ state: 'enabled', host: 'blue', socket: SOCKET }, parseHaproxyProbe(`${NO_SOCAT}\n`, SOCKET)).failed).toMatch(/socat/);
  });
});

describe('planning', () => {
  it('enables a disabled server; an enabled one is left alone (idempotent)', () => {
    expect(commands({ state: 'enabled', host: 'green', backend: 'app' })).toEqual(['set server app/green state ready']);
    expect(plan({ state: 'enabled', host: 'blue', backend: 'app' })).toMatchObject({ changed: false, actions: [] });
  });
  it('the diff shows the servers before and after', () => {
    const p = plan({ state: 'disabled', host: 'blue', backend: 'app', weight: '50%' });
    expect(p.diffs).toEqual([
      { before: 'app/blue: enabled, weight 10\n', after: 'app/blue: disabled, weight 50\n', before_header: `${SOCKET} (servers before)`, after_header: `${SOCKET} (servers after)` },
    ]);
  });
  it('disables, with shutdown_sessions after it', () => {
    expect(commands({ state: 'disabled', host: 'blue', backend: 'app', shutdown_sessions: true })).toEqual(['disable server app/blue; shutdown sessions server app/blue']);
  });
  it('without backend: every backend that has the server', () => {
    expect(commands({ state: 'disabled', host: 'blue' })).toEqual(['disable server app/blue; disable server api/blue']);
  });
  it('weights: absolute, and percentages of the configured weight', () => {
    expect(commands({ state: 'enabled', host: 'blue', backend: 'app', weight: 100 })).toEqual(['set weight app/blue 100']);
    expect(commands({ state: 'enabled', host: 'blue', backend: 'app', weight: '100%' })).toEqual(['set weight app/blue 100']);
    expect(plan({ state: 'enabled', host: 'blue', backend: 'app', weight: '10%' }).changed).toBe(false);
    expect(parseWeight('257')).toBeUndefined();
    expect(parseWeight('101%')).toBeUndefined();
    expect(parseWeight(' 30% ')).toEqual({ percent: 30 });
  });
  it('a static algorithm takes only 0 or 100%: anything else is refused before touching the socket', () => {
    expect(plan({ state: 'drain', host: 'blue', backend: 'api', weight: 0 }).failed).toBeUndefined();
    expect(plan({ state: 'drain', host: 'blue', backend: 'api', weight: '100%' }).failed).toBeUndefined();
    expect(plan({ state: 'drain', host: 'blue', backend: 'api', weight: 5 }).failed).toBe(
      "backend api balances with static-rr, a static algorithm: its servers' weights can only be set to 0 or 100% (1) at run time, not 5",
    );
    // 50% of a configured weight of 1 is 0 in HAProxy's arithmetic: allowed.
    expect(commands({ state: 'drain', host: 'blue', backend: 'api', weight: '50%' })).toEqual(['set weight api/blue 0']);
  });
  it('not found: fails by default, skips when fail_on_not_found is false', () => {
    expect(plan({ state: 'enabled', host: 'nope', backend: 'app' }).failed).toBe("The specified backend 'app/nope' was not found!");
    expect(plan({ state: 'enabled', host: 'blue', backend: 'nope' }).failed).toBe("The specified backend 'nope' was not found!");
    expect(plan({ state: 'enabled', host: 'nope', fail_on_not_found: false })).toMatchObject({ changed: false, actions: [], summary: 'server */nope not found' });
  });
  it('drain, and enabling clears a drain', () => {
    expect(commands({ state: 'drain', host: 'blue', backend: 'app' })).toEqual(['set server app/blue state drain']);
    expect(plan({ state: 'drain', host: 'blue', backend: 'api' }).changed).toBe(false);
    expect(commands({ state: 'enabled', host: 'blue', backend: 'api' })).toEqual(['set server api/blue state ready']);
  });
  it('disabled with drain: drain, wait until drained, then maintenance', () => {
    expect(commands({ state: 'disabled', host: 'blue', backend: 'app', drain: true })).toEqual([
      'set server app/blue state drain',
      'HAProxy server app/blue to be drained (no sessions left)',
      'disable server app/blue',
    ]);
    // Already drained: only the wait and the maintenance.
    expect(commands({ state: 'disabled', host: 'blue', backend: 'api', drain: true })).toEqual(['HAProxy server api/blue to be drained (no sessions left)', 'disable server api/blue']);
  });
  it('enabled with drain and wait waits for UP, not for zero sessions (community.general#12286)', () => {
    expect(commands({ state: 'enabled', host: 'green', backend: 'app', drain: true, wait: true })).toEqual(['set server app/green state ready', 'HAProxy server app/green to be UP']);
  });
  it('drain with wait waits until drained, read from sessions, not from a DRAIN status a DOWN server never shows (#9020)', () => {
    const p = plan({ state: 'drain', host: 'dead', backend: 'api', wait: true, wait_interval: 1, wait_retries: 3 });
    expect(p.actions.map((a) => (a as RunAction).describe)).toEqual(['set server api/dead state drain', 'HAProxy server api/dead to be drained (no sessions left)']);
    expect((p.actions[1] as RunAction).script).toContain(waitScript(SOCKET, 'api', 'dead', 'drained'));
    expect(waitScript(SOCKET, 'api', 'dead', 'drained')).toContain("'show stat api 4 -1'");
  });
  it('health and agent checks follow the state when asked, only where configured', () => {
    expect(commands({ state: 'disabled', host: 'blue', backend: 'app', health: true, agent: true })).toEqual(['disable health app/blue; disable server app/blue']);
    // follower is in maintenance only through the server it tracks (MAINT (via app/green)), and
    // has no check of its own: enabling it has nothing to send.
    expect(plan({ state: 'enabled', host: 'follower', backend: 'api', health: true })).toMatchObject({ changed: false, actions: [] });
  });
  it('bad parameters name the field', () => {
    expect(haproxy({ state: 'enabled', host: 'a', weight: '300' }).issues).toEqual([{ field: 'weight', message: 'must be an absolute weight 0-256 or a percentage 0-100% of the configured weight' }]);
    expect(haproxy({ state: 'on' as 'enabled', host: 'a' }).issues.map((i) => i.field)).toEqual(['state']);
    expect(haproxy({ state: 'enabled', host: 'a', socket: '/run/x,y' }).issues.map((i) => i.field)).toEqual(['socket']);
  });
});

describe('check mode predicts through earlier tasks (effects and overlay)', () => {
  it("a later task plans on the servers as an earlier task's plan leaves them", () => {
    const predicted = new PredictedState();
    const disable = plan({ state: 'disabled', host: 'blue', backend: 'app', weight: 40 });
    expect(disable.effects).toEqual([{ kind: 'resource', type: 'haproxy_server', key: `${SOCKET} app/blue`, state: 'present', attrs: { admin: 'maint', weight: 40, health: true, agent: false } }]);
    predicted.record(disable.effects!, 'take blue out');
    const seen = overlayHaproxy(state, predicted.view(undefined), SOCKET);
    expect(planHaproxy({ state: 'disabled', host: 'blue', backend: 'app', weight: 40, socket: SOCKET }, seen).changed).toBe(false);
    expect(planHaproxy({ state: 'enabled', host: 'blue', backend: 'app', socket: SOCKET }, seen).diffs?.[0]?.before).toBe('app/blue: disabled, weight 40\n');
    // Other servers, and other sockets, are as observed.
    expect(overlayHaproxy(state, predicted.view(undefined), '/other.sock')).toEqual(state);
  });
  it('no socket yet, but an earlier task installs HAProxy: this task depends on it instead of failing', () => {
    const predicted = new PredictedState();
    predicted.record([{ kind: 'package', name: 'haproxy', state: 'present' }], 'install haproxy');
    const missing = parseHaproxyProbe(`${NO_SOCKET}\n`, SOCKET);
    expect(() => overlayHaproxy(missing, predicted.view(undefined), SOCKET)).toThrow(new Unpredictable('install haproxy', `the HAProxy socket ${SOCKET}`));
    expect(overlayHaproxy(missing, new PredictedState().view(undefined), SOCKET)).toBe(missing);
  });
});

describe('the registered result', () => {
  it('lists each server as observed: status taken apart, sessions, weights', () => {
    expect(plan({ state: 'enabled', host: 'follower', backend: 'api' }).result?.servers).toEqual([
      { backend: 'api', server: 'follower', admin: 'enabled', operational: 'stopped', weight: 1, initial_weight: 1, status: 'MAINT (via app/green)', status_parsed: { base: 'MAINT', reason: 'app/green' }, sessions: 0 },
    ]);
  });
});
