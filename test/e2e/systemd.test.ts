/**
 * systemd lab hosts (issue 5), checked over real SSH with the lab's known_hosts: systemd 252 is PID
 * 1, services restart and reload for real, firewalld.service filters only its own host, and a podman
 * container runs as a systemd unit with a port published to the machine.
 *
 * One systemd host serves the whole file and packages are installed once, in the order the tests
 * run (vitest runs a file's tests one after another): cron, haproxy, firewalld, podman. Afterwards
 * the host is reset to a fresh filesystem, so the firewall left running here can't surprise the
 * test files that come next.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, test } from 'vitest';
import { aptInstall, eventually, httpGet as get, sleep, tcpOpen } from '../lab/probes.js';
import { labHosts, labState, resetHost, ssh, sshOk } from '../lab/testing.js';
import type { LabHost } from '../lab/state.js';

function systemdHost(): LabHost {
  const hosts = labHosts('systemd');
  expect(hosts.length, 'the e2e lab has no systemd host (HOSTWRIGHT_E2E_SYSTEMD=0?)').toBeGreaterThanOrEqual(1);
  return hosts[0]!;
}

/** Another lab host (of either kind), to show that what one host's firewall does stays there. */
function otherHost(): LabHost {
  const a = systemdHost();
  const other = labState().hosts.find((h) => h.name !== a.name);
  expect(other, 'the firewall test needs a second lab host').toBeDefined();
  return other!;
}

const mainPid = async (host: LabHost, unit: string) => Number((await sshOk(host, `systemctl show -p MainPID --value ${unit}`)).trim());

describe('a systemd lab host', () => {
  afterAll(async () => {
    const [a] = labHosts('systemd');
    if (a) await resetHost(a.name);
  });

  test('boots systemd as PID 1 and is fully up, with its own machine-id', async () => {
    const a = systemdHost();
    expect((await sshOk(a, 'cat /proc/1/comm')).trim()).toBe('systemd');
    expect((await sshOk(a, 'systemctl is-system-running')).trim()).toBe('running');
    expect((await sshOk(a, 'hostname')).trim()).toBe(a.name);
    const ids = await Promise.all(labState().hosts.map((h) => sshOk(h, 'cat /etc/machine-id').then((s) => s.trim())));
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('systemctl restart cron gives cron a new MainPID', async () => {
    const a = systemdHost();
    const before = await mainPid(a, 'cron');
    expect(before).toBeGreaterThan(0);
    await sshOk(a, 'systemctl restart cron');
    const after = await mainPid(a, 'cron');
    expect(after).toBeGreaterThan(0);
    expect(after).not.toBe(before);
    expect((await sshOk(a, 'systemctl is-active cron')).trim()).toBe('active');
  });

  test('apt-get install haproxy starts haproxy.service, and systemctl reload keeps serving', async () => {
    const a = systemdHost();
    const proxy = (await sshOk(a, 'apt-config dump Acquire::http::Proxy')).trim();
    expect(proxy).toBe(`Acquire::http::Proxy "${labState().aptProxy}";`);
    await sshOk(a, `apt-get -q update >/tmp/apt-update.log 2>&1 || { tail -20 /tmp/apt-update.log; exit 1; }`, { timeoutMs: 240_000 });
    await sshOk(a, aptInstall('haproxy'), { timeoutMs: 240_000 });
    expect((await sshOk(a, 'systemctl is-active haproxy; systemctl is-enabled haproxy')).trim().split('\n')).toEqual(['active', 'enabled']);

    // A frontend answering with a version string, so the loop sees each reload take effect.
    await sshOk(a, `cat >> /etc/haproxy/haproxy.cfg <<'EOF'

frontend hw_e2e
	bind :8080
	http-request return status 200 content-type text/plain string "v1"
EOF
systemctl reload haproxy`);
    await eventually('haproxy frontend', () => get(a.address, 8080), (r) => r.body === 'v1');
    const master = await mainPid(a, 'haproxy');

    let stop = false;
    const seen = new Map<string, number>();
    const loop = (async () => {
      while (!stop) {
        const r = await get(a.address, 8080);
        const key = r.ok ? r.body : `FAILED: ${r.status ?? ''} ${r.body}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
    })();
    try {
      for (const version of ['v2', 'v3', 'v4']) {
        await sshOk(a, `sed -i 's/string "v[0-9]*"/string "${version}"/' /etc/haproxy/haproxy.cfg && systemctl reload haproxy`);
        await sleep(300);
      }
    } finally {
      stop = true;
      await loop;
    }
    const failures = [...seen.keys()].filter((k) => k.startsWith('FAILED'));
    expect(failures, `requests failed during reloads: ${JSON.stringify([...seen])}`).toEqual([]);
    expect(seen.get('v4') ?? 0, 'the last reload did not take effect').toBeGreaterThan(0);
    expect([...seen.values()].reduce((s, n) => s + n, 0)).toBeGreaterThan(50);
    // A reload, not a restart: the master process stayed.
    expect(await mainPid(a, 'haproxy')).toBe(master);
  });

  test('firewalld.service starts and its rules apply only inside that host', async () => {
    const a = systemdHost();
    const b = otherHost();
    const port = 18081;
    // The same small web server on both hosts, started from the SSH session and left running.
    const serve = `setsid python3 -m http.server ${port} --directory /tmp >/dev/null 2>&1 </dev/null & echo $!`;
    const [pidA, pidB] = await Promise.all([sshOk(a, serve), sshOk(b, serve)]).then((p) => p.map((s) => s.trim()));
    try {
      await eventually(`${a.name}:${port} before firewalld`, () => tcpOpen(a.address, port), (o) => o);
      await eventually(`${b.name}:${port}`, () => tcpOpen(b.address, port), (o) => o);

      await sshOk(a, aptInstall('firewalld'), { timeoutMs: 240_000 });
      expect((await sshOk(a, 'systemctl is-active firewalld; firewall-cmd --state')).trim().split('\n')).toEqual(['active', 'running']);

      // The default zone lets ssh in and nothing else: A's port is closed, B's untouched.
      expect(await tcpOpen(a.address, port)).toBe(false);
      expect(await tcpOpen(b.address, port)).toBe(true);
      expect((await ssh(a, 'true')).code).toBe(0);

      // A rule of A's opens A's port only while it is there.
      await sshOk(a, `firewall-cmd --add-port=${port}/tcp`);
      expect(await tcpOpen(a.address, port)).toBe(true);
      await sshOk(a, `firewall-cmd --remove-port=${port}/tcp`);
      expect(await tcpOpen(a.address, port)).toBe(false);
      expect(await tcpOpen(b.address, port)).toBe(true);
    } finally {
      await Promise.all([ssh(a, `kill ${pidA}`), ssh(b, `kill ${pidB}`)]);
    }
  });

  test('a podman container runs as a systemd unit with a port that answers from the machine', async () => {
    const a = systemdHost();
    const port = 18080;
    const marker = `hello from podman ${randomUUID()}`;
    await sshOk(a, aptInstall('podman', 'busybox-static'), { timeoutMs: 300_000 });
    // No registry is reachable from the lab: the image is busybox from the host's own package.
    await sshOk(a, `set -e
rm -rf /tmp/hw-image && mkdir -p /tmp/hw-image/bin /tmp/hw-image/www
cp /bin/busybox /tmp/hw-image/bin/busybox
echo '${marker}' > /tmp/hw-image/www/index.html
tar -C /tmp/hw-image -c . | podman import -q - localhost/hw-e2e-web >/dev/null`);
    // Bookworm's podman 4.3 has no quadlet; a plain unit runs it. --cgroups=disabled: the lab's
    // cgroup v1 controllers are read-only inside the host (LAB-NOTES).
    await sshOk(a, `cat > /etc/systemd/system/hw-e2e-web.service <<'EOF'
[Unit]
Description=Hostwright e2e web container

[Service]
ExecStartPre=-/usr/bin/podman rm -f hw-e2e-web
ExecStart=/usr/bin/podman run --rm --name hw-e2e-web --cgroups=disabled -p ${port}:8080 localhost/hw-e2e-web /bin/busybox httpd -f -p 8080 -h /www
ExecStop=/usr/bin/podman stop -t 2 hw-e2e-web
ExecStopPost=-/usr/bin/podman rm -f hw-e2e-web

[Install]
WantedBy=multi-user.target
EOF
systemctl daemon-reload && systemctl enable --now hw-e2e-web.service`);

    const r = await eventually('the published port', () => get(a.address, port), (x) => x.ok, 60_000);
    expect(r.body.trim()).toBe(marker);
    expect((await sshOk(a, 'systemctl is-active hw-e2e-web')).trim()).toBe('active');
    expect((await sshOk(a, `podman ps --format '{{.Names}} {{.Ports}}'`)).trim()).toBe(`hw-e2e-web 0.0.0.0:${port}->8080/tcp`);

    // The unit owns the container: stopping it stops the container and closes the port.
    await sshOk(a, 'systemctl stop hw-e2e-web');
    expect((await sshOk(a, 'podman ps -a --format "{{.Names}}"')).trim()).toBe('');
    expect((await get(a.address, port)).ok).toBe(false);
  });
});
