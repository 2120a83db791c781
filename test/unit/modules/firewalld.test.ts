/**
 * firewalld without a host: the rich rule normal form, the zone-file and D-Bus readers, the lockout
 * guard, and plans made from probe output recorded on lab hosts (test/fixtures/firewalld/: a
 * running firewalld after seed 000's rule set, and an offline one).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { firewalld } from '../../../modules/firewalld/firewalld.js';
import { parseDbusReply } from '../../../modules/firewalld/dbus.js';
import { carryingZone, lockoutReason, sshVerdict } from '../../../modules/firewalld/lockout.js';
import { inNetwork } from '../../../modules/_lib/ssh-path.js';
import type { FirewalldParams } from '../../../modules/firewalld/params.js';
import { planFirewalld } from '../../../modules/firewalld/plan.js';
import { parseFirewalldProbe } from '../../../modules/firewalld/probe.js';
import { normalizeRichRule, RichRuleError } from '../../../modules/firewalld/rich-rule.js';
import { planFirewalldSettings, withConfValue } from '../../../modules/firewalld/settings.js';
import { emptyZone, sameZone, zoneFromXml, zoneText } from '../../../modules/firewalld/zone.js';
import { parseXml } from '../../../modules/_lib/xml.js';
import { overlayFirewalld } from '../../../modules/firewalld/predict.js';
import { parseContents } from '../../../modules/packages/apt-contents.js';
import { aptEffects } from '../../../modules/packages/predict.js';
import { PredictedState, Unpredictable } from '../../../runner/predict.js';

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, '../../fixtures/firewalld', name), 'utf8');
const running = () => parseFirewalldProbe(fixture('running-seed000.txt'));
const offline = () => parseFirewalldProbe(fixture('offline.txt'));
const plan = (p: Partial<FirewalldParams>, s = running()) => planFirewalld({ state: 'enabled', ...p } as FirewalldParams, s);

describe('rich rules by meaning', () => {
  test.each([
    ['rule family=ipv4 source address=10.0.0.0/8 service name=ssh accept', 'rule family="ipv4" source address="10.0.0.0/8" service name="ssh" accept'],
    ['rule service name="ssh" source address="10.0.0.0/8" family="ipv4" accept', 'rule family="ipv4" source address="10.0.0.0/8" service name="ssh" accept'],
    ["rule   family='ipv4'   source not address='192.0.2.1' drop", 'rule family="ipv4" source NOT address="192.0.2.1" drop'],
    ['rule family="ipv4" source address="10.1.0.0/16" port protocol="tcp" port="3000" log level="info" prefix="app " limit value="1/minute" reject type="icmp-port-unreachable"', 'rule family="ipv4" source address="10.1.0.0/16" port port="3000" protocol="tcp" log prefix="app " level="info" limit value="1/m" reject type="icmp-port-unreachable"'],
    ['rule priority=-10 family=ipv6 service name=http audit limit value=5/s accept limit value=10/second', 'rule priority="-10" family="ipv6" service name="http" audit limit value="5/s" accept limit value="10/s"'],
    ['rule family="ipv4" forward-port to-addr="10.0.0.2" to-port="8080" port="80" protocol="tcp"', 'rule family="ipv4" forward-port port="80" protocol="tcp" to-port="8080" to-addr="10.0.0.2"'],
    ['rule source mac=aa:bb:cc:dd:ee:ff masquerade', 'rule source mac="AA:BB:CC:DD:EE:FF" masquerade'],
    ['rule family=ipv4 destination address=10.0.0.1 protocol value=gre mark set=0x1/0xff', 'rule family="ipv4" destination address="10.0.0.1" protocol value="gre" mark set=0x1/0xff'],
  ])('%s', (written, normal) => {
    expect(normalizeRichRule(written)).toBe(normal);
    expect(normalizeRichRule(normal)).toBe(normal);
  });

  test.each([
    ['service name=ssh accept', /starts with 'rule'/],
    ['rule family=ipv5 accept', /'family' cannot be 'ipv5'/],
    ['rule service name=ssh port port=22 protocol=tcp accept', /more than one element/],
    ['rule service name=ssh accept drop', /more than one action/],
    ['rule family=ipv4 source address="10.0.0.0/8', /unclosed quote/],
    ['rule service name=ssh accept limit value=0/m', /invalid limit/],
    ['rule bogus accept', /unknown element bogus/],
  ])('refuses %s', (rule, message) => {
    expect(() => normalizeRichRule(rule)).toThrow(RichRuleError);
    expect(() => normalizeRichRule(rule)).toThrow(message);
  });

  test('a zone file rule reads as the same string firewalld reports over D-Bus', () => {
    const zone = zoneFromXml(
      parseXml(`<?xml version="1.0" encoding="utf-8"?>
<zone target="DROP"><short>X</short>
  <rule family="ipv4"><source address="10.0.0.0/8" invert="True"/><service name="ssh"/><log prefix="ssh &amp; co" level="info"><limit value="1/m"/></log><accept/></rule>
  <port port="8000-8010" protocol="udp"/><forward-port port="22" protocol="tcp" to-port="2222"/><masquerade/>
</zone>`),
    );
    expect(zone.rich_rules).toEqual(['rule family="ipv4" source NOT address="10.0.0.0/8" service name="ssh" log prefix="ssh & co" level="info" limit value="1/m" accept']);
    expect(zone).toMatchObject({ target: 'DROP', masquerade: true, ports: ['8000-8010/udp'], forward_ports: ['port=22:proto=tcp:toport=2222:toaddr='] });
  });
});

describe('readers', () => {
  test('dbus-send replies: nested dicts, structs, empty arrays, booleans', () => {
    const [active] = parseDbusReply(`method return time=1 sender=:1.10 -> destination=:1.29 serial=1 reply_serial=2
   array [
      dict entry(
         string "internal"
         array [
            dict entry(
               string "sources"
               array [
                  string "10.9.0.0/16"
               ]
            )
         ]
      )
   ]`);
    expect(active).toEqual({ internal: { sources: ['10.9.0.0/16'] } });
    expect(parseDbusReply('   array [\n   ]\n   boolean true\n   struct {\n      string "80"\n      int32 5\n   }')).toEqual([[], true, ['80', 5]]);
  });

  test('a running firewalld: default zone, LogDenied, runtime of the default and active zones, permanent of all, the SSH path', () => {
    const s = running();
    expect(s).toMatchObject({ installed: true, running: true, defaultZone: 'public', logDenied: 'all', sshServicePorts: ['22/tcp'] });
    expect(s.ssh).toEqual({ client: '10.213.55.1', serverAddress: '10.213.55.4', port: 22, iface: 'eth0' });
    expect(Object.keys(s.runtime).sort()).toEqual(['public', 'trusted']);
    expect(s.runtime.public!.services.sort()).toEqual(['dhcpv6-client', 'http', 'https']);
    expect(s.runtime.trusted!.sources).toEqual(['10.88.0.0/16']);
    expect(sameZone(s.permanent.public!, s.runtime.public!)).toBe(true);
    expect(s.builtinZones).toContain('drop');
  });

  test('an offline firewalld: only the permanent configuration, from the files', () => {
    const s = offline();
    expect(s).toMatchObject({ installed: true, running: false, hasOfflineCmd: true, defaultZone: 'public', runtime: {} });
    expect(s.permanent.public!.services).toContain('ssh');
  });

  test('no firewalld at all', () => {
    const s = parseFirewalldProbe('@@missing\n');
    expect(s.installed).toBe(false);
    expect(planFirewalld({ service: 'http', state: 'enabled' }, s).failed).toMatch(/not installed/);
  });
});

describe('plans from a recorded running firewalld', () => {
  test('converged settings plan nothing', () => {
    for (const p of [
      { service: 'http', permanent: true, immediate: true },
      { rich_rule: 'rule service name=ssh source address=10.213.55.1/32 family=ipv4 accept', permanent: true, immediate: true },
      { zone: 'trusted', source: '10.88.0.0/16', permanent: true, immediate: true },
      { port: '3000/tcp', permanent: true, immediate: true, state: 'disabled' as const },
    ]) {
      const r = plan(p);
      expect(r.failed).toBeUndefined();
      expect(r.changed, JSON.stringify(p)).toBe(false);
      expect(r.actions).toEqual([]);
    }
  });

  test('a port in both configurations: one command each, one diff per configuration', () => {
    const r = plan({ port: '8080/tcp', permanent: true, immediate: true });
    expect(r.actions.map((a) => (a.kind === 'run' ? a.script : a.kind))).toEqual([
      'firewall-cmd --permanent --zone=public --add-port=8080/tcp',
      'firewall-cmd --zone=public --add-port=8080/tcp',
    ]);
    expect(r.diffs!.map((d) => d.before_header)).toEqual(['zone public (permanent)', 'zone public (runtime)']);
    expect(r.diffs![0]!.after).toContain('  ports: 8080/tcp\n');
    expect(r.summary).toBe('Permanent and Non-Permanent(immediate) operation, Changed port 8080/tcp to enabled');
    expect(r.effects).toEqual([
      expect.objectContaining({ kind: 'resource', type: 'firewalld_zone_permanent', key: 'public' }),
      expect.objectContaining({ kind: 'resource', type: 'firewalld_zone_runtime', key: 'public' }),
    ]);
  });

  test('runtime only by default; a timeout applies to the runtime rule', () => {
    const r = plan({ service: 'ftp', timeout: 60 });
    expect(r.actions).toEqual([{ kind: 'run', script: 'firewall-cmd --zone=public --add-service=ftp --timeout=60s' }]);
    expect(r.summary).toMatch(/^Non-permanent operation/);
  });

  test('an interface moves from the zone that had it', () => {
    const r = plan({ zone: 'internal', source: '10.88.0.0/16', permanent: true });
    expect(r.actions).toEqual([{ kind: 'run', script: 'firewall-cmd --permanent --zone=internal --change-source=10.88.0.0/16' }]);
    expect(r.diffs!.map((d) => d.before_header)).toEqual(['zone internal (permanent)', 'zone trusted (permanent)']);
  });

  test('a new zone with immediate: created, then firewalld reloads so it is usable at once (ansible.posix#96)', () => {
    const r = plan({ zone: 'app', state: 'present', permanent: true, immediate: true });
    expect(r.actions.map((a) => (a.kind === 'run' ? a.script : ''))).toEqual(['firewall-cmd --permanent --new-zone=app', 'firewall-cmd --reload']);
    expect(r.summary).toMatch(/Added zone app, Changed zone app to present, reloaded firewalld/);
  });

  test('built-in zones cannot be removed; missing zones are named', () => {
    expect(plan({ zone: 'drop', state: 'absent', permanent: true }).failed).toMatch(/built-in/);
    expect(plan({ zone: 'nosuch', service: 'http', permanent: true }).failed).toBe("zone 'nosuch' does not exist (create it first with state: present)");
  });

  test.each([
    ['removing the rich rule that lets the controller in', { rich_rule: 'rule family=ipv4 source address=10.213.55.1/32 service name=ssh accept', state: 'disabled', permanent: true, immediate: true }, /zone 'public', where nothing in it allows port 22\/tcp from 10.213.55.1/],
    ['a forward of the SSH port', { port_forward: [{ port: 22, proto: 'tcp', toport: 2222 }], permanent: true }, /forward-port port=22:proto=tcp:toport=2222:toaddr= sends port 22 elsewhere/],
    ["binding the controller's network to the drop zone", { zone: 'drop', source: '10.213.55.0/24', permanent: true, immediate: true }, /land in zone 'drop', where nothing in it allows/],
    ['a rejecting rich rule for the controller', { rich_rule: 'rule family=ipv4 source address=10.213.55.0/24 service name=ssh reject', permanent: true }, /the rich rule .* rejects it/],
  ])('refuses %s, changing nothing', (_, p, why) => {
    const r = plan(p as Partial<FirewalldParams>);
    expect(r.failed).toMatch(/^refused: this would cut the SSH connection the run is using \(10\.213\.55\.1 → 10\.213\.55\.4:22 on eth0\)/);
    expect(r.failed).toMatch(why);
    expect(r.actions).toEqual([]);
    expect(plan({ ...(p as Partial<FirewalldParams>), allow_ssh_lockout: true }).failed).toBeUndefined();
  });

  test('moving the controller to a zone that still allows SSH is fine', () => {
    expect(plan({ zone: 'trusted', source: '10.213.55.0/24', permanent: true, immediate: true }).failed).toBeUndefined();
  });
});

describe('plans from a recorded offline firewalld', () => {
  test('permanent changes go through firewall-offline-cmd and say so', () => {
    const r = plan({ service: 'smtp', permanent: true }, offline());
    expect(r.actions).toEqual([{ kind: 'run', script: 'firewall-offline-cmd --zone=public --add-service=smtp' }]);
    expect(r.result).toEqual({ zone: 'public', backend: 'firewall-offline-cmd' });
    expect(r.summary).toMatch(/\(offline operation: only on-disk configs were altered\)$/);
  });

  test('immediate work needs the daemon', () => {
    expect(plan({ service: 'smtp' }, offline()).failed).toBe('firewall is not currently running, unable to perform immediate actions without a running firewall daemon');
    expect(plan({ service: 'smtp', permanent: true, offline: false }, offline()).failed).toBe('firewalld service must be running, or try with offline=true');
  });

  test('LogDenied offline rewrites firewalld.conf atomically, other lines untouched', () => {
    const s = offline();
    const r = planFirewalldSettings({ log_denied: 'all' }, s);
    expect(r.actions).toHaveLength(1);
    const write = r.actions[0]!;
    expect(write.kind).toBe('write');
    if (write.kind !== 'write') return;
    expect(write.path).toBe('/etc/firewalld/firewalld.conf');
    expect(String(write.content)).toBe(s.conf.replace(/^LogDenied=.*$/m, 'LogDenied=all'));
    expect(withConfValue('A=1\n', 'LogDenied', 'all')).toBe('A=1\nLogDenied=all\n');
  });
});

describe('the lockout model', () => {
  const path = { client: '192.0.2.10', serverAddress: '192.0.2.1', port: 2222, iface: 'eth0' };
  const zone = (over: Partial<ReturnType<typeof emptyZone>>) => ({ ...emptyZone(), ...over });

  test('networks and zones', () => {
    expect(inNetwork('192.0.2.10', '192.0.2.0/24')).toBe(true);
    expect(inNetwork('192.0.2.10', '192.0.3.0/24')).toBe(false);
    expect(inNetwork('192.0.2.10', '192.0.2.10')).toBe(true);
    expect(carryingZone({ a: zone({ interfaces: ['eth0'] }), b: zone({ sources: ['192.0.2.0/28'] }) }, 'public', path)).toBe('b');
    expect(carryingZone({ a: zone({ interfaces: ['eth0'] }) }, 'public', path)).toBe('a');
    expect(carryingZone({}, 'public', path)).toBe('public');
  });

  test('sshd on another port: the ssh service does not cover it, the port does', () => {
    expect(sshVerdict(zone({ services: ['ssh'] }), path, ['22/tcp']).allowed).toBe(false);
    expect(sshVerdict(zone({ ports: ['2200-2300/tcp'] }), path, ['22/tcp']).allowed).toBe(true);
    expect(sshVerdict(zone({ target: 'ACCEPT' }), path, ['22/tcp']).allowed).toBe(true);
  });

  test('a change to a zone the connection was not let into is not refused', () => {
    const before = { zones: { public: zone({}) }, defaultZone: 'public' };
    expect(lockoutReason('runtime', before, before, path, ['22/tcp'])).toBeUndefined();
  });

  test('the diff text lists the zone like firewall-cmd --list-all', () => {
    expect(zoneText('public', zone({ services: ['ssh', 'http'], rich_rules: ['rule family="ipv4" service name="ssh" accept'] }))).toBe(
      'public\n  target: default\n  icmp-block-inversion: no\n  interfaces:\n  sources:\n  services: http ssh\n  ports:\n  protocols:\n  masquerade: no\n  forward-ports:\n  source-ports:\n  icmp-blocks:\n  rich rules:\n\trule family="ipv4" service name="ssh" accept\n',
    );
  });
});

describe('parameters at load', () => {
  test.each([
    [{ service: 'http', port: '80/tcp', state: 'enabled' }, 'port', /mutually exclusive/],
    [{ port: '80', state: 'enabled' }, 'port', /must match pattern/],
    [{ interface: 'eth1', state: 'enabled', permanent: true }, 'zone', /required by 'interface'/],
    [{ source: '10.0.0.0/8', state: 'enabled' }, 'permanent', /required by 'source'/],
    [{ service: 'http', state: 'present' }, 'state', /zone level operations/],
    [{ zone: 'x', state: 'present' }, 'permanent', /Zone operations must be permanent/],
    [{ rich_rule: 'rule service name=ssh accept drop', state: 'enabled' }, 'rich_rule', /more than one action/],
    [{ port_forward: [{ port: 1, proto: 'tcp', toport: 2 }, { port: 3, proto: 'tcp', toport: 4 }], state: 'enabled' }, 'port_forward', /Only one port forward/],
    [{ service: 'http', state: 'enabled', zone: 'a zone' }, 'zone', /must match pattern/],
  ])('%j', (params, field, message) => {
    const issues = firewalld(params as FirewalldParams).issues;
    expect(issues.map((i) => i.field)).toContain(field);
    expect(issues.find((i) => i.field === field)!.message).toMatch(message);
  });
});

describe('check mode: a firewalld that an earlier task installs', () => {
  // apt's check read firewalld's .deb on a systemd lab host (test/fixtures/apt/contents-firewalld.out):
  // its zones, services and firewalld.conf, and the postinst that starts it.
  const contents = (systemd: boolean) => {
    const parsed = parseContents(readFileSync(path.join(import.meta.dirname, '../../fixtures/apt/contents-firewalld.out'), 'utf8'));
    if (!('packages' in parsed)) throw new Error(parsed.failed);
    expect(parsed.systemd).toBe(true);
    return { ...parsed, systemd };
  };
  const afterInstall = (systemd: boolean) => {
    const store = new PredictedState();
    store.record(aptEffects({ cacheStale: false, dpkg: new Map(), policy: new Map(), steps: [{ op: 'install', name: 'firewalld', to: '1.3.3-1~deb12u2' }], contents: contents(systemd) }), 'packages');
    return store.view({ uid: 0, gid: 0 });
  };
  const notInstalled = () => parseFirewalldProbe('@@missing\n');

  test('under systemd it starts with its shipped zones: the run plans against those through firewall-cmd', () => {
    const s = overlayFirewalld(notInstalled(), afterInstall(true), 'public');
    expect(s).toMatchObject({ installed: true, running: true, defaultZone: 'public', logDenied: 'off', sshServicePorts: ['22/tcp'] });
    expect(s.builtinZones).toEqual(['block', 'dmz', 'drop', 'external', 'home', 'internal', 'public', 'trusted', 'work']);
    expect(s.runtime.public!.services).toEqual(s.permanent.public!.services);
    expect(plan({ service: 'ssh', permanent: true, immediate: true }, s).changed).toBe(false);
    const http = plan({ service: 'http', permanent: true, immediate: true }, s);
    expect(http.changed).toBe(true);
    expect(http.actions.map((a) => (a.kind === 'run' ? a.script : a.kind))).toEqual(['firewall-cmd --permanent --zone=public --add-service=http', 'firewall-cmd --zone=public --add-service=http']);
  });

  test('without systemd nothing starts it: permanent changes go offline, settings into its firewalld.conf', () => {
    const s = overlayFirewalld(notInstalled(), afterInstall(false), 'public');
    expect(s).toMatchObject({ installed: true, running: false, hasOfflineCmd: true });
    expect(plan({ service: 'http', permanent: true }, s).actions).toEqual([{ kind: 'run', script: 'firewall-offline-cmd --zone=public --add-service=http' }]);
    const settings = planFirewalldSettings({ log_denied: 'all' }, s);
    expect(settings.actions).toEqual([{ kind: 'write', path: '/etc/firewalld/firewalld.conf', content: s.conf.replace(/^LogDenied=off$/m, 'LogDenied=all') }]);
  });

  test('a zone file not known from the package (a zones directory already on the host) leaves the task depending on the install', () => {
    const store = new PredictedState();
    store.record([{ kind: 'package', name: 'firewalld', state: 'present' }], 'packages');
    expect(() => overlayFirewalld(notInstalled(), store.view(undefined), 'public')).toThrow(new Unpredictable('packages', "firewalld's configuration once it is installed"));
  });
});
