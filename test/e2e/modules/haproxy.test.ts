/**
 * haproxy_config and haproxy end to end: HAProxy 2.6 installed with apt on a plain lab host (SysV
 * init under tini) in front of two real HTTP backends on another host; HAProxy on the systemd host
 * for `systemctl reload`; community.general.haproxy (Debian's `ansible`) for parity.
 * The figures (request splits, failed requests across reloads and restarts) are printed.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { haproxy, haproxy_config, type HaproxyConfig, type HaproxyParams } from '../../../modules/index.js';
import type { LabHost } from '../../lab/state.js';
import { labHosts, labState, resetHost, sshOk } from '../../lab/testing.js';
import { converge, remote, run, session, type HostSession } from './harness.js';
import { eventually, get, load, startBackends } from './haproxy-lab.js';
import { FRONT_DOOR } from '../../fixtures/haproxy/front-door.js';
import { parseRun, runTool, TSX, type ToolRun } from '../playbooks/parity/output.js';

const SOCKET = '/run/haproxy/admin.sock';
const INSTALL = 'apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends haproxy socat >/dev/null';

/** The front door: master-worker, admin socket, state file, a health-checked pool of two. */
function frontDoor(backendHost: string, generation = 0): HaproxyConfig {
  return {
    global: {
      log: [{ address: '/dev/log', facility: 'local0' }],
      chroot: '/var/lib/haproxy',
      user: 'haproxy',
      group: 'haproxy',
      master_worker: true,
      maxconn: 4096,
      stats_socket: [{ path: SOCKET }],
      server_state_file: '/var/lib/haproxy/server-state',
      hard_stop_after: '30s',
    },
    defaults: { mode: 'http', log: [{ address: 'global' }], options: ['httplog', 'dontlognull'], timeouts: { connect: '5s', client: '30s', server: '30s' } },
    frontends: {
      web: {
        binds: [{ address: ':80' }],
        http_response: [
          { action: 'set-header', name: 'X-Content-Type-Options', value: 'nosniff' },
          { action: 'set-header', name: 'X-Config-Generation', value: String(generation) },
        ],
        default_backend: 'app',
      },
    },
    backends: {
      app: {
        balance: 'roundrobin',
        http_check: { uri: '/', expect: 'status 200' },
        servers: [
          { name: 'blue', address: `${backendHost}:8001`, weight: 100, check: true, inter: '1s' },
          { name: 'green', address: `${backendHost}:8002`, weight: 100, check: true, inter: '1s' },
        ],
      },
    },
  };
}

/** `name admin-state weight` for each server of app, from the socket. */
async function serverStates(s: HostSession): Promise<string[]> {
  return statesOf(await onHost(s, `echo 'show servers state app' | socat stdio unix-connect:${SOCKET}`));
}

function statesOf(out: string): string[] {
  return out
    .split('\n')
    .filter((l) => /^\d+ app /.test(l))
    .map((l) => l.split(' '))
    .map((f) => `${f[3]} ${f[6]} ${f[7]}`);
}

/** show stat's status of a server of app (`UP`, `DOWN 1/2`, `MAINT`). */
async function statusOf(s: HostSession, server: string): Promise<string> {
  const out = await onHost(s, `echo 'show stat app 4 -1' | socat stdio unix-connect:${SOCKET}`);
  return out.split('\n').find((l) => l.startsWith(`app,${server},`))?.split(',')[17] ?? '';
}

/** Current sessions of a server of app (`show stat`'s scur). */
async function sessions(s: HostSession, server: string): Promise<number> {
  const out = await onHost(s, `echo 'show stat app 4 -1' | socat stdio unix-connect:${SOCKET}`);
  const row = out.split('\n').find((l) => l.startsWith(`app,${server},`));
  return Number(row?.split(',')[4]);
}

async function socketCommand(s: HostSession, commands: string): Promise<void> {
  await onHost(s, `echo '${commands}' | socat stdio unix-connect:${SOCKET}`);
}

/**
 * Socket plumbing of the tests (setting a starting point, reading the servers back) goes over the
 * session's open connection: one channel instead of a new OpenSSH process each time.
 */
async function onHost(s: HostSession, command: string): Promise<string> {
  const r = await s.conn.exec(command);
  if (r.rc !== 0) throw new Error(`${command} exited ${r.rc}: ${r.stderr}`);
  return r.stdout;
}

let lb: HostSession;
let backendHost: LabHost;
const figures: string[] = [];

beforeAll(async () => {
  const [lbHost, beHost] = labHosts('plain');
  expect(beHost, 'the lab has two plain hosts').toBeDefined();
  backendHost = beHost!;
  // The systemd host's HAProxy (last describe) is installed now too: the installs overlap.
  const systemdHost = labHosts('systemd')[0];
  // Fresh hosts: what an earlier test file left (a firewall, a service on :80) must not count here.
  for (const h of [lbHost!, backendHost, ...(systemdHost ? [systemdHost] : [])]) await resetHost(h.name);
  await Promise.all([
    sshOk(lbHost!, INSTALL, { timeoutMs: 300_000 }),
    startBackends(backendHost, { blue: 8001, green: 8002 }),
    ...(systemdHost ? [sshOk(systemdHost, INSTALL, { timeoutMs: 300_000 })] : []),
  ]);
  lb = await session(lbHost!);
});

afterAll(async () => {
  if (figures.length) process.stderr.write(`\nhaproxy e2e figures:\n  ${figures.join('\n  ')}\n`);
  // HAProxy and the backends keep running otherwise: give the next test files clean hosts.
  for (const h of [lb?.host, backendHost]) if (h) await resetHost(h.name);
});

describe('haproxy_config on a SysV host', () => {
  test('converges (check predicts, second run unchanged) and serves both backends through HAProxy', async () => {
    const { first } = await converge(lb, haproxy_config({ config: frontDoor(backendHost.address) }));
    expect(first.plan?.result).toMatchObject({ reloaded: true });
    expect(await remote(lb, 'cat /etc/haproxy/haproxy.cfg')).toContain('master-worker');
    // The new config started a master (Debian's package had started a plain daemon).
    await eventually(async () => expect(await remote(lb, 'p=$(cat /run/haproxy.pid); cat /proc/$p/task/$p/children')).toMatch(/^\d+/));
    await eventually(async () => expect(await serverStates(lb)).toEqual(['blue 0 100', 'green 0 100']));
    await eventually(async () => {
      const r = await load(lb.host.address, 80, 20, 4);
      expect(r.failed).toBe(0);
      expect(Object.keys(r.bodies).sort()).toEqual(['blue', 'green']);
    });
    const reply = await get(lb.host.address, 80, '/');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
  });

  test('weights 10/50/100 against 100: the split of 200 requests follows them', async () => {
    await eventually(async () => expect((await load(lb.host.address, 80, 10, 2)).failed).toBe(0));
    for (const weight of [10, 50, 100]) {
      // Each weight differs from the one before (100 at the start): the run changes it, the next does not.
      await converge(lb, haproxy({ state: 'enabled', host: 'blue', backend: 'app', socket: SOCKET, weight }));
      expect(await serverStates(lb)).toEqual([`blue 0 ${weight}`, 'green 0 100']);
      const r = await load(lb.host.address, 80, 200, 10);
      expect(r.failed).toBe(0);
      const share = (r.bodies.blue ?? 0) / 200;
      const expected = weight / (weight + 100);
      figures.push(`weight blue ${weight} / green 100: blue got ${r.bodies.blue ?? 0} of 200 (${(share * 100).toFixed(1)}%, expected ${(expected * 100).toFixed(1)}%)`);
      expect(Math.abs(share - expected)).toBeLessThan(0.05);
    }
  });

  test('reload under load: 2,000 requests, 20 at a time, across 5 config changes: none fails; across 5 restarts some do', async () => {
    const reloads = (async () => {
      for (let generation = 1; generation <= 5; generation++) {
        await new Promise((r) => setTimeout(r, 200));
        const r = await run(lb, haproxy_config({ config: frontDoor(backendHost.address, generation) }));
        expect(r.failed, r.msg).toBe(false);
        expect(r.changed).toBe(true);
      }
    })();
    const [underReloads] = await Promise.all([load(lb.host.address, 80, 2000, 20), reloads]);
    expect((await get(lb.host.address, 80, '/')).headers['x-config-generation']).toBe('5');
    const restarts = (async () => {
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 200));
        await remote(lb, 'service haproxy restart >/dev/null');
      }
    })();
    const [underRestarts] = await Promise.all([load(lb.host.address, 80, 2000, 20), restarts]);
    figures.push(`2,000 requests across 5 reloads: ${underReloads.failed} failed; across 5 restarts: ${underRestarts.failed} failed ${JSON.stringify(underRestarts.causes)}`);
    expect(underReloads).toMatchObject({ ok: 2000, failed: 0 });
    expect(underRestarts.failed).toBeGreaterThan(0);
  });

  test('weights and drains set at run time survive a config reload (server state saved and loaded)', async () => {
    await eventually(async () => expect((await load(lb.host.address, 80, 10, 2)).failed).toBe(0));
    await socketCommand(lb, 'set server app/blue state ready; set weight app/blue 100; set server app/green state ready; set weight app/green 100');
    await run(lb, haproxy({ state: 'drain', host: 'green', backend: 'app', socket: SOCKET, weight: 30 }));
    await run(lb, haproxy({ state: 'enabled', host: 'blue', backend: 'app', socket: SOCKET, weight: '25%' }));
    const before = await serverStates(lb);
    expect(before).toEqual(['blue 0 25', 'green 8 30']);
    const r = await run(lb, haproxy_config({ config: frontDoor(backendHost.address, 6) }));
    expect(r.changed).toBe(true);
    expect((await get(lb.host.address, 80, '/')).headers['x-config-generation']).toBe('6');
    expect(await serverStates(lb)).toEqual(before);
    await socketCommand(lb, 'set server app/green state ready; set weight app/green 100; set weight app/blue 100');
  });

  test('drain: the in-flight request finishes, new requests go elsewhere, wait returns once drained', async () => {
    await eventually(async () => expect(await serverStates(lb)).toEqual(['blue 0 100', 'green 0 100']));
    // Steer one slow request (5 s) to blue: green out of rotation until blue holds its session.
    await socketCommand(lb, 'set weight app/green 0');
    const slowStart = Date.now();
    const slow = get(lb.host.address, 80, '/slow/5').then((r) => ({ ...r, at: Date.now() }));
    await eventually(async () => expect(await sessions(lb, 'blue')).toBe(1));
    await socketCommand(lb, 'set weight app/green 100');
    const drain = run(lb, haproxy({ state: 'drain', host: 'blue', backend: 'app', socket: SOCKET, wait: true, wait_interval: 0.25, wait_retries: 60 })).then((r) => ({ ...r, at: Date.now() }));
    // Once blue is draining, its request still in flight, new requests all go to green.
    await eventually(async () => expect((await serverStates(lb))[0]).toBe('blue 8 100'));
    expect(await sessions(lb, 'blue')).toBe(1);
    const during = await load(lb.host.address, 80, 20, 4);
    expect(during).toMatchObject({ ok: 20, failed: 0, bodies: { green: 20 } });
    const [slowReply, drained] = await Promise.all([slow, drain]);
    expect(slowReply).toMatchObject({ status: 200, body: 'blue\n' });
    expect(drained.failed, drained.msg).toBe(false);
    expect(drained.changed).toBe(true);
    // The wait ended only once the in-flight request (5 s) had: HAProxy counts its session until it closes.
    expect(drained.at - slowStart).toBeGreaterThanOrEqual(4900);
    figures.push(`drain: in-flight request took ${slowReply.at - slowStart} ms; wait returned ${drained.at - slowReply.at} ms after it`);
    await converge(lb, haproxy({ state: 'enabled', host: 'blue', backend: 'app', socket: SOCKET }));
  });

  test("every part of the typed model, rendered, passes the real HAProxy's check without a warning", async () => {
    // A throwaway certificate for the TLS bind; the file is only checked, never served.
    await remote(lb, 'mkdir -p /etc/haproxy/certs /tmp/hw-e2e && openssl req -x509 -newkey rsa:2048 -nodes -keyout /tmp/hw-e2e/k.pem -out /tmp/hw-e2e/c.pem -days 2 -subj /CN=lab 2>/dev/null && cat /tmp/hw-e2e/c.pem /tmp/hw-e2e/k.pem > /etc/haproxy/certs/site.pem');
    const r = await run(lb, haproxy_config({ config: FRONT_DOOR, dest: '/tmp/hw-e2e/front-door.cfg', reload: false }));
    expect(r.failed, r.msg).toBe(false);
    expect(r.plan?.actions.map((a) => a.kind)).toEqual(['write']);
    const check = await remote(lb, 'haproxy -c -f /tmp/hw-e2e/front-door.cfg 2>&1');
    expect(check).toContain('Configuration file is valid');
    // (A state file not saved yet is the one warning that is not about the config.)
    expect(check.split('\n').filter((l) => l.includes('[WARNING]') && !l.includes('server state file'))).toEqual([]);
  });

  test('a config that fails haproxy -c is refused with its message; the old one keeps serving', async () => {
    const live = await remote(lb, 'sha1sum /etc/haproxy/haproxy.cfg');
    const broken = frontDoor(backendHost.address, 7);
    broken.frontends!.web!.default_backend = 'nosuch';
    const r = await run(lb, haproxy_config({ config: broken }));
    expect(r.failed).toBe(true);
    expect(r.msg).toMatch(/^failed to validate: rc:\d+ error:.*unable to find required default_backend: 'nosuch'/s);
    expect(await remote(lb, 'sha1sum /etc/haproxy/haproxy.cfg')).toBe(live);
    expect(await remote(lb, 'ls -a /etc/haproxy')).not.toMatch(/hostwright/);
    const still = await load(lb.host.address, 80, 50, 5);
    expect(still).toMatchObject({ ok: 50, failed: 0 });
    expect((await get(lb.host.address, 80, '/')).headers['x-config-generation']).toBe('6');
  });
});

describe("seed 004's blue-green switch (playbooks/roles/traffic.ts) through the CLI", () => {
  const SWITCH = fileURLToPath(new URL('../playbooks/haproxy/switch.ts', import.meta.url));
  const READY = 'set server app/blue state ready; set weight app/blue 100; set server app/green state ready; set weight app/green 100';
  const switchRun = (...flags: string[]) => runTool([TSX, SWITCH, '-i', labState().inventoryFile, '-l', lb.host.name, '--diff', '-e', 'from=blue', '-e', 'to=green', ...flags]);
  const parsedRun = (r: ToolRun) => {
    expect(r.code, `exit ${r.code}\n${r.stdout}\n${r.stderr}`).toBe(0);
    return parseRun(r.stdout);
  };

  test('10% → 50% → 100%, then the old server drained: --check --diff prints what the run then does', async () => {
    await socketCommand(lb, READY);
    const check = parsedRun(await switchRun('--check'));
    expect(await serverStates(lb)).toEqual(['blue 0 100', 'green 0 100']);
    const real = parsedRun(await switchRun());
    expect(check.tasks.map((t) => ({ banner: t.banner, statuses: t.statuses, body: t.body }))).toEqual(real.tasks.map((t) => ({ banner: t.banner, statuses: t.statuses, body: t.body })));
    expect(real.tasks.map((t) => t.statuses[0]?.split(':')[0])).toEqual(Array(7).fill('changed'));
    expect(await serverStates(lb)).toEqual(['blue 8 0', 'green 0 100']);
    expect(await load(lb.host.address, 80, 20, 4)).toMatchObject({ ok: 20, failed: 0, bodies: { green: 20 } });
  });

  test('the new server never comes UP: the switch rolls back (old server at full weight, new one out)', async () => {
    await socketCommand(lb, READY);
    // ([g]reen: the pattern must not match this command's own shell.)
    await sshOk(backendHost, "pkill -f 'hw-backend.py [g]reen'");
    await eventually(async () => expect(await statusOf(lb, 'green')).toMatch(/^DOWN/), 15_000);
    const r = parsedRun(await switchRun());
    expect(r.recap[0]).toMatch(/rescued=1 /);
    expect(r.tasks.map((t) => `${t.banner} ${t.statuses[0]?.split(':')[0]}`)).toEqual([
      'TASK [new server at 10% of the traffic] fatal',
      'TASK [roll back: old server at full weight] ok',
      'TASK [roll back: new server out] changed',
    ]);
    expect([...r.tasks[0]!.statuses, ...r.tasks[0]!.body].join('\n')).toMatch(/timed out after 5 s waiting for HAProxy server app\/green to be UP/);
    expect(await serverStates(lb)).toEqual(['blue 0 100', 'green 1 10']);
    expect(await load(lb.host.address, 80, 20, 4)).toMatchObject({ ok: 20, failed: 0, bodies: { blue: 20 } });
    await startBackends(backendHost, { green: 8002 });
    await socketCommand(lb, READY);
  });
});

describe('haproxy (runtime) compared with community.general.haproxy', () => {
  const pexec = promisify(execFile);
  /** Starting points: the socket commands that set them. */
  const READY = 'set server app/blue state ready; set weight app/blue 100; set server app/green state ready; set weight app/green 100';
  const cases: { name: string; start: string; params: Record<string, unknown> }[] = [
    { name: 'disable', start: READY, params: { state: 'disabled', host: 'blue', backend: 'app' } },
    { name: 'disable in every backend (no backend given)', start: READY, params: { state: 'disabled', host: 'green' } },
    { name: 'disable with shutdown_sessions', start: READY, params: { state: 'disabled', host: 'blue', backend: 'app', shutdown_sessions: true } },
    { name: 'enable a disabled server', start: `${READY}; disable server app/blue`, params: { state: 'enabled', host: 'blue', backend: 'app' } },
    { name: 'drain', start: READY, params: { state: 'drain', host: 'blue', backend: 'app' } },
    { name: 'enable a drained server', start: `${READY}; set server app/green state drain`, params: { state: 'enabled', host: 'green', backend: 'app' } },
    { name: 'absolute weight', start: READY, params: { state: 'enabled', host: 'blue', backend: 'app', weight: '10' } },
    { name: 'relative weight', start: READY, params: { state: 'enabled', host: 'green', backend: 'app', weight: '50%' } },
    { name: 'enable with weight from maintenance', start: `${READY}; disable server app/blue`, params: { state: 'enabled', host: 'blue', backend: 'app', weight: '20' } },
    { name: 'disable with drain (no sessions)', start: READY, params: { state: 'disabled', host: 'blue', backend: 'app', drain: true, wait: true, wait_interval: 1, wait_retries: 5 } },
  ];

  test(`the same server states afterwards in ${cases.length} cases`, async () => {
    // Ansible: one ansible-playbook run (JSON is YAML) going through every case: set the starting
    // point, run community.general.haproxy, save `show servers state app` on the host.
    const record = (i: number) => `/tmp/hw-parity-${i}.txt`;
    const socat = (commands: string) => `echo '${commands}' | socat stdio unix-connect:${SOCKET}`;
    const playbook = [
      {
        hosts: lb.host.name,
        gather_facts: false,
        tasks: cases.flatMap((c, i) => [
          // raw: no module to upload for a socket command.
          { name: `start ${i}`, raw: socat(c.start) },
          { name: c.name, 'community.general.haproxy': { ...c.params, socket: SOCKET } },
          { name: `record ${i}`, raw: `${socat('show servers state app')} > ${record(i)}` },
        ]),
      },
    ];
    const dir = await mkdtemp(path.join(tmpdir(), 'hw-haproxy-parity-'));
    try {
      await writeFile(path.join(dir, 'parity.yml'), JSON.stringify(playbook, null, 1));
      const env = { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_HOST_KEY_CHECKING: 'True' };
      const started = Date.now();
      const ansible = await pexec('ansible-playbook', ['-i', labState().inventoryFile, path.join(dir, 'parity.yml')], { env }).catch((e: { stdout: string; stderr: string; code: number }) => e);
      expect('code' in ansible ? ansible.code : 0, `${ansible.stdout}${ansible.stderr}`).toBe(0);
      figures.push(`ansible-playbook with the ${cases.length} parity cases: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const mismatches: string[] = [];
    for (const [i, c] of cases.entries()) {
      const theirs = statesOf(await onHost(lb, `cat ${record(i)}; rm -f ${record(i)}`));
      await socketCommand(lb, c.start);
      const params = { ...c.params, socket: SOCKET } as HaproxyParams;
      const ours = await run(lb, haproxy(params));
      expect(ours.failed, `${c.name}: ${ours.msg}`).toBe(false);
      const mine = await serverStates(lb);
      if (JSON.stringify(mine) !== JSON.stringify(theirs)) mismatches.push(`${c.name}: ansible ${theirs.join(', ')} / hostwright ${mine.join(', ')}`);
      expect(mine, c.name).toEqual(theirs);
      // And ours is idempotent where Ansible sends its commands every time.
      expect((await run(lb, haproxy(params))).changed, c.name).toBe(false);
    }
    figures.push(`parity with community.general.haproxy: ${cases.length - mismatches.length}/${cases.length} cases with the same server states`);
    await socketCommand(lb, READY);
  });
});

describe('haproxy_config on a systemd host', () => {
  test('systemctl reload through the master: a new worker, the state kept, requests served', async () => {
    const host = labHosts('systemd')[0];
    expect(host, 'the lab has a systemd host').toBeDefined();
    const s = await session(host!);
    expect(s.facts.service_mgr).toBe('systemd');
    const config = frontDoor(backendHost.address);
    // systemd's unit runs haproxy -Ws (master-worker) itself and does not want `daemon`.
    const { first } = await converge(s, haproxy_config({ config }));
    expect(first.plan?.actions.map((a) => (a.kind === 'run' ? a.describe : a.kind))).toEqual(['write', "save the servers' state into /var/lib/haproxy/server-state", 'reload haproxy (master-worker)']);
    await eventually(async () => expect((await load(host!.address, 80, 10, 2)).failed).toBe(0));
    await converge(s, haproxy({ state: 'enabled', host: 'blue', backend: 'app', socket: SOCKET, weight: 40 }));
    const worker = await remote(s, 'p=$(systemctl show -p MainPID --value haproxy); cat /proc/$p/task/$p/children');
    const r = await run(s, haproxy_config({ config: frontDoor(backendHost.address, 1) }));
    expect(r.changed).toBe(true);
    expect(await remote(s, 'systemctl is-active haproxy')).toBe('active');
    expect(await remote(s, 'p=$(systemctl show -p MainPID --value haproxy); cat /proc/$p/task/$p/children')).not.toBe(worker);
    expect((await get(host!.address, 80, '/')).headers['x-config-generation']).toBe('1');
    expect((await remote(s, `echo 'show servers state app' | socat stdio unix-connect:${SOCKET}`)).split('\n').find((l) => / blue /.test(l))?.split(' ')[7]).toBe('40');
    await resetHost(host!.name);
  });
});
