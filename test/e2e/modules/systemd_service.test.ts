/**
 * systemd_service end to end on the lab's systemd host, compared with ansible.builtin.systemd
 * (ansible-core 2.14's name for it) run by ansible-playbook on the same host: a unit of the
 * test's own (sleep, with a reload command) started, enabled, restarted, reloaded, stopped,
 * masked and unmasked, daemon_reload alone, a unit that does not exist; then a user unit of
 * `deploy` (scope user, its manager kept by lingering). Registered results (changed, state,
 * enabled, the status properties a playbook reads) and the unit's state after the steps.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { shell, systemd_service } from '../../../modules/index.js';
import type { SystemdServiceParams } from '../../../modules/systemd_service.js';
import type { TaskResult } from '../../../runner/module.types.js';
import { eventually } from '../../lab/probes.js';
import type { LabHost } from '../../lab/state.js';
import { labHosts, ssh, sshOk } from '../../lab/testing.js';
import { converge, session } from './harness.js';
import { ansibleResults, ourResults, pick, type ParityCase } from './play-parity.js';

const UNIT = 'hw-e2e-sleep';
const UNIT_FILE = `[Unit]\nDescription=hostwright e2e sleeper\n[Service]\nExecStart=/bin/sleep infinity\nExecReload=/bin/true\n[Install]\nWantedBy=multi-user.target\n`;
const USER_UNIT_DIR = '/home/deploy/.config/systemd/user';

const sd = (name: string, args: SystemdServiceParams, o: { ignore?: boolean; user?: string } = {}): ParityCase => ({
  name,
  ansible: { module: 'systemd', args: { ...args } },
  ours: systemd_service(args),
  ...(o.ignore ? { ignore_errors: true } : {}),
  ...(o.user ? { become_user: o.user } : {}),
});
const sh = (name: string, cmd: string, user?: string): ParityCase => {
  // sudo does not pass XDG_RUNTIME_DIR: a user's systemctl --user needs it to find its manager.
  const full = user ? `export XDG_RUNTIME_DIR=/run/user/$(id -u); ${cmd}` : cmd;
  return { name, ansible: { module: 'shell', args: { cmd: full } }, ours: shell({ cmd: full }), ...(user ? { become_user: user } : {}) };
};
// Under /lib, as a package's unit: one in /etc/systemd/system cannot be masked (its file is where the mask would go).
const PREPARE = `printf '${UNIT_FILE.replace(/\n/g, '\\n')}' > /lib/systemd/system/${UNIT}.service && systemctl unmask ${UNIT} && systemctl daemon-reload && systemctl disable --now ${UNIT} 2>/dev/null; true`;
const LOOK = `systemctl is-active ${UNIT}; systemctl is-enabled ${UNIT}; true`;

const STATUS_KEYS = ['ActiveState', 'SubState', 'LoadState', 'UnitFileState', 'Id', 'Description'];
function compare(cases: ParityCase[], theirs: TaskResult[], ours: TaskResult[]): void {
  cases.forEach((c, i) => {
    const [t, o] = [theirs[i], ours[i]];
    if (c.ansible.module === 'shell') return expect(pick(o, ['stdout']), c.name).toEqual(pick(t, ['stdout']));
    // A failure's msg: Ansible's own where Hostwright decides (a missing unit), systemctl's in other words where systemctl refused.
    if (t?.failed) return expect(pick(o, ['failed']), c.name).toEqual(pick(t, ['failed']));
    expect(pick(o, ['failed', 'changed', 'name', 'state', 'enabled']), c.name).toEqual(pick(t, ['failed', 'changed', 'name', 'state', 'enabled']));
    expect(pick(o?.status as TaskResult, STATUS_KEYS), `${c.name}: status`).toEqual(pick(t?.status as TaskResult, STATUS_KEYS));
  });
}

let host: LabHost;
beforeAll(async () => {
  host = labHosts('systemd')[0]!;
  // deploy's own manager, kept running without a login session.
  await sshOk(host, 'loginctl enable-linger deploy');
  await eventually('deploy\'s user manager', () => ssh(host, 'test -S /run/user/1000/systemd/private'), (r) => r.code === 0);
});
afterAll(async () => {
  await sshOk(host, `systemctl disable --now ${UNIT} 2>/dev/null; systemctl unmask ${UNIT}; rm -f /lib/systemd/system/${UNIT}.service; systemctl daemon-reload; loginctl disable-linger deploy; rm -rf /home/deploy/.config/systemd`);
});

describe('systemd_service compared with ansible.builtin.systemd', () => {
  const cases: ParityCase[] = [
    sh('prepare', PREPARE),
    sd('daemon_reload alone', { daemon_reload: true }),
    sd('started', { name: UNIT, state: 'started' }),
    sd('started again', { name: UNIT, state: 'started' }),
    sd('enabled', { name: UNIT, enabled: true }),
    sd('enabled again', { name: UNIT, enabled: true }),
    sd('restarted', { name: UNIT, state: 'restarted' }),
    sd('reloaded', { name: UNIT, state: 'reloaded' }),
    sd('stopped', { name: UNIT, state: 'stopped' }),
    sd('stopped again', { name: UNIT, state: 'stopped' }),
    sd('masked', { name: UNIT, masked: true }),
    sd('started while masked', { name: UNIT, state: 'started' }, { ignore: true }),
    sd('unmasked, disabled and started', { name: UNIT, masked: false, enabled: false, state: 'started' }),
    sh('look', LOOK),
    sd('a unit that does not exist', { name: 'hw-no-such-unit', state: 'started' }, { ignore: true }),
    sd('disabled and stopped', { name: UNIT, enabled: false, state: 'stopped' }),
    sh('look', LOOK),
  ];
  const steps = cases.filter((c) => c.ansible.module !== 'shell').length;

  test(`${steps} steps on a system unit: results, status and the unit's state`, async () => {
    const theirs = await ansibleResults(host.name, cases);
    const ours = await ourResults(host.name, cases);
    expect(ours[2]).toMatchObject({ changed: true, state: 'started', name: UNIT, status: { ActiveState: 'inactive', LoadState: 'loaded' } });
    expect(ours[11]).toMatchObject({ failed: true });
    expect(ours[11]!.msg).toContain('masked');
    // Unmasked first, then its enablement (still linked from before the mask) is switched off.
    expect(ours[13]!.stdout).toBe('active\ndisabled');
    expect(ours[14]).toMatchObject({ failed: true, msg: 'Could not find the requested service hw-no-such-unit: host' });
    compare(cases, theirs, ours);
  });

  test('scope user: a unit of deploy\'s own manager, run as deploy', async () => {
    const user = 'deploy';
    const userCases: ParityCase[] = [
      sh('prepare', `mkdir -p ${USER_UNIT_DIR} && printf '[Service]\\nExecStart=/bin/sleep infinity\\n[Install]\\nWantedBy=default.target\\n' > ${USER_UNIT_DIR}/hw-user.service && systemctl --user daemon-reload && systemctl --user disable --now hw-user 2>/dev/null; true`, user),
      sd('user daemon_reload', { daemon_reload: true, scope: 'user' }, { user }),
      sd('user started and enabled', { name: 'hw-user', state: 'started', enabled: true, scope: 'user' }, { user }),
      sd('user started again', { name: 'hw-user', state: 'started', enabled: true, scope: 'user' }, { user }),
      sh('look', 'systemctl --user is-active hw-user; systemctl --user is-enabled hw-user; true', user),
      sd('user stopped', { name: 'hw-user', state: 'stopped', scope: 'user' }, { user }),
    ];
    // XDG_RUNTIME_DIR is not set through sudo: both modules set it from the uid.
    const theirs = await ansibleResults(host.name, userCases);
    const ours = await ourResults(host.name, userCases);
    expect(ours[4]!.stdout).toBe('active\nenabled');
    compare(userCases, theirs, ours);
  });

  test('the module contract; check mode carries a start to the next task', async () => {
    await sshOk(host, PREPARE);
    const s = await session(host);
    const r = await converge(s, systemd_service({ name: UNIT, state: 'started', enabled: true }));
    expect(r.second.result).toMatchObject({ changed: false, enabled: true, state: 'started' });
    await sshOk(host, PREPARE);
    const predicted = await ourResults(host.name, [sd('start', { name: UNIT, state: 'started' }), sd('start again', { name: UNIT, state: 'started' })], true);
    expect(predicted.map((x) => x.changed)).toEqual([true, false]);
    expect(await sshOk(host, LOOK)).toBe('inactive\ndisabled\n');
  });
});
