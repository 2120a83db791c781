/**
 * Loading dependencies cheaply. Start-up of `npx tsx playbooks/site.ts` pays for every module the
 * playbook's import graph pulls in, and for what tsx's loader does to each file.
 *
 * lazyRequire: a CommonJS dependency loaded the first time it is needed rather than when the
 * importing file is: packages most runs never touch (yaml for -e/YAML inventories, diff for
 * --diff) are required on first use; synchronous, so the callers keep their synchronous APIs.
 *
 *   const yaml = lazyRequire<typeof import('yaml')>('yaml');   ...   yaml().parse(text)
 *
 * requireCommonJs: a package that is CommonJS throughout (ssh2 and its dependencies), required
 * with Node's own `.js` handler instead of tsx's.
 */
import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function lazyRequire<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(specifier) as T);
}

type CompileJs = (module: Module, file: string) => void;
const extensions = (Module as unknown as { _extensions: Record<string, CompileJs> })._extensions;
const nodeCompileJs: CompileJs = (module, file) =>
  (module as unknown as { _compile(code: string, file: string): void })._compile(readFileSync(file, 'utf8'), file);

/**
 * `require(specifier)` with every `.js` file it loads compiled by Node as plain CommonJS. Under tsx
 * (how playbooks run) each required `.js` file is first scanned for ESM syntax by tsx's require
 * hook, so that it could transform it: for ssh2, asn1, bcrypt-pbkdf and tweetnacl (~30 files,
 * 0.8 MB) that scan cost ~80 ms of CPU before the first SSH byte, four times what Node's own
 * loading of them costs (bench/README.md, issue 18). Only for packages with no ESM and no
 * TypeScript in them; resolution (package.json, paths) stays Node's, and the hook is back in
 * place when this returns.
 */
export function requireCommonJs<T>(specifier: string): T {
  const hooked = extensions['.js'];
  if (hooked === undefined) return require(specifier) as T;
  extensions['.js'] = nodeCompileJs;
  try {
    return require(specifier) as T;
  } finally {
    extensions['.js'] = hooked;
  }
}
