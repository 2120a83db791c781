import { describe, expect, it } from 'vitest';
import {
  checkHostKey,
  entryMatches,
  fingerprint,
  hostForm,
  keyTypeOf,
  knownKeyTypes,
  parseKnownHosts,
} from '../../../runner/connection/known-hosts.js';

// Keys made with ssh-keygen; the hashed lines are `ssh-keygen -H` output for
// `web1.example.com <A>` and `[10.9.0.5]:2222 <B>`.
const A = 'AAAAC3NzaC1lZDI1NTE5AAAAII+WbNYSpNInWYKDMTR3i2vgBG4WjOnrmWaM1NOkpl19';
const B = 'AAAAC3NzaC1lZDI1NTE5AAAAINCfr5ZSrWuxx05EPWwCZ/FRUg1sTLpQhHA0waDI83KO';
const C =
  'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBKF7NbdgFR9TGBvCbLjkec8ODfArhD+bO2dg7vhnMiRhr7eDVhSKge0tf0DOpEbcpR2GEBu9y51TXCPUPv58iVU=';
const HASHED = `|1|79R31nRRzNtwKh5cA17K5aEJz1M=|gpslEUAdTEQysDftO3bxDVe3JII= ssh-ed25519 ${A}
|1|ayS4FVwhRkoZ4bYmWbLtvvK2I+I=|rjEVTs28qUiB8JiV1rcqO7vZNZw= ssh-ed25519 ${B}
`;
const blob = (b64: string) => Buffer.from(b64, 'base64');

describe('parseKnownHosts', () => {
  it('reads plain, port, list, marker and comment lines with their line numbers', () => {
    const text = `# comment

web1,10.0.0.1 ssh-ed25519 ${A} root@web1
[db.example.com]:2222 ecdsa-sha2-nistp256 ${C}
@revoked * ssh-ed25519 ${B}
@cert-authority *.example.com ssh-ed25519 ${A}
@bogus x ssh-ed25519 ${A}
broken-line-without-key
`;
    const entries = parseKnownHosts(text, '/k');
    expect(entries.map((e) => [e.line, e.hosts, e.keyType, e.marker])).toEqual([
      [3, 'web1,10.0.0.1', 'ssh-ed25519', undefined],
      [4, '[db.example.com]:2222', 'ecdsa-sha2-nistp256', undefined],
      [5, '*', 'ssh-ed25519', 'revoked'],
      [6, '*.example.com', 'ssh-ed25519', 'cert-authority'],
    ]);
  });
});

describe('entryMatches', () => {
  const [e1, e2] = parseKnownHosts(HASHED, '/k');
  it('matches hashed entries made by ssh-keygen -H', () => {
    expect(entryMatches(e1!, 'web1.example.com')).toBe(true);
    expect(entryMatches(e1!, 'web2.example.com')).toBe(false);
    expect(entryMatches(e2!, '[10.9.0.5]:2222')).toBe(true);
    expect(entryMatches(e2!, '10.9.0.5')).toBe(false);
  });
  it('matches comma lists, wildcards and negations', () => {
    const [e] = parseKnownHosts(`*.lab,!bad.lab,10.0.0.? ssh-ed25519 ${A}`, '/k');
    expect(entryMatches(e!, 'good.lab')).toBe(true);
    expect(entryMatches(e!, 'GOOD.LAB')).toBe(true);
    expect(entryMatches(e!, 'bad.lab')).toBe(false);
    expect(entryMatches(e!, '10.0.0.7')).toBe(true);
    expect(entryMatches(e!, '10.0.0.17')).toBe(false);
  });
  it('writes non-22 ports in brackets', () => {
    expect(hostForm('h', 22)).toBe('h');
    expect(hostForm('h', 2200)).toBe('[h]:2200');
  });
});

describe('key helpers', () => {
  it('reads the key type from the blob and prints fingerprints as ssh-keygen -l does', () => {
    expect(keyTypeOf(blob(A))).toBe('ssh-ed25519');
    expect(keyTypeOf(blob(C))).toBe('ecdsa-sha2-nistp256');
    expect(fingerprint(blob(A))).toBe('SHA256:z1MP58Cgs/XNk25AZzPVxsGo1nG1E3n/Toel1eUVDDw');
    expect(fingerprint(blob(B))).toBe('SHA256:U5y+1mN9mlCT4SOGacBWSw+ImTuBaBWlA+Nbe4ZWHJk');
  });
});

describe('checkHostKey', () => {
  const files = ['/home/u/.ssh/known_hosts'];
  const plain = parseKnownHosts(`web1 ssh-ed25519 ${A}\n10.0.0.9 ssh-ed25519 ${A}\n`, files[0]!);

  it('accepts a key listed under the address dialed or under the inventory name', () => {
    // `found`: the known_hosts file and line that matched (what -vvvv prints).
    expect(checkHostKey(plain, { name: 'x', address: '10.0.0.9', port: 22, files }, blob(A))).toEqual({ ok: true, found: '/home/u/.ssh/known_hosts:2' });
    expect(checkHostKey(plain, { name: 'web1', address: '192.168.1.1', port: 22, files }, blob(A))).toEqual({ ok: true, found: '/home/u/.ssh/known_hosts:1' });
  });

  it('accepts hashed entries, port included', () => {
    const hashed = parseKnownHosts(HASHED, '/k');
    expect(checkHostKey(hashed, { name: 'db', address: '10.9.0.5', port: 2222, files }, blob(B)).ok).toBe(true);
    expect(checkHostKey(hashed, { name: 'db', address: '10.9.0.5', port: 22, files }, blob(B)).ok).toBe(false);
  });

  it('refuses an unknown host and says how to accept it', () => {
    const v = checkHostKey(plain, { name: 'web2', address: '10.0.0.2', port: 2222, files }, blob(B));
    expect(v).toEqual({
      ok: false,
      reason: 'unknown',
      message:
        'host key for web2 (10.0.0.2) (ssh-ed25519 SHA256:U5y+1mN9mlCT4SOGacBWSw+ImTuBaBWlA+Nbe4ZWHJk) is not in ' +
        'known_hosts (/home/u/.ssh/known_hosts); verify it and add it, e.g. ssh-keyscan -p 2222 10.0.0.2 >> ' +
        '~/.ssh/known_hosts, or set ansible_host_key_checking=false for this host',
    });
  });

  it('refuses a changed key and names the file:line of the old entry', () => {
    const v = checkHostKey(plain, { name: '10.0.0.9', address: '10.0.0.9', port: 22, files }, blob(B));
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.reason).toBe('changed');
    expect(v.message).toContain('REMOTE HOST KEY CHANGED for 10.0.0.9');
    expect(v.message).toContain('/home/u/.ssh/known_hosts:2');
    expect(v.message).toContain('SHA256:U5y+1mN9mlCT4SOGacBWSw+ImTuBaBWlA+Nbe4ZWHJk');
  });

  it('treats a key of another type than the known ones as unknown, not changed', () => {
    const v = checkHostKey(plain, { name: 'web1', address: 'web1', port: 22, files }, blob(C));
    expect(v.ok || v.reason).toBe('unknown');
  });

  it('refuses a revoked key even when it is also listed as valid', () => {
    const entries = parseKnownHosts(`web1 ssh-ed25519 ${A}\n@revoked * ssh-ed25519 ${A}\n`, '/k');
    const v = checkHostKey(entries, { name: 'web1', address: 'web1', port: 22, files: ['/k'] }, blob(A));
    expect(v.ok || v.reason).toBe('revoked');
    expect(v.ok || v.message).toContain('/k:2');
  });

  it('ignores @cert-authority lines', () => {
    const entries = parseKnownHosts(`@cert-authority web1 ssh-ed25519 ${A}\n`, '/k');
    const v = checkHostKey(entries, { name: 'web1', address: 'web1', port: 22, files: ['/k'] }, blob(A));
    expect(v.ok || v.reason).toBe('unknown');
  });

  it('lists the key types known for a host', () => {
    const entries = parseKnownHosts(`web1 ecdsa-sha2-nistp256 ${C}\nweb1 ssh-ed25519 ${A}\nweb2 ssh-rsa X\n`, '/k');
    expect(knownKeyTypes(entries, { name: 'web1', address: 'web1', port: 22, files: [] })).toEqual([
      'ecdsa-sha2-nistp256',
      'ssh-ed25519',
    ]);
  });
});
