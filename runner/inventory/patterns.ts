/**
 * Host patterns as ansible/inventory/manager.py evaluates them: `a:b`, `a,b`, `a:&b`, `a:!b`
 * (all positive patterns first, then intersections, then exclusions), `web[0]`, `web[1:3]`,
 * `web[-1]`, `~regex`, shell wildcards, and `--limit` (with `@file`) applied on top.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { LoadError, OptionsError } from '../errors.js';
import { LOCALHOST_NAMES, type HostData, type InventoryData } from './data.js';
import { parseAddress } from './ranges.js';

const PATTERN_WITH_SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/;

/** split_host_pattern: commas, or colons when the pattern is not a host address. */
export function splitHostPattern(pattern: string | string[]): string[] {
  if (Array.isArray(pattern)) return pattern.flatMap((p) => splitHostPattern(p));
  let parts: string[];
  if (pattern.includes(',')) {
    parts = pattern.split(',');
  } else {
    try {
      parseAddress(pattern, true);
      parts = [pattern];
    } catch {
      parts = pattern.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? [];
    }
  }
  return parts.map((p) => p.trim()).filter((p) => p);
}

/** order_patterns: positive patterns, then `&`, then `!`; no positive pattern means `all`. */
export function orderPatterns(patterns: string[]): string[] {
  const regular: string[] = [];
  const intersection: string[] = [];
  const exclude: string[] = [];
  for (const p of patterns) {
    if (!p) continue;
    if (p[0] === '!') exclude.push(p);
    else if (p[0] === '&') intersection.push(p);
    else regular.push(p);
  }
  return [...(regular.length ? regular : ['all']), ...intersection, ...exclude];
}

/** fnmatch.translate: `*`, `?`, `[seq]`, `[!seq]`, anchored at both ends. */
export function fnmatchToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      let j = i + 1;
      if (pattern[j] === '!') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j++;
      if (j >= pattern.length) re += '\\[';
      else {
        let stuff = pattern.slice(i + 1, j).replace(/\\/g, '\\\\');
        i = j;
        if (stuff[0] === '!') stuff = '^' + stuff.slice(1);
        else if (stuff[0] === '^') stuff = '\\' + stuff;
        re += `[${stuff}]`;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^(?:${re})$`, 's');
}

/** Python's re.match for a `~regex` pattern: anchored at the start only. */
function pythonRegex(source: string): RegExp {
  const js = source.replace(/\(\?P<(\w+)>/g, '(?<$1>').replace(/\(\?P=(\w+)\)/g, '\\k<$1>').replace(/\\Z/g, '$');
  return new RegExp(`^(?:${js})`);
}

export class PatternMatcher {
  private readonly cache = new Map<string, HostData[]>();

  constructor(
    private readonly data: InventoryData,
    private readonly warn: (message: string) => void,
  ) {}

  /** InventoryManager.get_hosts(pattern) with an optional --limit subset; host names in order. */
  select(pattern: string | string[], limit?: string | string[]): string[] {
    let hosts = this.evaluate(splitHostPattern(pattern));
    if (limit !== undefined && limit !== null) {
      const subset = this.subsetPatterns(limit);
      const allowed = new Set(this.evaluate(subset));
      hosts = hosts.filter((h) => allowed.has(h));
    }
    return [...new Set(hosts.map((h) => h.name))];
  }

  /** InventoryManager.subset: split the limit, read `@file` lists (one pattern per line). */
  private subsetPatterns(limit: string | string[]): string[] {
    const results: string[] = [];
    for (const x of splitHostPattern(limit)) {
      if (x[0] === '@') {
        const file = x.slice(1);
        if (!existsSync(file)) throw new OptionsError(`Unable to find limit file ${file}`);
        if (!statSync(file).isFile()) throw new OptionsError(`Limit starting with "@" must be a file, not a directory: ${file}`);
        results.push(...readFileSync(file, 'utf8').split('\n').map((l) => l.trim()));
      } else results.push(x);
    }
    return results;
  }

  private evaluate(patterns: string[]): HostData[] {
    let hosts: HostData[] = [];
    for (const p of orderPatterns(patterns)) {
      const direct = this.data.hosts.get(p);
      if (direct) {
        hosts.push(direct);
        continue;
      }
      const that = this.matchOne(p);
      if (p[0] === '!') {
        const drop = new Set(that);
        hosts = hosts.filter((h) => !drop.has(h));
      } else if (p[0] === '&') {
        const keep = new Set(that);
        hosts = hosts.filter((h) => keep.has(h));
      } else {
        const existing = new Set(hosts.map((h) => h.name));
        hosts.push(...that.filter((h) => !existing.has(h.name)));
      }
    }
    return hosts;
  }

  private matchOne(pattern: string): HostData[] {
    if (pattern[0] === '&' || pattern[0] === '!') pattern = pattern.slice(1);
    let hosts = this.cache.get(pattern);
    if (!hosts) {
      const [expr, subscript] = this.splitSubscript(pattern);
      hosts = this.applySubscript(this.enumerate(expr), subscript, pattern);
      this.cache.set(pattern, hosts);
    }
    return hosts;
  }

  private splitSubscript(pattern: string): [string, [number, number | undefined] | undefined] {
    if (pattern[0] === '~') return [pattern, undefined];
    const m = PATTERN_WITH_SUBSCRIPT.exec(pattern);
    if (!m) return [pattern, undefined];
    const [, expr, idx, start, sep, end] = m;
    if (idx) return [expr!, [Number(idx), undefined]];
    if (sep === '-') this.warn('Use [x:y] inclusive subscripts instead of [x-y] which has been removed');
    return [expr!, [Number(start), end ? Number(end) : -1]];
  }

  private applySubscript(hosts: HostData[], subscript: [number, number | undefined] | undefined, pattern: string): HostData[] {
    if (!hosts.length || !subscript) return hosts;
    const [start, endRaw] = subscript;
    if (endRaw) {
      const end = endRaw === -1 ? hosts.length - 1 : endRaw;
      return pySlice(hosts, start, end + 1);
    }
    const index = start < 0 ? hosts.length + start : start;
    const host = hosts[index];
    if (index < 0 || !host) throw new LoadError(`No hosts matched the subscripted pattern '${pattern}'`);
    return [host];
  }

  private matchList(items: Iterable<string>, pattern: string): string[] {
    let re: RegExp;
    try {
      re = pattern[0] === '~' ? pythonRegex(pattern.slice(1)) : fnmatchToRegExp(pattern);
    } catch {
      throw new OptionsError(`Invalid host list pattern: ${pattern}`);
    }
    return [...items].filter((item) => re.test(item));
  }

  private enumerate(pattern: string): HostData[] {
    const results: HostData[] = [];
    const groups = this.matchList(this.data.groups.keys(), pattern);
    for (const g of groups) results.push(...this.data.groups.get(g)!.allHosts());
    if (!groups.length || pattern[0] === '~' || ['.', '?', '*', '['].some((s) => pattern.includes(s))) {
      for (const h of this.matchList(this.data.hosts.keys(), pattern)) results.push(this.data.hosts.get(h)!);
    }
    if (!results.length && LOCALHOST_NAMES.includes(pattern)) {
      results.push(this.data.implicitLocalhost(pattern));
    }
    if (!results.length && !groups.length && pattern !== 'all') {
      this.warn(`Could not match supplied host pattern, ignoring: ${pattern}`);
    }
    return results;
  }
}

/** Python's list[start:stop] with negative indices. */
function pySlice<T>(items: T[], start: number, stop: number): T[] {
  const norm = (i: number) => (i < 0 ? Math.max(0, items.length + i) : Math.min(i, items.length));
  return items.slice(norm(start), norm(stop));
}
