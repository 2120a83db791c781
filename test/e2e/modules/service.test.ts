import { describe, expect, test } from 'vitest';
import { service } from '../../../modules/index.js';
import { labHosts } from '../../lab/testing.js';
import { converge, remote, run, session } from './harness.js';

describe('service with SysV (plain host, `service cron`)', () => {
  test('stopped/started, enabled/disabled converge; restarted always changes', async () => {
    const s = await session(labHosts('plain')[1]!);
    expect(s.facts.service_mgr).not.toBe('systemd');
    await converge(s, service({ name: 'cron', state: 'stopped' }));
    expect((await remote(s, 'service cron status >/dev/null 2>&1; echo $?'))).not.toBe('0');
    await converge(s, service({ name: 'cron', state: 'started' }));
    expect(await remote(s, 'service cron status >/dev/null 2>&1; echo $?')).toBe('0');
    await converge(s, service({ name: 'cron', enabled: false }));
    expect(await remote(s, 'ls /etc/rc2.d/ | grep -c "^S..cron$" || true')).toBe('0');
    await converge(s, service({ name: 'cron', enabled: true }));
    expect(await remote(s, 'ls /etc/rc2.d/ | grep -c "^S..cron$"')).toBe('1');
    const check = await run(s, service({ name: 'cron', state: 'restarted' }), true);
    expect(check.plan).toMatchObject({ changed: true, nonIdempotent: true });
    const { second } = await converge(s, service({ name: 'cron', state: 'restarted' }), { idempotent: false });
    expect(second.changed).toBe(true);
  });
  test('unknown service fails; bad params name the field', async () => {
    const s = await session(labHosts('plain')[1]!);
    expect(await run(s, service({ name: 'no-such-service', state: 'started' }))).toMatchObject({ failed: true, msg: `Could not find the requested service no-such-service: ${s.host.name}` });
    expect((await run(s, service({ name: 'cron', state: 'running' as 'started' }))).issues.map((i) => i.field)).toEqual(['state']);
  });
});

describe('service with systemd (systemd host, systemctl)', () => {
  test('stopped/started, enabled/disabled converge through systemctl', async () => {
    const host = labHosts('systemd')[0];
    expect(host, 'the lab has a systemd host').toBeDefined();
    const s = await session(host!);
    expect(s.facts.service_mgr).toBe('systemd');
    await converge(s, service({ name: 'cron', state: 'stopped', enabled: false }));
    expect(await remote(s, 'systemctl is-active cron || true')).toBe('inactive');
    expect(await remote(s, 'systemctl is-enabled cron || true')).toBe('disabled');
    await converge(s, service({ name: 'cron', state: 'started', enabled: true }));
    expect(await remote(s, 'systemctl is-active cron; systemctl is-enabled cron')).toBe('active\nenabled');
    // cron.service has no reload; sshd's does (and keeps our connection).
    const { second } = await converge(s, service({ name: 'ssh', state: 'reloaded' }), { idempotent: false });
    expect(second.changed).toBe(true);
    expect(second.plan?.actions).toEqual([{ kind: 'run', script: 'systemctl reload -- ssh' }]);
  });
});
