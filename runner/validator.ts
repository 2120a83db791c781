/**
 * Compiled parameter validators without ajv at start-up. Compiling a schema with ajv costs a
 * playbook's start most of its CPU: loading ajv (~60 files through the loader) and compiling the
 * draft-07 meta-schema to check each schema, ~150 ms before the first host is contacted. So the
 * first compile of a schema also writes ajv's standalone code for it to a cache file named after
 * the schema's hash (plus ajv's version and the options below); later runs `require` that file
 * (a few small ajv runtime helpers) and never load ajv itself. A changed schema has another hash,
 * so it is compiled afresh; an unreadable or broken cache file is compiled afresh and rewritten.
 *
 * The cache lives in node_modules/.cache/hostwright/validators (HOSTWRIGHT_CACHE_DIR overrides
 * the base); when it cannot be written, schemas are compiled in memory as before.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ajv as AjvInstance, ErrorObject, JSONSchemaType, KeywordCxt } from 'ajv';

const require = createRequire(import.meta.url);

/** What a compiled validator is: ajv's ValidateFunction, standalone or not. */
export interface Validator<P> {
  (data: unknown): data is P;
  errors?: ErrorObject[] | null;
}

/** A Secret (runner/secret.ts) carries this brand: standalone code has no class to check `instanceof` against. */
export const SECRET_BRAND = 'hostwright.secret';

const AJV_OPTIONS = { allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true } as const;
/** Bump when the keyword below or the options change: old cache files must not match. */
const CODE_VERSION = 1;

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.HOSTWRIGHT_CACHE_DIR || path.join(REPO_ROOT, 'node_modules/.cache/hostwright'), 'validators');
}

let ajvInstance: AjvInstance | undefined;

/** The one Ajv instance, loaded only when a schema has no cached validator. */
function ajv(): AjvInstance {
  if (ajvInstance) return ajvInstance;
  const { Ajv } = require('ajv') as typeof import('ajv');
  const instance = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
  // `{ isSecret: true }` accepts only a Secret: JSON schema has no class check. As generated code
  // (not a validate callback) so that it survives into the standalone file.
  instance.addKeyword({
    keyword: 'isSecret',
    schemaType: 'boolean',
    code(cxt: KeywordCxt) {
      if (cxt.schema !== true) return;
      const { _ } = require('ajv') as typeof import('ajv');
      cxt.fail(_`!(${cxt.data} !== null && typeof ${cxt.data} == "object" && ${cxt.data}[Symbol.for(${SECRET_BRAND})] === true)`);
    },
  });
  return (ajvInstance = instance);
}

function ajvVersion(): string {
  return (require('ajv/package.json') as { version: string }).version;
}

/** The cache file for `schema`: its content hash, with what else decides the generated code. */
export function cacheFile(schema: unknown, dir = cacheDir()): string {
  const hash = createHash('sha256')
    .update(JSON.stringify({ schema, ajv: ajvVersion(), options: AJV_OPTIONS, code: CODE_VERSION }))
    .digest('hex')
    .slice(0, 32);
  return path.join(dir, `${hash}.cjs`);
}

/** Validator for a module's schema: from the cache when there, else compiled (and cached). */
export function compileValidator<P>(schema: JSONSchemaType<P>, dir = cacheDir()): Validator<P> {
  const file = cacheFile(schema, dir);
  try {
    return require(file) as Validator<P>;
  } catch {
    // not cached yet, or unreadable: compile below
  }
  const a = ajv();
  const validate = a.compile<P>(schema);
  try {
    const standaloneCode = require('ajv/dist/standalone') as (ajv: AjvInstance, validate: unknown) => string;
    mkdirSync(dir, { recursive: true });
    // Written under a temporary name and renamed: a concurrent run never reads half a file.
    const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, standaloneCode(a, validate));
    renameSync(tmp, file);
  } catch {
    // a read-only install: validate from memory, every run compiles
  }
  return validate;
}
