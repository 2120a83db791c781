/**
 * playbooks/site.ts, the job a new user runs first, on a fresh lab host: check mode predicts the
 * run, the run does what the roles say (sshd hardened and still reachable, the app tree, its
 * health check passing as the service account), a second run changes nothing, and tags select roles.
 */
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { labHosts, labState, resetHost, ssh, sshOk } from '../lab/testing.js';
import type { LabHost } from '../lab/state.js';
import { parseRun, REPO_ROOT, runTool, TSX, type ParsedRun, type TaskSection } from './playbooks/parity/output.js';

const SITE = path.join(REPO_ROOT, 'playbooks/site.ts');

async function site(host: LabHost, ...flags: string[]): Promise<ParsedRun> {
  const run = await runTool([TSX, SITE, '-i', labState().inventoryFile, '-l', host.name, ...flags]);
  expect(run.code, `exit ${run.code}\n${run.stdout}\n${run.stderr}`).toBe(0);
  return parseRun(run.stdout);
}

function freshHost(): Promise<LabHost> {
  const hosts = labHosts('plain');
  expect(hosts.length).toBeGreaterThanOrEqual(1);
  return resetHost(hosts[hosts.length - 1]!.name);
}

/** Status lines without check mode's "(would run)" note. */
const statuses = (t: TaskSection) => t.statuses.map((s) => s.replace(/ \(would run\)$/, ''));
/** A diff's changed lines: what a task adds and removes, without context or hunk positions. */
const edits = (t: TaskSection) => t.body.filter((l) => /^[-+](?![-+]{2} )/.test(l));

describe('playbooks/site.ts on a fresh host', () => {
  test('--check --diff predicts the run; the run hardens sshd and sets up the app; the second run changes nothing', async () => {
    const host = await freshHost();
    const motd = await sshOk(host, 'cat /etc/motd');

    const check = await site(host, '--check', '--diff');
    expect(await sshOk(host, 'cat /etc/motd')).toBe(motd);
    expect((await ssh(host, 'test -e /srv/shiftplan || test -e /etc/default/shiftplan')).code).toBe(1);

    const real = await site(host, '--diff');
    expect(check.tasks.map((t) => t.banner)).toEqual(real.tasks.map((t) => t.banner));
    expect(check.tasks.map(statuses)).toEqual(real.tasks.map(statuses));
    // Same changes, line for line. Context lines may differ: the sshd settings loop edits one file
    // item by item, and check mode shows each item's context without the earlier items' edits.
    expect(check.tasks.map(edits)).toEqual(real.tasks.map(edits));
    expect(check.recap).toEqual(real.recap);
    expect(real.recap[0]).toMatch(/ changed=1[0-9] .* failed=0 /);
    expect(real.tasks.map((t) => t.banner)).toEqual(expect.arrayContaining(['RUNNING HANDLER [reload ssh]', 'RUNNING HANDLER [restart app]']));

    // sshd took the settings (and answers: the reload kept it up).
    const sshd = await sshOk(host, 'sshd -T');
    for (const setting of ['x11forwarding no', 'maxauthtries 3', 'clientaliveinterval 300', 'passwordauthentication no']) expect(sshd).toContain(setting);
    // The app tree belongs to deploy, and the health check the cron entry runs passes as deploy.
    expect(await sshOk(host, 'stat -c "%U %a" /srv/shiftplan/shared/log')).toBe('deploy 750\n');
    expect(await sshOk(host, 'su deploy -c /usr/local/bin/shiftplan-health')).toBe('shiftplan: ok\n');
    expect(await sshOk(host, 'cat /etc/cron.d/shiftplan-health')).toContain('deploy /usr/local/bin/shiftplan-health');
    expect(await sshOk(host, 'head -1 /etc/motd')).toContain(`${host.name}: Debian`);

    const second = await site(host);
    expect(second.recap[0]).toMatch(/ changed=0 +unreachable=0 +failed=0 /);
    expect(second.tasks.flatMap((t) => t.statuses).filter((s) => !s.startsWith('ok:'))).toEqual([]);
  });

  test('-t ssh runs only the ssh role and its handler', async () => {
    const host = await freshHost();
    const run = await site(host, '-t', 'ssh');
    expect(run.tasks.map((t) => t.banner)).toEqual(['TASK [Gathering Facts]', 'TASK [sshd settings]', 'RUNNING HANDLER [reload ssh]']);
    expect((await ssh(host, 'test -e /srv/shiftplan || test -e /etc/hostwright')).code).toBe(1);
    expect(await sshOk(host, 'sshd -T')).toContain('maxauthtries 3');
  });
});
