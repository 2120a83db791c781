/**
 * playbooks/site.ts, the job a new user runs first, on a fresh lab host laid out by
 * inventory/site/lab.ts (the lab's systemd host as the stack's one VPS, with inventory/site's
 * group_vars): check mode predicts the run task by task, the run converges in one go, a second run
 * changes nothing, and what the roles promise is there (the deploy user's login and sudo, sshd
 * hardened and still letting the run in, fail2ban, the firewall seen from the machine, PostgreSQL
 * healthy with its database in a named volume). Tags select roles.
 *
 * One fresh host for the whole file: the first run is what takes the time (apt installs podman,
 * firewalld, fail2ban, PostgreSQL's package for the local image).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tcpOpen } from '../lab/probes.js';
import type { LabHost } from '../lab/state.js';
import { labHosts, labState, resetHost, ssh, sshOk } from '../lab/testing.js';
import { childEnv, parseRun, REPO_ROOT, runTool, TSX, type ParsedRun, type TaskSection } from './playbooks/parity/output.js';

const SITE = path.join(REPO_ROOT, 'playbooks/site.ts');
const LAB_INVENTORY = path.join(REPO_ROOT, 'inventory/site/lab.ts');

let vps: LabHost;

async function site(...flags: string[]): Promise<ParsedRun> {
  const run = await runTool([TSX, SITE, '-i', LAB_INVENTORY, ...flags], { env: childEnv({ HOSTWRIGHT_LAB: labState().instance }) });
  expect(run.code, `exit ${run.code}\n${run.stdout}\n${run.stderr}`).toBe(0);
  return parseRun(run.stdout);
}

/** Status lines without check mode's "(would run)" note. */
const statuses = (t: TaskSection) => t.statuses.map((s) => s.replace(/ +\(would run\)$/, ''));
/** Check mode cannot see a firewalld that the packages task would install: it says so. */
const UNPREDICTABLE = /^skipping: .*\(depends on an earlier task that would run: 'packages'\)$/;

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
      if (t.statuses.some((s) => UNPREDICTABLE.test(s))) {
        unpredictable.push(t.banner);
        expect(real.statuses.every((s) => /^(changed|ok): /.test(s)), `${real.banner}: ${real.statuses.join(', ')}`).toBe(true);
      } else {
        expect(statuses(t), t.banner).toEqual(statuses(real));
      }
    });
    // Only the firewall's tasks wait for firewalld's own configuration, which exists once it is installed.
    expect(unpredictable).toEqual([
      'TASK [ssh from trusted networks]',
      'TASK [public services]',
      'TASK [ssh closed to everyone else]',
      'TASK [application ports closed from outside]',
      'TASK [container networks trusted]',
      'TASK [log denied packets]',
    ]);
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
    expect(await sshOk(vps, 'cat /etc/timezone; readlink /etc/localtime')).toBe('Europe/Berlin\n/usr/share/zoneinfo/Europe/Berlin\n');
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
    const listed = await runTool([TSX, SITE, '-i', LAB_INVENTORY, '--list-tasks', '--skip-tags', 'database'], { env: childEnv({ HOSTWRIGHT_LAB: labState().instance }) });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('sshd hardened');
    expect(listed.stdout).not.toContain('PostgreSQL container');
  });
});
