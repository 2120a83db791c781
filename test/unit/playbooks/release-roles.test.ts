/**
 * The pure parts of the app, proxy and release roles: the HAProxy configuration the proxy role
 * writes (routes, rate limit, blue/green servers on the app's slot ports) and the error-rate check
 * deploy.ts makes from HAProxy's counters.
 */
import { describe, expect, it } from 'vitest';
import { planDeploy } from '../../../modules/deploy.js';
import { renderConfig } from '../../../modules/haproxy/render.js';
import { overlayImage, planImage } from '../../../modules/podman/image.js';
import { PredictedState } from '../../../runner/predict.js';
import { configIssues } from '../../../modules/haproxy/config.schema.js';
import { containerName, slotContainer, slotPort, type AppVars } from '../../../playbooks/roles/app.js';
import { proxyConfig } from '../../../playbooks/roles/proxy.js';
import { errorRate, failureText, serverCounters } from '../../../playbooks/roles/release.js';

const APP: AppVars = { name: 'shiftplan', repo: '/srv/git/shiftplan', baseImage: 'localhost/busybox' };

describe('app role', () => {
  it('puts blue on the service port and green on the next, both on loopback', () => {
    expect([slotPort(APP, 'auth', 'blue'), slotPort(APP, 'auth', 'green')]).toEqual([3100, 3101]);
    const c = slotContainer(APP, 'auth', 'green');
    expect(c).toMatchObject({ name: 'shiftplan-auth-green', image: 'localhost/shiftplan-auth:green', network: ['host'], wait_healthy: 60 });
    expect(c.command).toEqual(['httpd', '-f', '-p', '127.0.0.1:3101', '-h', '/www']);
    expect(slotContainer(APP, 'auth', 'blue', 'stopped')).not.toHaveProperty('wait_healthy');
    expect(containerName(APP, 'gateway', 'blue')).toBe('shiftplan-gateway-blue');
  });
});

describe('proxy role configuration', () => {
  const config = proxyConfig({ app: APP, rateLimit: { requests: 50, period: '10s' } });
  const text = renderConfig(config);

  it('is a configuration the schema accepts', () => {
    expect(configIssues(config)).toEqual([]);
  });

  it('routes /auth and /scheduling with their prefix stripped, the rest to gateway', () => {
    expect(text).toContain('acl to_auth path_reg ^/auth(/|$)');
    expect(text).toContain('use_backend scheduling if to_scheduling');
    expect(text).toContain('default_backend gateway');
    expect(text).toMatch(/backend auth\n(.*\n)*?\s+http-request set-path %\[path,regsub\(\^\/auth\/\?,\/\)\]/);
    expect(text).not.toMatch(/backend gateway\n[^]*?set-path[^]*?backend auth/);
  });

  it('limits each address and answers 429 past the limit', () => {
    expect(text).toContain('stick-table type ip size 100k expire 10s store http_req_rate(10s)');
    expect(text).toContain('http-request deny deny_status 429 if { sc_http_req_rate(0) gt 50 }');
  });

  it('has a blue and a green server per service on the slot ports, health-checked', () => {
    expect(text).toContain('server blue 127.0.0.1:3000 weight 100 check inter 2s fall 2 rise 2');
    expect(text).toContain('server green 127.0.0.1:3201 weight 100 check inter 2s fall 2 rise 2');
    expect(text.match(/option httpchk/g)).toHaveLength(3);
  });
});

// `show stat -1 4 -1` as HAProxy 2.6 prints it, cut to the columns the check reads.
const STAT = (greenOk: number, green5xx: number, econ: number) =>
  [
    '# pxname,svname,econ,eresp,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,',
    `gateway,blue,0,0,0,900,0,0,3,0,`,
    `gateway,green,${econ},0,0,${greenOk},0,0,${green5xx},0,`,
    `auth,green,0,0,0,${greenOk},0,0,0,0,`,
    `auth,BACKEND,0,0,0,0,0,0,0,0,`,
    '',
  ].join('\n');

describe('error-rate check', () => {
  it('sums a server over the backends: answers and connection errors are requests, 5xx and connection errors are errors', () => {
    expect(serverCounters(STAT(10, 2, 1), 'green')).toEqual({ requests: 10 + 2 + 1 + 10, errors: 3 });
    expect(serverCounters(STAT(10, 2, 1), 'blue')).toEqual({ requests: 903, errors: 3 });
  });

  it('compares two readings: only what happened between them counts', () => {
    const before = serverCounters(STAT(100, 5, 0), 'green');
    expect(errorRate(before, serverCounters(STAT(150, 5, 0), 'green'))).toBe(0);
    expect(errorRate(before, serverCounters(STAT(148, 7, 0), 'green'))).toBeCloseTo(2 / 100);
    expect(errorRate(before, before)).toBe(0);
  });

  it('refuses output that is not show stat', () => {
    expect(() => serverCounters('Unknown command', 'green')).toThrow(/not HAProxy's show stat output/);
  });

  it('names the failed items of a loop', () => {
    expect(failureText({ msg: 'One or more items failed', results: [{ item: 'gateway', failed: true, msg: 'unhealthy' }, { item: 'auth', failed: false }] })).toBe('gateway: unhealthy');
    expect(failureText({ msg: 'boom' })).toBe('boom');
  });
});

// Check mode on a fresh host: the app role's release checkout (deploy) is predicted, and the image
// build from it is planned on that prediction instead of failing on a context not there yet.
describe('check mode: deploy, then an image built from the new release', () => {
  const commit = 'a'.repeat(40);
  const deployed = planDeploy(
    { path: '/srv/shiftplan', repo: '/srv/git/shiftplan' },
    { releases: new Map(), log: [], remote: { ok: true, refs: { headBranch: 'main', refs: new Map([['HEAD', commit], ['refs/heads/main', commit]]) } } },
  );
  const build = { name: 'localhost/shiftplan-auth', tag: 'blue', state: 'build' as const, path: `/srv/shiftplan/releases/${commit.slice(0, 12)}`, build: { file: 'auth/Containerfile' } };

  it('predicts the new release directory even below a directory an earlier task creates', () => {
    const predicted = new PredictedState();
    predicted.record([{ kind: 'path', path: '/srv/shiftplan', state: 'directory', created: true }], 'app directory');
    predicted.record(deployed.effects ?? [], 'app release');
    expect(predicted.path(build.path)).toMatchObject({ state: 'directory', by: 'app release' });

    const plan = planImage(build, overlayImage({ contextMissing: true }, predicted.view(undefined), build));
    expect(plan).toMatchObject({ changed: true, summary: 'built image localhost/shiftplan-auth:blue' });
    expect(plan.diffs?.[0]?.after).toContain(`context: "(known once 'app release' has run)"`);
  });

  it('still fails on a context nothing would make', () => {
    const plan = planImage(build, overlayImage({ contextMissing: true }, new PredictedState().view(undefined), build));
    expect(plan.failed).toMatch(/cannot be read on the host/);
  });
});
