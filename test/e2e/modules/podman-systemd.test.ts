/**
 * podman_container on a systemd lab host (podman 4.3.1, so a plain unit, not quadlet): the unit
 * runs the container, starts it at once and restarts it after it is killed; and rootless, as the
 * deploy user with lingering: the containers run, the module finds them again through become,
 * and they survive the user's logout.
 *
 * Lab limits (LAB-NOTES): inside systemd-nspawn there is no /dev/net/tun, so slirp4netns (rootless
 * podman's default network) cannot start; the rootless container uses the host's network.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { podman_container, podman_import } from '../../../modules/index.js';
import type { PodmanContainerParams } from '../../../modules/podman/container.js';
import type { LabHost } from '../../lab/state.js';
import { labHosts, resetHost, ssh, sshOk } from '../../lab/testing.js';
import { converge, remote, run, session, type HostSession } from './harness.js';
import { busyboxTarball, installPodman } from './podman-lab.js';
import { eventually, httpGet } from '../../lab/probes.js';

let host: LabHost;
let root: HostSession;

beforeAll(async () => {
  const hosts = labHosts('systemd');
  expect(hosts.length, 'the e2e lab has no systemd host (HOSTWRIGHT_E2E_SYSTEMD=0?)').toBeGreaterThanOrEqual(1);
  host = hosts[0]!;
  await installPodman(host, ['uidmap']);
  await sshOk(host, busyboxTarball('/tmp/hw-busybox.tar'));
  root = await session(host);
}, 600_000);

afterAll(async () => {
  if (host) await resetHost(host.name);
});

const mainPid = async (unit: string) => Number((await sshOk(host, `systemctl show -p MainPID --value ${unit}`)).trim());
const containerPid = async (name: string) => Number(await remote(root, `podman container inspect --format '{{.State.Pid}}' ${name}`));

describe('podman_container with generate_systemd, on a systemd host', () => {
  const unit: PodmanContainerParams = {
    name: 'hw-unit',
    image: 'localhost/hw-base',
    command: ['httpd', '-f', '-p', '8080', '-h', '/www'],
    publish: ['18081:8080'],
    env: { MSG: 'one' },
    stop_timeout: 1,
    generate_systemd: { stop_timeout: 1 },
  };

  test('the unit starts the container, restarts it after it is killed, and a changed parameter restarts it through the unit', async () => {
    await converge(root, podman_import({ src: '/tmp/hw-busybox.tar', repository: 'localhost/hw-base' }));
    const { first } = await converge(root, podman_container(unit));
    // The unit file is one diff, the container another.
    expect(first.plan?.diffs?.[0]).toMatchObject({ before_header: '/dev/null', after_header: '/etc/systemd/system/container-hw-unit.service' });
    expect((await sshOk(host, 'systemctl is-active container-hw-unit; systemctl is-enabled container-hw-unit')).trim().split('\n')).toEqual(['active', 'enabled']);
    expect(await eventually(`port 18081`, () => httpGet(host.address, 18081), (r) => r.ok)).toMatchObject({ ok: true, body: 'busybox\n' });

    const killed = await containerPid('hw-unit');
    const service = await mainPid('container-hw-unit');
    await sshOk(host, `kill -9 ${killed}`);
    const pid = await eventually('a new container process', () => containerPid('hw-unit').catch(() => 0), (p) => p > 0 && p !== killed);
    expect(pid).not.toBe(killed);
    expect(await mainPid('container-hw-unit')).not.toBe(service);
    expect(Number((await sshOk(host, 'systemctl show -p NRestarts --value container-hw-unit')).trim())).toBeGreaterThanOrEqual(1);
    expect((await eventually(`port 18081`, () => httpGet(host.address, 18081), (r) => r.ok)).ok).toBe(true);
    // The restarted container is the one the task describes: nothing to do.
    expect((await run(root, podman_container(unit))).changed).toBe(false);

    const changed = await run(root, podman_container({ ...unit, env: { MSG: 'two' } }));
    expect(changed.failed, changed.msg).toBe(false);
    expect(changed.plan?.diffs?.map((d) => d.before_header)).toEqual(['/etc/systemd/system/container-hw-unit.service', 'podman_container hw-unit']);
    expect(await remote(root, `podman exec hw-unit sh -c 'echo $MSG'`)).toBe('two');
    expect((await run(root, podman_container({ ...unit, env: { MSG: 'two' } }))).changed).toBe(false);

    const removed = await run(root, podman_container({ name: 'hw-unit', state: 'absent', generate_systemd: {} }));
    expect(removed.changed).toBe(true);
    expect((await ssh(host, 'systemctl is-enabled container-hw-unit')).code).not.toBe(0);
    expect(await remote(root, 'podman ps -a --format "{{.Names}}"')).toBe('');
  });
});

describe('rootless podman_container as the deploy user', () => {
  const web: PodmanContainerParams = {
    name: 'hw-rootless',
    image: 'localhost/hw-base',
    command: ['httpd', '-f', '-p', '18092', '-h', '/www'],
    network: ['host'],
    stop_timeout: 1,
  };

  test('the containers run, become finds them again, and they survive the user\'s logout', async () => {
    await sshOk(host, 'loginctl enable-linger deploy');
    const deploy = await session(host, 'deploy');
    await converge(deploy, podman_import({ src: '/tmp/hw-busybox.tar', repository: 'localhost/hw-base' }));
    await converge(deploy, podman_container(web));
    expect(await eventually(`port 18092`, () => httpGet(host.address, 18092), (r) => r.ok)).toMatchObject({ ok: true, body: 'busybox\n' });
    expect(await sshOk(host, 'grep -c "^deploy:" /etc/subuid')).toBe('1\n');
    // Root's podman does not see it: it is the user's own storage.
    expect(await remote(root, 'podman ps -a --format "{{.Names}}"')).not.toContain('hw-rootless');
    // Through become (sudo, no XDG_RUNTIME_DIR of its own) the module sees the same container.
    expect((await run(root, podman_container(web), false, undefined, { user: 'deploy' })).changed).toBe(false);

    await deploy.conn.close();
    // Logged out: no sshd of deploy's is left (logind keeps the session "closing" while the
    // container's conmon, started in it, lives on; the lingering user manager keeps
    // /run/user/UID, where podman keeps its runtime state).
    await eventually('deploy to log out', () => sshOk(host, 'pgrep -u deploy -x sshd || true'), (pids) => pids.trim() === '', 15_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await sshOk(host, 'loginctl show-user deploy -p Linger --value; test -d /run/user/1000 && echo runtime-dir')).toBe('yes\nruntime-dir\n');
    expect((await httpGet(host.address, 18092)).ok).toBe(true);
    const status = await sshOk(host, 'podman ps --format "{{.Names}} {{.Status}}"', { user: 'deploy' });
    expect(status).toMatch(/^hw-rootless Up /);
  });
});
