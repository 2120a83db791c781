import { describe, expect, test } from 'vitest';
import { chooseSubnet, cidrRange, hostAddress, parseRoutes } from '../../lab/net-plan.js';

describe('chooseSubnet', () => {
  test('the same instance gets the same /24 every time; another instance usually another one', () => {
    const a = chooseSubnet('lab', []);
    expect(chooseSubnet('lab', [])).toEqual(a);
    expect(a.cidr).toMatch(/^10\.213\.\d+\.0\/24$/);
    expect(a.bridgeAddress).toBe(a.cidr.replace('.0/24', '.1'));
    expect(chooseSubnet('e2e', []).cidr).not.toBe(a.cidr);
  });

  test('a /24 overlapping a network on the machine is skipped for the next free one', () => {
    const preferred = chooseSubnet('lab', []);
    const third = Number(preferred.cidr.split('.')[2]);
    const next = chooseSubnet('lab', [preferred.cidr]);
    expect(next.cidr).toBe(`10.213.${(third % 254) + 1}.0/24`);
    // A wider route covering the whole range leaves nothing.
    expect(() => chooseSubnet('lab', ['10.213.0.0/16'])).toThrow(/no free \/24/);
    // A host route inside the /24 also counts as taken.
    expect(chooseSubnet('lab', [`10.213.${third}.77`]).cidr).toBe(next.cidr);
  });

  test('the previous choice is kept while it is free; default routes are ignored', () => {
    expect(chooseSubnet('lab', ['default'], '10.213.9.0/24').cidr).toBe('10.213.9.0/24');
    expect(chooseSubnet('lab', ['10.213.9.0/24'], '10.213.9.0/24').cidr).not.toBe('10.213.9.0/24');
  });

  test('two instances on one machine: the second avoids the first', () => {
    const first = chooseSubnet('lab', []);
    const second = chooseSubnet('e2e', [first.cidr]);
    expect(second.cidr).not.toBe(first.cidr);
  });
});

describe('addresses', () => {
  test('host n is .n+1 (the bridge is .1); out-of-range indexes are refused', () => {
    const s = chooseSubnet('lab', []);
    const prefix = s.bridgeAddress.slice(0, -2);
    expect(hostAddress(s, 1)).toBe(`${prefix}.2`);
    expect(hostAddress(s, 30)).toBe(`${prefix}.31`);
    expect(hostAddress(s, 250)).toBe(`${prefix}.251`);
    expect(() => hostAddress(s, 0)).toThrow(/out of range/);
    expect(() => hostAddress(s, 251)).toThrow(/out of range/);
  });

  test('cidrRange', () => {
    expect(cidrRange('10.0.0.0/8')).toEqual([0x0a000000, 0x0affffff]);
    expect(cidrRange('192.0.2.77/24')).toEqual([0xc0000200, 0xc00002ff]);
    expect(cidrRange('10.1.2.3')).toEqual([0x0a010203, 0x0a010203]);
    expect(() => cidrRange('10.1.2/24')).toThrow(/not an IPv4 network/);
  });

  test('parseRoutes reads `ip -4 -o route show table all`', () => {
    const out = [
      'default via 192.0.2.1 dev eth0 ',
      '192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2 ',
      'local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 ',
      'broadcast 192.0.2.255 dev eth0 table local proto kernel scope link src 192.0.2.2 ',
      'unreachable 10.9.0.0/16',
    ].join('\n');
    expect(parseRoutes(out)).toEqual(['192.0.2.0/24', '127.0.0.0/8', '192.0.2.255']);
  });
});
