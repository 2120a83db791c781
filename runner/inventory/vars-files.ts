/**
 * group_vars/ and host_vars/ as Ansible's host_group_vars plugin finds them: `<dir>/group_vars/<name>`
 * with no extension, .yml, .yaml or .json (the first that exists wins), or a directory `<name>/`
 * whose files (recursively, sorted, hidden and backup~ files skipped) are merged in order.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { LoadError } from '../errors.js';
import type { Vars } from './types.js';
import { combineVars, isPlainObject } from './values.js';
import { loadYamlOrJson } from './yaml-load.js';
import { ParseFailure } from './source-error.js';

const EXTENSIONS = ['', '.yml', '.yaml', '.json'];

export class VarsFiles {
  /** Directory listings (a 10,000-host host_vars/ is read once, not stat'ed per host). */
  private readonly listings = new Map<string, Map<string, boolean> | null>();
  private readonly files = new Map<string, unknown>();
  private readonly warned = new Set<string>();
  private readonly dirs = new Map<string, string | undefined>();

  constructor(private readonly warn: (message: string) => void) {}

  /** Variables for one host or group from `<baseDir>/<subdir>/`. */
  load(baseDir: string, subdir: 'group_vars' | 'host_vars', name: string): Vars {
    if (name.startsWith('/')) return {};
    const dir = this.resolveDir(baseDir, subdir);
    if (!dir) return {};
    let data: Vars = {};
    for (const file of this.findVarsFiles(dir, name)) {
      const loaded = this.loadFile(file);
      if (!loaded) continue;
      if (!isPlainObject(loaded)) {
        throw new LoadError(`failed to combine variables, expected dicts but got a 'dict' and a '${Array.isArray(loaded) ? 'list' : typeof loaded}'`, { file, line: 1 });
      }
      data = combineVars(data, loaded);
    }
    return data;
  }

  /** `<base>/group_vars` resolved (realpath) once, not per host. */
  private resolveDir(baseDir: string, subdir: string): string | undefined {
    const key = `${baseDir}\u0000${subdir}`;
    if (!this.dirs.has(key)) this.dirs.set(key, this.findDir(join(baseDir, subdir), subdir));
    return this.dirs.get(key);
  }

  private findDir(path: string, subdir: string): string | undefined {
    if (!existsSync(path)) return undefined;
    const real = realpathSync(path);
    if (!statSync(real).isDirectory()) {
      const message = `Found ${subdir} that is not a directory, skipping: ${real}`;
      if (!this.warned.has(message)) {
        this.warned.add(message);
        this.warn(message);
      }
      return undefined;
    }
    return real;
  }

  /** name → is it a directory, for the entries of `dir`. */
  private listing(dir: string): Map<string, boolean> | null {
    let entries = this.listings.get(dir);
    if (entries === undefined) {
      try {
        entries = new Map(readdirSync(dir, { withFileTypes: true }).map((e) => [e.name, isDir(join(dir, e.name), e.isDirectory(), e.isSymbolicLink())]));
      } catch {
        entries = null;
      }
      this.listings.set(dir, entries);
    }
    return entries;
  }

  private findVarsFiles(dir: string, name: string): string[] {
    const entries = this.listing(dir);
    if (!entries) return [];
    for (const ext of EXTENSIONS) {
      const isDirectory = entries.get(name + ext);
      if (isDirectory === undefined) continue;
      const full = join(dir, name + ext);
      return isDirectory ? this.dirVarsFiles(full) : [full];
    }
    return [];
  }

  private dirVarsFiles(dir: string): string[] {
    const found: string[] = [];
    const entries = this.listing(dir);
    if (!entries) return found;
    for (const entry of [...entries.keys()].sort()) {
      if (entry.startsWith('.') || entry.endsWith('~')) continue;
      const ext = pyExt(entry);
      const full = join(dir, entry);
      if (entries.get(entry) && !ext) found.push(...this.dirVarsFiles(full));
      else if (!entries.get(entry) && EXTENSIONS.includes(ext)) found.push(full);
    }
    return found;
  }

  private loadFile(file: string): unknown {
    if (!this.files.has(file)) {
      try {
        const { data, warnings } = loadYamlOrJson(readFileSync(file, 'utf8'), file);
        warnings.forEach(this.warn);
        this.files.set(file, data);
      } catch (e) {
        if (e instanceof ParseFailure) {
          throw new LoadError(e.message.replace(`${file}:${e.line}:${e.column}: `, ''), { file, line: e.line ?? 1, column: e.column });
        }
        throw e;
      }
    }
    return this.files.get(file);
  }
}

function isDir(path: string, dir: boolean, link: boolean): boolean {
  if (!link) return dir;
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** os.path.splitext()[1]: leading dots do not start an extension. */
export function pyExt(name: string): string {
  const stripped = name.replace(/^\.+/, '');
  const ext = extname(stripped);
  return ext === '.' ? '.' : ext;
}
