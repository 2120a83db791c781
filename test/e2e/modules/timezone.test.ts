/**
 * timezone end to end, on a plain host (no systemd: /etc/timezone, /etc/localtime and
 * dpkg-reconfigure tzdata, hwclock through /etc/default/rcS) and on a systemd host (timedatectl),
 * each compared with community.general.timezone run by ansible-playbook on the same host: the
 * registered results, and the zone the host is left in after every step.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { shell, timezone } from '../../../modules/index.js';
import type { TimezoneParams } from '../../../modules/timezone.js';
import type { LabHost } from '../../lab/state.js';
import { labHosts, sshOk } from '../../lab/testing.js';
import { converge, session } from './harness.js';
import { ansibleResults, ourResults, pick, type ParityCase } from './play-parity.js';
import type { TaskResult } from '../../../runner/module.types.js';

const tz = (name: string, args: TimezoneParams, ignore = false): ParityCase => ({ name, ansible: { module: 'community.general.timezone', args: { ...args } }, ours: timezone(args), ignore_errors: ignore });
/** What the host's clock says after each step: recorded by a shell task in the same play. */
const look = (name: string): ParityCase => ({ name, ansible: { module: 'shell', args: { cmd: LOOK } }, ours: shell({ cmd: LOOK }) });
const LOOK = 'readlink /etc/localtime; date +%Z; cat /etc/timezone; cat /etc/default/rcS 2>/dev/null || true';
/**
 * Both tools start from the zone the lab made (Etc/UTC) and no rcS. With systemd through
 * timedatectl: systemd-timedated keeps the zone it last saw in memory while it runs.
 */
const RESET = [
  'if timedatectl status >/dev/null 2>&1; then timedatectl set-local-rtc no && timedatectl set-timezone Etc/UTC',
  'else ln -sf /usr/share/zoneinfo/Etc/UTC /etc/localtime && echo Etc/UTC > /etc/timezone && rm -f /etc/default/rcS /etc/adjtime; fi',
].join('\n');
const reset: ParityCase = { name: 'reset', ansible: { module: 'shell', args: { cmd: RESET } }, ours: shell({ cmd: RESET }) };

const KEYS = ['failed', 'changed', 'msg'];
/**
 * `failedOnly`: cases where a host command fails after a file was written (hwclock with no RTC):
 * Ansible registers changed false, Hostwright changed true (rcS was written); the msg is the
 * command's own failure in both, worded differently.
 */
function compare(cases: ParityCase[], theirs: TaskResult[], ours: TaskResult[], failedOnly: string[] = []): void {
  cases.forEach((c, i) => {
    const keys = c.ansible.module === 'shell' ? ['stdout'] : failedOnly.includes(c.name) ? ['failed'] : KEYS;
    expect(pick(ours[i], keys), c.name).toEqual(pick(theirs[i], keys));
  });
}

let plain: LabHost;
let systemd: LabHost;
beforeAll(() => {
  plain = labHosts('plain')[0]!;
  systemd = labHosts('systemd')[0]!;
});
afterAll(async () => {
  await Promise.all([plain, systemd].map((h) => sshOk(h, RESET)));
});

describe('timezone without systemd (files and dpkg-reconfigure), compared with community.general.timezone', () => {
  const cases: ParityCase[] = [
    reset,
    tz('set a zone', { name: 'Asia/Tokyo' }),
    look('after Tokyo'),
    tz('same zone again', { name: 'Asia/Tokyo' }),
    tz('another zone', { name: 'America/New_York' }),
    tz('a zone that does not exist', { name: 'Mars/Olympus_Mons' }, true),
    // No RTC in a lab host: both write UTC=yes into rcS, then hwclock --systohc fails.
    tz('hwclock where there is none', { hwclock: 'UTC' }, true),
    tz('hwclock as rcS now says', { hwclock: 'UTC' }),
    tz('back to UTC', { name: 'Etc/UTC' }),
    look('after UTC'),
  ];

  test(`${cases.filter((c) => c.ansible.module !== 'shell').length} steps: results and the zone left after each`, async () => {
    const theirs = await ansibleResults(plain.name, cases);
    const ours = await ourResults(plain.name, cases);
    expect(theirs[1]).toMatchObject({ changed: true, msg: 'Added 1 line and deleted 1 line(s) on /etc/timezone' });
    expect(ours[2]!.stdout).toBe('/usr/share/zoneinfo/Asia/Tokyo\nJST\nAsia/Tokyo');
    expect(ours[5]).toMatchObject({ failed: true, msg: 'Error message:\ngiven timezone "Mars/Olympus_Mons" is not available' });
    expect(ours[6]).toMatchObject({ failed: true });
    compare(cases, theirs, ours, ['hwclock where there is none']);
  });

  test('check mode predicts, and a later task sees the zone an earlier one would set', async () => {
    await ourResults(plain.name, [reset]);
    const steps = [tz('set a zone', { name: 'Europe/Berlin' }), tz('again', { name: 'Europe/Berlin' }), tz('the zone it has', { name: 'Etc/UTC' })];
    const ours = await ourResults(plain.name, steps, true);
    // The second task sees the zone the first would set; the third, that it would be changed back.
    expect(ours.map((r) => r.changed)).toEqual([true, false, true]);
    expect(await sshOk(plain, 'readlink /etc/localtime')).toBe('/usr/share/zoneinfo/Etc/UTC\n');
  });

  test('the module contract on a host: check predicts, the run changes, the next does not', async () => {
    const s = await session(plain);
    const r = await converge(s, timezone({ name: 'Pacific/Auckland' }));
    expect(r.first.result.msg).toBe('Added 1 line and deleted 1 line(s) on /etc/timezone');
    expect(r.check.plan?.diffs?.[0]).toEqual({ before: '{\n    "name": "Etc/UTC"\n}\n', after: '{\n    "name": "Pacific/Auckland"\n}\n' });
    expect(await sshOk(plain, 'date +%Z; cat /etc/timezone')).toMatch(/^NZ[DS]T\nPacific\/Auckland\n$/);
  });
});

describe('timezone with systemd (timedatectl), compared with community.general.timezone', () => {
  const cases: ParityCase[] = [
    reset,
    tz('set a zone', { name: 'Asia/Tokyo' }),
    look('after Tokyo'),
    tz('same zone again', { name: 'Asia/Tokyo' }),
    tz('zone and hwclock together', { name: 'America/New_York', hwclock: 'local' }),
    tz('hwclock back to UTC', { hwclock: 'UTC' }),
    tz('hwclock UTC again', { hwclock: 'UTC' }),
    tz('a zone that does not exist', { name: 'Mars/Olympus_Mons' }, true),
    tz('back to UTC', { name: 'Etc/UTC' }),
    look('after UTC'),
  ];

  test(`${cases.filter((c) => c.ansible.module !== 'shell').length} steps: results and the zone left after each`, async () => {
    const theirs = await ansibleResults(systemd.name, cases);
    const ours = await ourResults(systemd.name, cases);
    expect(theirs[4]).toMatchObject({ changed: true, msg: 'executed `/usr/bin/timedatectl set-local-rtc yes`\nexecuted `/usr/bin/timedatectl set-timezone America/New_York`' });
    expect(ours[2]!.stdout).toMatch(/zoneinfo\/Asia\/Tokyo\nJST\n/);
    compare(cases, theirs, ours);
  });
});
