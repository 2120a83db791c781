import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv, type JSONSchemaType } from 'ajv';
import { afterEach, describe, expect, it } from 'vitest';
import { stringOrSecretSchema } from '../../runner/module.js';
import { secret } from '../../runner/secret.js';
import { cacheFile, compileValidator } from '../../runner/validator.js';

interface P {
  path: string;
  mode?: string;
  force?: boolean;
  content?: string;
}
const schema = {
  type: 'object',
  properties: {
    path: { type: 'string', minLength: 1 },
    mode: { type: 'string', nullable: true, enum: ['0644', '0600'] },
    force: { type: 'boolean', nullable: true, default: true },
    content: stringOrSecretSchema as unknown as { type: 'string'; nullable: true },
  },
  required: ['path'],
  additionalProperties: false,
} as JSONSchemaType<P>;

const dirs: string[] = [];
function scratch(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hw-validators-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const inputs: unknown[] = [
  { path: '/a' },
  { path: '/a', force: false, mode: '0600' },
  { path: '' },
  { path: '/a', mode: '0777' },
  { path: '/a', extra: 1 },
  {},
  { path: 3, force: 'yes' },
  { path: '/a', content: 'text' },
  { path: '/a', content: { reveal: () => 'x' } },
  { path: '/a', content: secret('s3cret') },
];

/** What a validator says about each input: verdict, errors, and the input after defaults. */
function verdicts(validate: (d: unknown) => boolean, errors: () => unknown): unknown[] {
  return inputs.map((input) => {
    const copy = structuredCloneKeepingSecrets(input);
    const ok = validate(copy);
    return { ok, errors: ok ? null : errors(), after: JSON.stringify(copy) };
  });
}
function structuredCloneKeepingSecrets(v: unknown): unknown {
  return v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype ? { ...(v as object) } : v;
}

describe('precompiled parameter validators', () => {
  it('a cached validator judges like ajv compiling the schema in memory: verdicts, errors, defaults, Secret', () => {
    const dir = scratch();
    const first = compileValidator(schema, dir); // compiles, writes the cache
    expect(existsSync(cacheFile(schema, dir))).toBe(true);
    const cached = compileValidator(schema, dir); // loads the standalone file
    const reference = new Ajv({ allErrors: true, useDefaults: true, strict: false, allowUnionTypes: true });
    reference.addKeyword({ keyword: 'isSecret', validate: (w: boolean, d: unknown) => !w || (d !== null && typeof d === 'object' && 'reveal' in d && d.constructor.name === 'Secret') });
    const ref = reference.compile(schema);
    const want = verdicts(ref, () => ref.errors);
    expect(verdicts(first, () => first.errors)).toEqual(want);
    expect(verdicts(cached, () => cached.errors)).toEqual(want);
    // the sample really exercises both outcomes and the Secret check both ways
    expect(want.map((v) => (v as { ok: boolean }).ok)).toEqual([true, true, false, false, false, false, false, true, false, true]);
    expect((want[0] as { after: string }).after).toBe('{"path":"/a","force":true}');
  });

  it('reads the cache file named after the schema, and a changed schema does not match it', () => {
    const dir = scratch();
    const file = cacheFile(schema, dir);
    writeFileSync(file, 'module.exports = function stub() { return "from the cache"; };');
    expect((compileValidator(schema, dir) as unknown as () => string)()).toBe('from the cache');
    const changed = { ...schema, required: ['path', 'mode'] } as JSONSchemaType<P>;
    expect(cacheFile(changed, dir)).not.toBe(file);
    const v = compileValidator(changed, dir);
    expect(v({ path: '/a' })).toBe(false);
    expect(v({ path: '/a', mode: '0644' })).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([path.basename(file), path.basename(cacheFile(changed, dir))].sort());
  });

  it('a broken cache file is compiled afresh and rewritten', () => {
    const dir = scratch();
    const file = cacheFile(schema, dir);
    writeFileSync(file, 'this is not javascript {');
    const v = compileValidator(schema, dir);
    expect(v({ path: '/a' })).toBe(true);
    expect(v({ path: '' })).toBe(false);
    expect(readdirSync(dir)).toEqual([path.basename(file)]);
  });

  it('an unwritable cache directory still validates', () => {
    const dir = path.join(scratch(), 'file-not-dir');
    writeFileSync(dir, '');
    const v = compileValidator(schema, dir);
    expect(v({ path: '/a' })).toBe(true);
    expect(v({})).toBe(false);
  });
});
