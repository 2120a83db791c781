/**
 * ufw without a host: tuples as ufw writes them (the e2e parity test holds them against ufw and
 * community.general.ufw), plans from a probe's output, and the SSH lockout guard.
 */
import { describe, expect, test } from 'vitest';
import { ufw, type UfwParams } from '../../../modules/ufw/ufw.js';
import { parseUfwProbe, ruleTuples, tupleText } from '../../../modules/ufw/model.js';
import { planUfw } from '../../../modules/ufw/ufw.js';

/** Probe output recorded on a lab host: ufw enabled, ssh allowed from the controller only. */
const PROBE = `@@v4
### tuple ### allow tcp 22 0.0.0.0/0 any 10.213.55.1 in comment=7373682066726f6d2074727573746564
### tuple ### allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in
@@v6
### tuple ### allow tcp 80 ::/0 any ::/0 in
@@conf
ENABLED=yes
LOGLEVEL=low
IPV6=yes
DEFAULT_INPUT_POLICY="DROP"
DEFAULT_OUTPUT_POLICY="ACCEPT"
DEFAULT_FORWARD_POLICY="DROP"
@@ssh 10.213.55.1 40000 10.213.55.2 22
@@addr
2: eth0    inet 10.213.55.2/24 scope global eth0
`;
const state = () => parseUfwProbe(PROBE);
const plan = (p: UfwParams) => planUfw(p, state());

describe('tuples as ufw writes them', () => {
  test.each([
    [{ rule: 'allow', to_port: '22', proto: 'tcp' }, ['allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in', 'allow tcp 22 ::/0 any ::/0 in']],
    [{ rule: 'allow', from_ip: '10.0.0.5/8', to_port: '5432', proto: 'tcp', comment: 'db from lan' }, ['allow tcp 5432 0.0.0.0/0 any 10.0.0.0/8 in comment=64622066726f6d206c616e']],
    [{ rule: 'deny', direction: 'in', interface: 'eth0', to_port: '3000' }, ['deny any 3000 0.0.0.0/0 any 0.0.0.0/0 in_eth0', 'deny any 3000 ::/0 any ::/0 in_eth0']],
    [{ rule: 'allow', route: true, interface_in: 'eth0', interface_out: 'eth1', to_ip: '10.1.0.0/16', to_port: '80', proto: 'tcp' }, ['route:allow tcp 80 10.1.0.0/16 any 0.0.0.0/0 in_eth0!out_eth1']],
    [{ rule: 'allow', from_ip: '10.0.0.5', from_port: '1000-2000', proto: 'udp' }, ['allow udp any 0.0.0.0/0 1000:2000 10.0.0.5 in']],
    [{ rule: 'allow', log: 'log', to_port: '8080' }, ['allow_log any 8080 0.0.0.0/0 any 0.0.0.0/0 in', 'allow_log any 8080 ::/0 any ::/0 in']],
    [{ rule: 'allow', from_ip: '2001:db8::/32', to_port: '443', proto: 'tcp' }, ['allow tcp 443 ::/0 any 2001:db8::/32 in']],
  ] as const)('%j', (spec, tuples) => {
    const { v4, v6 } = ruleTuples(spec as never, true);
    expect([v4, v6].filter(Boolean).map((r) => tupleText(r!).replace('### tuple ### ', ''))).toEqual(tuples);
  });
});

describe('plans', () => {
  test('a converged host plans nothing', () => {
    for (const p of [{ rule: 'allow', to_port: '80', proto: 'tcp' }, { state: 'enabled' }, { logging: 'on' }, { default: 'deny' }] as UfwParams[]) {
      const r = plan(p);
      expect(r.changed, JSON.stringify(p)).toBe(false);
      expect(r.actions).toEqual([]);
    }
  });

  test('a new rule: one ufw command, and the tuples in the diff', () => {
    const r = plan({ rule: 'allow', to_port: '443', proto: 'tcp', comment: 'https' });
    expect(r.actions).toEqual([{ kind: 'run', script: "ufw allow from any to any port 443 proto tcp comment 'https'" }]);
    expect(r.diffs![0]!.after).toContain('### tuple ### allow tcp 443 0.0.0.0/0 any 0.0.0.0/0 in comment=6874747073');
  });

  test('the same match with another action updates the rule in place', () => {
    const r = plan({ rule: 'limit', to_port: '80', proto: 'tcp' });
    expect(r.changed).toBe(true);
    expect(r.diffs![0]!.after).toContain('### tuple ### limit tcp 80 0.0.0.0/0 any 0.0.0.0/0 in\n');
    expect(r.diffs![0]!.after).not.toContain('allow tcp 80 0.0.0.0/0');
  });

  test("deleting the controller's allow rule is refused; allow_ssh_lockout lets it through", () => {
    const del = { rule: 'allow', from_ip: '10.213.55.1', to_port: '22', proto: 'tcp', comment: 'ssh from trusted', delete: true } as UfwParams;
    expect(plan(del).failed).toMatch(/^refused: this would refuse new SSH connections from the controller \(10\.213\.55\.1 → 10\.213\.55\.2:22\)/);
    expect(plan(del).actions).toEqual([]);
    expect(plan({ ...del, allow_ssh_lockout: true }).actions).toEqual([{ kind: 'run', script: "ufw delete allow from 10.213.55.1 to any port 22 proto tcp comment 'ssh from trusted'" }]);
  });

  test('reset and reload always run', () => {
    expect(plan({ state: 'reloaded' })).toMatchObject({ changed: true, nonIdempotent: true });
  });

  test('parameters checked at load', () => {
    expect(ufw({ to_port: '22' }).issues[0]!.message).toMatch(/one of the following is required/);
    expect(ufw({ rule: 'allow', interface: 'eth0' }).issues[0]!.field).toBe('direction');
    expect(ufw({ rule: 'allow', comment: "it's" }).issues[0]!.field).toBe('comment');
    expect(ufw({ rule: 'allow', to_port: '80,443' }).issues[0]!.field).toBe('proto');
  });
});
