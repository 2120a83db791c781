/**
 * playbooks/site.ts, the job a new user runs first, on a fresh lab host laid out by
 * inventory/site/lab.ts (the lab's systemd host as the stack's one VPS, with inventory/site's
 * group_vars): check mode predicts the run task by task, the run converges in one go, a second run
 * changes nothing, and what the roles promise is there: the deploy user's login and sudo, sshd
 * hardened and still letting the run in, fail2ban, the firewall seen from the machine, PostgreSQL
 * healthy with its database in a named volume, the three services reached through HAProxy by path
 * (HTTP and TLS) and its rate limit, the nightly backup scheduled in cron; a backup, a
 * dropped table and restore.ts bring the rows back. Tags select roles.
 *
 * One fresh host for the whole file: the first run is what takes the time (apt installs podman,
 * firewalld, fail2ban, haproxy, PostgreSQL's package for the local image; three images are built).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tcpOpen } from '../lab/probes.js';
import type { LabHost } from '../lab/state.js';
import { labHosts, labState, resetHost, ssh, sshOk } from '../lab/testing.js';
import { get } from './modules/haproxy-lab.js';
import { changedByHost, childEnv, parseRun, REPO_ROOT, runTool, TSX, type ParsedRun, type TaskSection } from './playbooks/parity/output.js';

const SITE = path.join(REPO_ROOT, 'playbooks/site.ts');
const BACKUP = path.join(REPO_ROOT, 'playbooks/backup.ts');
const RESTORE = path.join(REPO_ROOT, 'playbooks/restore.ts');
const LAB_INVENTORY = path.join(REPO_ROOT, 'inventory/site/lab.ts');

let vps: LabHost;

async function playbook(file: string, ...flags: string[]): Promise<ParsedRun> {
  const run = await runTool([TSX, file, '-i', LAB_INVENTORY, ...flags], { env: childEnv({ HOSTWRIGHT_LAB: labState().instance }) });
  expect(run.code, `exit ${run.code}\n${run.stdout}\n${run.stderr}`).toBe(0);
  return parseRun(run.stdout);
}
const site = (...flags: string[]) => playbook(SITE, ...flags);

/** Status lines without check mode's "(would run)" note. */
const statuses = (t: TaskSection) => t.statuses.map((s) => s.replace(/ +\(would run\)$/, ''));
/** A task check mode cannot plan before an earlier task ran says on which one it depends. */
const DEPENDS = / \(depends on an earlier task that would run: '([^']+)'\)$/;

let check: ParsedRun;
let first: ParsedRun;

beforeAll(async () => {
  const [sd] = labHosts('systemd');
  expect(sd, 'site.ts needs the lab systemd host (HOSTWRIGHT_E2E_SYSTEMD=0?)').toBeDefined();
  vps = await resetHost(sd!.name);
  check = await site('--check', '--diff');
  first = await site('--diff');
}, 900_000);

// A firewall that lets SSH in only from the machine, fail2ban and containers would surprise later files.
afterAll(async () => {
  if (vps) await resetHost(vps.name);
});

describe('playbooks/site.ts on a fresh host', () => {
  test('--check --diff predicted the run task by task; the run converged; a second run changes nothing', async () => {
    expect(check.tasks.map((t) => t.banner)).toEqual(first.tasks.map((t) => t.banner));
    const unpredictable: string[] = [];
    check.tasks.forEach((t, i) => {
      const real = first.tasks[i]!;
      const on = t.statuses.map((st) => DEPENDS.exec(st)?.[1]).find(Boolean);
      if (on) {
        unpredictable.push(`${t.banner} <- ${on}`);
        expect(real.statuses.every((st) => /^(changed|ok): /.test(st)), `${real.banner}: ${real.statuses.join(', ')}`).toBe(true);
      } else {
        expect(statuses(t), t.banner).toEqual(statuses(real));
      }
    });
    // Every task's status was predicted, none waits for an earlier one: firewalld's rules against
    // the zones and settings its package ships and the running firewalld its postinst starts,
    // HAProxy's certificate in the package's new /etc/haproxy, the app's release from the commit
    // the run publishes (its id is computed before the run) and the images built from it.
    expect(unpredictable).toEqual([]);
    console.log(`site.ts --check --diff: ${check.recap[0]}\nsite.ts:                 ${first.recap[0]}`);
    expect(changedByHost(check.recap)).toEqual(changedByHost(first.recap));
    expect(first.recap[0]).toMatch(/ changed=[1-9]\d* .* failed=0 /);

    const second = await site();
    expect(second.recap[0]).toMatch(/ changed=0 +unreachable=0 +failed=0 /);
    expect(second.tasks.flatMap((t) => t.statuses).filter((s) => !/^(ok|skipping):/.test(s))).toEqual([]);
  });

  test('base: the deploy user logs in with its key and has sudo; sshd is hardened and still lets the run in; fail2ban guards SSH; security updates are on', async () => {
    expect(await sshOk(vps, 'sudo -n id -un', { user: 'deploy' })).toBe('root\n');
    const sshd = await sshOk(vps, 'sshd -T');
    for (const setting of ['permitrootlogin without-password', 'passwordauthentication no', 'x11forwarding no', 'maxauthtries 3']) expect(sshd).toContain(setting);
    expect(await sshOk(vps, 'fail2ban-client status sshd')).toMatch(/Status for the jail: sshd/);
    expect(await sshOk(vps, 'readlink -f /etc/localtime; date +%Z')).toMatch(/^\/usr\/share\/zoneinfo\/Europe\/Berlin\nCES?T\n$/);
    expect(await sshOk(vps, 'apt-config dump APT::Periodic::Unattended-Upgrade')).toContain('"1"');
  });

  test('firewall: SSH from the machine (the trusted network), 5432 and the application ports closed, denied packets logged', async () => {
    expect(await tcpOpen(vps.address, 22)).toBe(true);
    for (const p of [3000, 3100, 3200, 5432]) expect(await tcpOpen(vps.address, p), `port ${p} from the machine`).toBe(false);
    expect((await sshOk(vps, 'firewall-cmd --get-log-denied')).trim()).toBe('all');
    expect(await sshOk(vps, 'firewall-cmd --list-rich-rules')).toContain(`source address="${labState().bridgeAddress}/32" service name="ssh" accept`);
  });

  test('database: PostgreSQL healthy in its container, the data in the named volume, the application database there', async () => {
    expect((await sshOk(vps, "podman inspect --format '{{.State.Health.Status}} {{range .Mounts}}{{.Name}}{{end}}' postgres")).trim()).toBe('healthy pgdata');
    expect(await sshOk(vps, "podman exec postgres psql -h /run/postgresql -U postgres -Atc \"SELECT datname FROM pg_database WHERE datname = 'shiftplan'\"")).toBe('shiftplan\n');
  });

  test('proxy: each service by its path over HTTP, TLS on 443, security headers, the services\' own ports closed from outside', async () => {
    for (const [p, body] of [['/', 'gateway'], ['/auth/', 'auth'], ['/scheduling/', 'scheduling']] as const) {
      const r = await get(vps.address, 80, p);
      expect(r.status, p).toBe(200);
      expect(r.body.trim(), p).toBe(body);
    }
    const tls = await httpsGet('/auth/');
    expect(tls).toMatchObject({ status: 200, body: 'auth\n' });
    expect(tls.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(tls.headers['strict-transport-security']).toBeDefined();
    for (const p of [3000, 3100, 3200]) expect(await tcpOpen(vps.address, p), `port ${p} from the machine`).toBe(false);
  });

  test('proxy: past the rate limit one address gets 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 130; i++) statuses.push((await get(vps.address, 80, '/')).status);
    expect(statuses.filter((st) => st === 429).length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set([200, 429]));
  });

  test('backup: the nightly run is scheduled in the host\'s cron; a backup, a dropped table and restore.ts bring the rows and an application volume back (its container stopped meanwhile; pgdata refused as files); a named archive restores its own state', async () => {
    const psql = (sql: string) => sshOk(vps, `podman exec postgres psql -h /run/postgresql -U postgres -d shiftplan -v ON_ERROR_STOP=1 -Atc "${sql}"`);
    const archives = async () => (await sshOk(vps, 'cd /var/backups/hostwright/shiftplan && ls *.tar.* | grep -v sha256$ | sort')).trim().split('\n').filter(Boolean);
    await psql("CREATE TABLE shifts (id int, who text); INSERT INTO shifts VALUES (1, 'ann'), (2, 'bob'), (3, 'cy')");

    // The cron entry site.ts wrote: its script (the backup module's own run) is what runs at night; run it now.
    expect(await sshOk(vps, 'cat /etc/cron.d/hostwright-backup')).toMatch(/^17 3 \* \* \* root \/usr\/local\/sbin\/hostwright-backup-shiftplan$/m);
    await sshOk(vps, '/usr/local/sbin/hostwright-backup-shiftplan');
    expect(await sshOk(vps, 'tail -1 /var/log/hostwright-backup.log')).toMatch(/ job=shiftplan status=ok archive=\S+ sha256=[0-9a-f]{64} /);
    expect(await archives()).toHaveLength(1);

    await psql("INSERT INTO shifts VALUES (4, 'dee')");
    // An application volume beside the database, in use by a running container: backed up with
    // backup_volumes, and restored with the rows while its container is stopped.
    const files = '/var/lib/containers/storage/volumes/appfiles/_data';
    await sshOk(vps, `podman volume create appfiles >/dev/null && echo v1 > ${files}/note && podman run -d --name hw-appfiles -v appfiles:/data localhost/busybox sleep 600 >/dev/null`);
    const volumes = ['-e', '{"backup_volumes": ["appfiles"]}'];
    const second = await playbook(BACKUP, ...volumes);
    expect(second.recap[0]).toMatch(/ changed=1 .* failed=0 /);
    const [older, newer] = await archives();
    expect(newer).toBeDefined();
    // pgdata, the database's own data volume, is refused as files (the dump is the consistent copy).
    const refused = await runTool([TSX, BACKUP, '-i', LAB_INVENTORY, '-e', '{"backup_volumes": ["pgdata"]}'], { env: childEnv({ HOSTWRIGHT_LAB: labState().instance }) });
    expect(refused.code).toBe(2);
    expect(refused.stdout).toContain('pgdata is the data volume of the running PostgreSQL container postgres');

    await psql('DROP TABLE shifts');
    await sshOk(vps, `echo v2 > ${files}/note && touch ${files}/extra`);
    // Check mode lists what it would replace and touches nothing.
    const checked = await runTool([TSX, RESTORE, '-i', LAB_INVENTORY, '--check', '-v', ...volumes], { env: childEnv({ HOSTWRIGHT_LAB: labState().instance }) });
    expect(checked.code, checked.stdout).toBe(0);
    expect(checked.stdout).toContain(`replace ${files}; database shiftplan from shiftplan.dump (drop and create)`);
    expect(await sshOk(vps, `cat ${files}/note`)).toBe('v2\n');
    const started = () => sshOk(vps, "podman inspect --format '{{.State.StartedAt}}' hw-appfiles");
    const startedBefore = await started();
    const restored = await playbook(RESTORE, ...volumes);
    expect(restored.recap[0]).toMatch(/ failed=0 /);
    expect(await psql('SELECT count(*) FROM shifts')).toBe('4\n');
    expect(await sshOk(vps, `cat ${files}/note; ls ${files}; podman ps --format '{{.Names}}' --filter name=hw-appfiles`)).toBe('v1\nnote\nhw-appfiles\n');
    // Its container was stopped for the swap and started again.
    expect(restored.tasks.find((t) => t.banner === 'TASK [stop the containers using the volumes]')?.statuses).toEqual([expect.stringMatching(/^changed: /)]);
    expect(await started()).not.toBe(startedBefore);
    await playbook(RESTORE, '-e', `archive=${older}`);
    expect(await psql('SELECT string_agg(who, \',\' ORDER BY id) FROM shifts')).toBe('ann,bob,cy\n');
  });

  test('--tags firewall runs only the firewall role; --skip-tags leaves a role out', async () => {
    const fw = await site('--tags', 'firewall');
    expect(fw.tasks.map((t) => t.banner)).toEqual([
      'TASK [Gathering Facts]',
      'TASK [ssh from trusted networks]',
      'TASK [public services]',
      'TASK [ssh closed to everyone else]',
      'TASK [application ports closed from outside]',
      'TASK [container networks trusted]',
      'TASK [log denied packets]',
    ]);
    expect(fw.recap[0]).toMatch(/ changed=0 .* failed=0 /);
    const listed = await runTool([TSX, SITE, '-i', LAB_INVENTORY, '--list-tasks', '--skip-tags', 'backup'], { env: childEnv({ HOSTWRIGHT_LAB: labState().instance }) });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('sshd hardened');
    expect(listed.stdout).toContain('haproxy configuration');
    expect(listed.stdout).not.toContain('nightly backup');
  });
});

/** One HTTPS GET through HAProxy (the lab's certificate is self-signed), with the TLS version. */
function httpsGet(p: string): Promise<{ status: number; body: string; headers: Record<string, unknown>; protocol: string | null }> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: vps.address, port: 443, path: p, agent: false, rejectUnauthorized: false, timeout: 10_000 }, (res) => {
      const protocol = (res.socket as TLSSocket).getProtocol();
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers, protocol }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}
