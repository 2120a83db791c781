import { describe, expect, it } from 'vitest';
import { expandHostnameRange, expandHostPattern, parseAddress } from '../../../runner/inventory/ranges.js';

describe('host ranges (expand_hostname_range)', () => {
  it('keeps zero padding', () => {
    expect(expandHostnameRange('web[01:03]')).toEqual(['web01', 'web02', 'web03']);
  });
  it('expands letters and strides', () => {
    expect(expandHostnameRange('db-[a:c]')).toEqual(['db-a', 'db-b', 'db-c']);
    expect(expandHostnameRange('n[1:10:3]')).toEqual(['n1', 'n4', 'n7', 'n10']);
    expect(expandHostnameRange('x[a:e:2]')).toEqual(['xa', 'xc', 'xe']);
  });
  it('expands several ranges, left to right', () => {
    expect(expandHostnameRange('r[1:2]-[a:b].x')).toEqual(['r1-a.x', 'r1-b.x', 'r2-a.x', 'r2-b.x']);
  });
  it('defaults an empty start to 0 and rejects bad ranges with Ansible messages', () => {
    expect(expandHostnameRange('h[:2]')).toEqual(['h0', 'h1', 'h2']);
    expect(() => expandHostnameRange('h[1:]')).toThrow('host range must specify end value');
    expect(() => expandHostnameRange('h[01:100]')).toThrow('equal-length');
    expect(() => expandHostnameRange('h[c:a]')).toThrow('begin <= end');
    expect(() => expandHostnameRange('h[1]')).toThrow('begin:end or begin:end:step');
    expect(() => expandHostnameRange('h[1:4:0]')).toThrow('must not be zero');
  });
});

describe('addresses and ports (parse_address)', () => {
  it('splits host:port and bracketed IPv6', () => {
    expect(parseAddress('web1:2222')).toEqual(['web1', 2222]);
    expect(parseAddress('10.0.0.1:22')).toEqual(['10.0.0.1', 22]);
    expect(parseAddress('[fe80::1]:2200')).toEqual(['fe80::1', 2200]);
    expect(parseAddress('fe80::1')).toEqual(['fe80::1', undefined]);
  });
  it('gives ranges a port', () => {
    expect(expandHostPattern('app[1:2]:2222')).toEqual({ hostnames: ['app1', 'app2'], port: 2222 });
  });
  it('leaves what is not an address alone', () => {
    expect(expandHostPattern('weird_name!')).toEqual({ hostnames: ['weird_name!'], port: undefined });
    expect(() => parseAddress('web[1:2]')).toThrow('Detected range');
  });
});
