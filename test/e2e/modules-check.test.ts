/**
 * --check --diff on a fresh host predicts the real run of a playbook whose tasks depend on each
 * other (group → user in it → its key, sudo rights, crontab and cron file → packages), through the
 * effects and overlays of user, group, authorized_key, cron and apt: the same statuses, the same
 * diffs, the same recap, nothing applied by the check; a second run changes nothing.
 */
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { labHosts, labState, resetHost, ssh, sshOk } from '../lab/testing.js';
import type { LabHost } from '../lab/state.js';
import { childEnv, parseRun, REPO_ROOT, runTool, TSX, type ParsedRun } from './playbooks/parity/output.js';
import { REPO_SCRIPT } from './modules/apt-repo.js';

const PLAYBOOK = path.join(REPO_ROOT, 'test/e2e/playbooks/modules-parity/deploy-user.ts');

async function hostwright(host: string, ...flags: string[]): Promise<ParsedRun> {
  const run = await runTool([TSX, PLAYBOOK, '-i', labState().inventoryFile, '-l', host, ...flags], { env: childEnv() });
  expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
  return parseRun(run.stdout);
}

/** Per task: banner and statuses, check mode's "(would run)" note dropped. */
const view = (r: ParsedRun) => r.tasks.map((t) => ({ banner: t.banner, statuses: t.statuses.map((s) => s.replace(/ \(would run\)$/, '')) }));

// Debian's source was switched off, users and packages added: the next test files get a fresh host.
let used: LabHost | undefined;
afterAll(async () => {
  if (used) await resetHost(used.name);
});

describe('check mode across dependent tasks (accounts, cron, packages)', () => {
  test('--check --diff on a fresh host predicts the run exactly', async () => {
    const host = labHosts('plain')[0]!;
    used = host;
    await resetHost(host.name);
    // The local repository only (apt-repo.ts), with a cache the stamp says is fresh.
    await sshOk(host, `${REPO_SCRIPT}\nsed -i 's/^deb /#deb /' /etc/apt/sources.list && apt-get -q update >/dev/null && mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/update-success-stamp`, { timeoutMs: 300_000 });

    const check = await hostwright(host.name, '--check', '--diff');
    // Nothing applied.
    expect((await ssh(host, 'getent group deployers || getent passwd app || test -e /etc/cron.d/app || dpkg -s hw-tool')).code).not.toBe(0);
    const real = await hostwright(host.name, '--diff');
    expect(view(check)).toEqual(view(real));
    expect(check.tasks.map((t) => t.body)).toEqual(real.tasks.map((t) => t.body));
    expect(check.recap).toEqual(real.recap);
    // Every task but the repeated ones changed something, and the diffs were shown.
    expect(real.tasks.filter((t) => t.statuses.some((s) => s.startsWith('changed'))).map((t) => t.banner)).toEqual([
      'TASK [deployers group]', 'TASK [deploy user]', 'TASK [deploy key]', 'TASK [sudo rights]', 'TASK [nightly job]', 'TASK [cron file]', 'TASK [second job in the cron file]', 'TASK [tool]',
    ]);
    expect(check.tasks.find((t) => t.banner === 'TASK [tool]')!.body).toEqual(expect.arrayContaining(['+hw-lib 1.0', '+hw-tool 1.0']));
    expect(await sshOk(host, 'id -nG app; cat /etc/cron.d/app')).toBe('app deployers\n#Ansible: sweep\n*/15 * * * * app /usr/bin/true\n#Ansible: report\n* 6 * * * app /usr/bin/true\n');

    const again = await hostwright(host.name);
    for (const line of again.recap) expect(line).toMatch(/ changed=0 /);
  });
});
