/**
 * A CommonJS dependency loaded the first time it is needed rather than when the importing file
 * is. Start-up of `npx tsx playbooks/site.ts` pays for every module the playbook's import graph
 * pulls in, so packages most runs never touch (yaml for -e/YAML inventories, diff for --diff)
 * are required on first use; synchronous, so the callers keep their synchronous APIs.
 *
 *   const yaml = lazyRequire<typeof import('yaml')>('yaml');   ...   yaml().parse(text)
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function lazyRequire<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(specifier) as T);
}
