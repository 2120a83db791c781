/**
 * apt_signing_key's planner from probe output, and the OpenPGP pieces it stands on (de-armouring,
 * the v4 fingerprint) against a key gpg made (test/fixtures/keys: its fingerprint as gpg printed it).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { apt_signing_key } from '../../../modules/index.js';
import { overlaySigningKey, parseState, planSigningKey, type AptSigningKeyParams } from '../../../modules/packages/apt_signing_key.js';
import { binaryKey, dearmor, fingerprint } from '../../../modules/packages/signing-key.js';
import { PredictedState } from '../../../runner/predict.js';

const dir = path.join(import.meta.dirname, '../../fixtures/keys');
const ASC = readFileSync(path.join(dir, 'fixture.asc'));
const GPG = readFileSync(path.join(dir, 'fixture.gpg'));
const FPR = '48780AB0883045AC8C3CDD520ECE4C0346B0F18F';
const resolve = (p: AptSigningKeyParams) => apt_signing_key(p).resolve(p).params!;
const probe = (lines: string) => parseState(Buffer.from(lines));
const fetched = (key: Buffer) => `parent yes\nkey ${key.toString('base64')}\n`;

describe('OpenPGP keys without gpg', () => {
  test("de-armouring gives gpg's binary export; the fingerprint is gpg's, from either form", () => {
    expect(dearmor(ASC)?.equals(GPG)).toBe(true);
    expect(fingerprint(ASC)).toBe(FPR);
    expect(fingerprint(GPG)).toBe(FPR);
    expect(binaryKey(Buffer.from('<html>not found</html>'))).toBeUndefined();
  });
});

describe('apt_signing_key', () => {
  test('a key fetched from a URL into a new .asc file, exactly as fetched; the fingerprint in the result', () => {
    const plan = planSigningKey(resolve({ dest: '/etc/apt/keyrings/hw.asc', url: 'http://h/key.asc', id: FPR.slice(-16) }), probe(fetched(ASC)));
    expect(plan).toMatchObject({ changed: true, result: { dest: '/etc/apt/keyrings/hw.asc', state: 'present', fingerprint: FPR } });
    expect(plan.actions).toEqual([{ kind: 'write', path: '/etc/apt/keyrings/hw.asc', content: ASC, mode: '0644' }]);
    expect(plan.diffs).toEqual([{ before: '', after: `/etc/apt/keyrings/hw.asc: fingerprint ${FPR}\n`, before_header: '/dev/null', after_header: '/etc/apt/keyrings/hw.asc' }]);
  });

  test('an armoured key for a .gpg name is de-armoured; the same bytes there already: no change', () => {
    const p = resolve({ dest: '/etc/apt/keyrings/hw.gpg', content: ASC.toString() });
    const first = planSigningKey(p, { ...probe('parent yes\n'), key: ASC });
    expect(first.actions).toEqual([{ kind: 'write', path: '/etc/apt/keyrings/hw.gpg', content: GPG, mode: '0644' }]);
    const converged = planSigningKey(p, { ...probe(`dest 644 ${GPG.toString('base64')}\nparent yes\n`), key: ASC });
    expect(converged).toMatchObject({ changed: false, actions: [] });
    const store = new PredictedState();
    store.record(first.effects!, 'write the key');
    expect(planSigningKey(p, overlaySigningKey({ ...probe('parent yes\n'), key: ASC }, store.view(undefined), p)).changed).toBe(false);
  });

  test('refused: another fingerprint than id, a binary key for a .asc name, something that is not a key, a failed download', () => {
    const other = planSigningKey(resolve({ dest: '/k.asc', url: 'http://h/k', id: '0x0123456789ABCDEF' }), probe(fetched(ASC)));
    expect(other).toMatchObject({ changed: false, actions: [], failed: `the key's fingerprint is ${FPR}, not 0123456789ABCDEF: refused` });
    expect(planSigningKey(resolve({ dest: '/k.asc', url: 'http://h/k' }), probe(fetched(GPG))).failed).toMatch(/name it \.gpg/);
    expect(planSigningKey(resolve({ dest: '/k.asc', url: 'http://h/k' }), probe(fetched(Buffer.from('<html/>')))).failed).toMatch(/not an OpenPGP public key/);
    expect(planSigningKey(resolve({ dest: '/k.asc', url: 'http://h/k' }), probe('\0keyerror curl: (22) The requested URL returned error: 404\0')).failed).toBe('Could not fetch the key: curl: (22) The requested URL returned error: 404');
  });

  test('a missing directory is made; a mode alone is a chmod; absent removes', () => {
    const made = planSigningKey(resolve({ dest: '/etc/apt/keyrings/hw.asc', content: 'x' }), { ...probe(''), key: ASC });
    expect(made.actions[0]).toMatchObject({ kind: 'run', script: 'mkdir -p -m 0755 -- /etc/apt/keyrings' });
    const chmod = planSigningKey(resolve({ dest: '/k.asc', content: 'x', mode: '0640' }), { ...probe(`dest 644 ${ASC.toString('base64')}\nparent yes\n`), key: ASC });
    expect(chmod.actions).toEqual([{ kind: 'run', script: 'chmod 0640 -- /k.asc', describe: 'chmod /k.asc' }]);
    expect(planSigningKey(resolve({ dest: '/k.asc', state: 'absent' }), probe(`dest 644 ${ASC.toString('base64')}\n`)).actions).toEqual([{ kind: 'run', script: 'rm -f -- /k.asc', describe: 'removing /k.asc' }]);
    expect(planSigningKey(resolve({ dest: '/k.asc', state: 'absent' }), probe('')).changed).toBe(false);
  });

  test('invalid params at load', () => {
    expect(apt_signing_key({ dest: 'k.asc', url: 'http://h/k' }).issues[0]?.field).toBe('dest');
    expect(apt_signing_key({ dest: '/k.asc' }).issues[0]?.message).toBe('state present needs exactly one of url, src, content');
    expect(apt_signing_key({ dest: '/k.asc', url: 'http://h/k', content: 'x' }).issues[0]?.field).toBe('url');
    expect(apt_signing_key({ dest: '/k.asc', url: 'http://h/k', id: 'ABC' }).issues[0]?.field).toBe('id');
  });
});
