import { describe, expect, it } from 'vitest';
import { Masker } from '../../../runner/mask.js';
import { secret } from '../../../runner/secret.js';

describe('Masker', () => {
  it('replaces every occurrence of every registered value', () => {
    const m = new Masker().add(secret('hunter22')).add('vault-value');
    expect(m.mask('sudo -S <<< hunter22; echo vault-value hunter22')).toBe('sudo -S <<< ********; echo ******** ********');
  });

  it('masks the JSON-escaped form too', () => {
    const m = new Masker().add('pa"ss\\word');
    expect(m.mask(JSON.stringify({ msg: 'got pa"ss\\word' }))).toBe('{"msg":"got ********"}');
  });

  it('longest value first, so a secret containing another is masked whole', () => {
    const m = new Masker().add('abc').add('abcdef');
    expect(m.mask('xabcdefx abc')).toBe('x********x ********');
  });

  it('treats regex characters literally', () => {
    const m = new Masker().add('a.b*c');
    expect(m.mask('a.b*c axbbc')).toBe('******** axbbc');
  });

  it('ignores values too short to be secrets, and non-strings', () => {
    const m = new Masker().add('ab').add(secret(42) as never);
    expect(m.size).toBe(0);
    expect(m.mask('ab 42')).toBe('ab 42');
  });
  it('addSecretsIn registers Secrets found anywhere in params, vars and loop items; plain strings stay visible', () => {
    const cyclic: Record<string, unknown> = { db: { password: secret('pw-in-vars') } };
    cyclic.self = cyclic;
    const m = new Masker()
      .addSecretsIn({ dest: '/etc/app.conf', content: secret('content-secret') })
      .addSecretsIn(cyclic)
      .addSecretsIn([secret({ user: 'svc', token: 'tok-in-object' }), 'plain-item']);
    expect(m.mask('content-secret pw-in-vars tok-in-object plain-item /etc/app.conf')).toBe('******** ******** ******** plain-item /etc/app.conf');
  });
  it('a secret is also masked trimmed and line by line, as a file content comes back in stdout and stdout_lines', () => {
    const m = new Masker().add(secret('line-one-secret\nline-two-secret\n'));
    expect(m.mask('stdout: line-one-secret\nline-two-secret | lines: ["line-one-secret", "line-two-secret"]')).toBe(
      'stdout: ******** | lines: ["********", "********"]',
    );
  });

  it('a walk kept for the run searches what hosts share once, and still finds what each host adds', () => {
    const shared = { db: { password: secret('group-pw') }, names: ['h1', 'h2'] };
    let reads = 0;
    const counted = new Proxy(shared, { ownKeys: (t) => (reads++, Reflect.ownKeys(t)) });
    const walked = new WeakSet<object>();
    const m = new Masker();
    m.addSecretsIn({ inventory_hostname: 'h1', group: counted, own: secret('h1-pw') }, walked);
    m.addSecretsIn({ inventory_hostname: 'h2', group: counted, own: secret('h2-pw') }, walked);
    expect(reads).toBe(1);
    expect(m.mask('group-pw h1-pw h2-pw')).toBe('******** ******** ********');
  });
});
