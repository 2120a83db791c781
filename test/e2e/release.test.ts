/**
 * The app and proxy roles, deploy.ts and rollback.ts on one fresh plain lab host, as seed 000 lays
 * the stack out (HAProxy and the containers on the same machine): apps/shiftplan published as a
 * git repository on the host, a busybox base image made from the host's files (no registry).
 * From this machine: routes by path, TLS on 443, the services' ports closed, a zero-failure
 * v1 → v2 release under a request loop, a v3 failing its health check rolled back with a message
 * naming the check, rollback.ts back to v1, and 429 past the rate limit.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LabHost } from '../lab/state.js';
import { labHosts, labState, resetHost, sshOk } from '../lab/testing.js';
import { sleep, tcpOpen } from '../lab/probes.js';
import { countRequest, get, type LoadResult } from './modules/haproxy-lab.js';
import { parseRun, REPO_ROOT, runTool, TSX, type ToolRun } from './playbooks/parity/output.js';
import { APP_REPO, commitToApp, prepareAppHost } from './playbooks/release/app-host.js';
import { RATE_LIMIT } from './playbooks/release/stack.js';

const STACK = path.join(REPO_ROOT, 'test/e2e/playbooks/release/stack.ts');
const DEPLOY = path.join(REPO_ROOT, 'playbooks/deploy.ts');
const ROLLBACK = path.join(REPO_ROOT, 'playbooks/rollback.ts');

let host: LabHost;
let scratch: string | undefined;
const figures: string[] = [];

let groups: string;

/** The lab's inventory, and a second one that puts the host in the groups deploy.ts and rollback.ts run on. */
const playbook = (file: string, ...flags: string[]): Promise<ToolRun> =>
  runTool([TSX, file, '-i', labState().inventoryFile, '-i', groups, '-l', host.name, '-e', `app_repo=${APP_REPO}`, '-e', 'deploy_pause=2', '-e', 'app_health_timeout=10', ...flags]);

function ok(r: ToolRun): ToolRun {
  expect(r.code, `exit ${r.code}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
}

const commit = (message: string, script: string) => commitToApp(host, message, script);

const body = async (p: string) => (await get(host.address, 80, p)).body;


/**
 * `total` GETs of `urlPath` through HAProxy, started at `perSecond` (under the rate limit), each on
 * a new connection; stops by itself when all have answered or failed.
 */
async function requestLoop(urlPath: string, total: number, perSecond: number): Promise<LoadResult> {
  const r: LoadResult = { ok: 0, failed: 0, causes: {}, bodies: {} };
  const one = () => countRequest(r, host.address, 80, urlPath);
  const inFlight: Promise<void>[] = [];
  const start = Date.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / perSecond;
    if (due > Date.now()) await sleep(due - Date.now());
    inFlight.push(one());
  }
  await Promise.all(inFlight);
  return r;
}

/** One HTTPS GET (the lab's self-signed certificate), with the TLS version and the certificate's subject. */
function httpsGet(p: string): Promise<{ status: number; body: string; headers: Record<string, unknown>; protocol: string | null; subject: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: host.address, port: 443, path: p, agent: false, rejectUnauthorized: false, timeout: 10_000 }, (res) => {
      const socket = res.socket as TLSSocket;
      const info = { protocol: socket.getProtocol(), subject: String(socket.getPeerCertificate().subject?.CN ?? '') };
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers, ...info }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const liveSlot = () => sshOk(host, 'cat /srv/shiftplan/color').then((s) => s.trim());
const running = () => sshOk(host, "podman ps --format '{{.Names}}' | sort").then((s) => s.trim().split('\n').filter(Boolean));

beforeAll(async () => {
  const plain = labHosts('plain');
  expect(plain.length, 'the lab has a plain host').toBeGreaterThanOrEqual(1);
  host = await resetHost(plain[0]!.name);
  scratch = await mkdtemp(path.join(tmpdir(), 'hw-release-'));
  groups = path.join(scratch, 'groups.ini');
  await writeFile(groups, `[app]\n${host.name}\n\n[proxy]\n${host.name}\n`);
  // What the proxy role installs is installed here in podman's apt run, to save a round.
  await prepareAppHost(host, ['haproxy', 'socat', 'openssl', 'curl']);
}, 600_000);

afterAll(async () => {
  if (figures.length) process.stderr.write(`\nrelease e2e figures:\n  ${figures.join('\n  ')}\n`);
  if (host) await resetHost(host.name);
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('app and proxy roles, deploy.ts and rollback.ts', () => {
  test('check mode predicts the roles\' run; they converge; each service answers by path, 443 with TLS, the services\' ports are closed; a second run changes nothing', async () => {
    // Check mode first predicts the run, the images built from a release not checked out yet included.
    const check = parseRun(ok(await playbook(STACK, '--check')).stdout);
    const first = ok(await playbook(STACK));
    figures.push(`first converge: ${Math.round(first.wallMs)} ms`);
    const real = parseRun(first.stdout);
    expect(real.recap[0]).toMatch(/ failed=0 /);
    const statuses = (r: typeof real) => r.tasks.map((t) => `${t.banner} ${t.statuses.map((x) => x.replace(/ \(would run\)$/, '')).join(', ')}`);
    expect(statuses(check)).toEqual(statuses(real));
    expect(check.recap).toEqual(real.recap);

    expect(await body('/')).toBe('gateway\n');
    expect(await body('/auth/')).toBe('auth\n');
    expect(await body('/auth')).toBe('auth\n');
    expect(await body('/scheduling/health')).toBe('ok\n');
    expect(await body('/version')).toBe('1.0.0\n');
    const reply = await get(host.address, 80, '/');
    expect(reply.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' });
    expect(reply.headers.server).toBeUndefined();

    const tls = await httpsGet('/auth/version');
    expect(tls).toMatchObject({ status: 200, body: '1.0.0\n', subject: host.name });
    expect(tls.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(tls.headers['strict-transport-security']).toContain('max-age=');

    // The containers listen on the host's loopback only.
    for (const port of [3000, 3001, 3100, 3200]) expect(await tcpOpen(host.address, port), `port ${port}`).toBe(false);
    expect(await running()).toEqual(['shiftplan-auth-blue', 'shiftplan-gateway-blue', 'shiftplan-scheduling-blue']);

    const second = ok(await playbook(STACK));
    expect(parseRun(second.stdout).recap[0]).toMatch(/ changed=0 +unreachable=0 +failed=0 /);
  });

  test('deploy.ts: v1 → v2 under 2,000 requests, none failed; blue stopped, green live', async () => {
    await commit('v2', 'echo 2.0.0 > VERSION');
    // 30 a second: ~67 s, longer than the release takes, and well under the rate limit (50 a second).
    const loop = requestLoop('/version', 2000, 30);
    const run = ok(await playbook(DEPLOY));
    const r = await loop;
    figures.push(`deploy v1 → v2: ${Math.round(run.wallMs)} ms; requests ${JSON.stringify(r)}`);
    expect(r).toMatchObject({ ok: 2000, failed: 0 });
    // The loop saw both releases: it ran across the switch.
    expect(Object.keys(r.bodies).sort()).toEqual(['1.0.0', '2.0.0']);
    expect(await body('/version')).toBe('2.0.0\n');
    expect(await liveSlot()).toBe('green');
    expect(await running()).toEqual(['shiftplan-auth-green', 'shiftplan-gateway-green', 'shiftplan-scheduling-green']);
    const tasks = parseRun(run.stdout).tasks.map((t) => t.banner);
    expect(tasks).toEqual(expect.arrayContaining(['TASK [new server at 10% of the traffic]', 'TASK [error-rate check at 50%]', 'TASK [old server drained]']));
  });

  test('deploy.ts with a v3 that fails its health check: traffic stays on v2, the run fails naming the check', async () => {
    await commit('v3 without health', 'echo 3.0.0 > VERSION; git rm -q gateway/www/health');
    const loop = requestLoop('/version', 400, 20);
    const run = await playbook(DEPLOY);
    const r = await loop;
    figures.push(`deploy of a failing v3: exit ${run.code} after ${Math.round(run.wallMs)} ms; requests ${JSON.stringify(r)}`);
    expect(run.code, run.stdout).toBe(2);
    // The check that failed, and which service failed it.
    expect(run.stdout).toMatch(/rolled back, traffic stays on green: check 'service containers healthy' failed: gateway: /);
    figures.push(`its message: ${/"msg": "(release [^"]*)/.exec(run.stdout)?.[1]?.slice(0, 240)}`);
    expect(r).toMatchObject({ ok: 400, failed: 0, bodies: { '2.0.0': 400 } });
    expect(await liveSlot()).toBe('green');
    expect(await running()).toEqual(['shiftplan-auth-green', 'shiftplan-gateway-green', 'shiftplan-scheduling-green']);
    // `current` is the v2 release again.
    expect(await sshOk(host, 'cat /srv/shiftplan/current/VERSION')).toBe('2.0.0\n');
  });

  test('rollback.ts returns to v1', async () => {
    const run = ok(await playbook(ROLLBACK));
    figures.push(`rollback to v1: ${Math.round(run.wallMs)} ms`);
    expect(await body('/version')).toBe('1.0.0\n');
    expect(await body('/auth/version')).toBe('1.0.0\n');
    expect(await liveSlot()).toBe('blue');
    expect(await sshOk(host, 'cat /srv/shiftplan/current/VERSION')).toBe('1.0.0\n');
  });

  test(`the rate limit: past ${RATE_LIMIT.requests} requests in ${RATE_LIMIT.period} from one address, 429`, async () => {
    // Let the earlier loops' requests leave the window.
    await sleep(10_500);
    // 100 a second: the window holds all of them, and a busy machine answers every one in time.
    const burst = await requestLoop('/health', RATE_LIMIT.requests + 200, 100);
    figures.push(`burst of ${RATE_LIMIT.requests + 200}: ${JSON.stringify(burst)}`);
    expect(burst.causes).toEqual({ 429: expect.any(Number) });
    expect(burst.ok).toBeGreaterThanOrEqual(RATE_LIMIT.requests - 20);
    expect(burst.failed).toBeGreaterThanOrEqual(150);
  });
});
