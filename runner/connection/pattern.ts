/**
 * OpenSSH's host pattern matching (match.c), shared by ssh_config `Host` lines and known_hosts
 * host fields: `*` and `?` wildcards, comma- or space-separated lists, `!` negation.
 */

/** One pattern against one name, case-insensitively as OpenSSH does for host names. */
export function matchPattern(name: string, pattern: string): boolean {
  // Most patterns (known_hosts addresses) have no wildcard: no regex to build for every host x entry.
  if (!/[*?]/.test(pattern)) return name.toLowerCase() === pattern.toLowerCase();
  const escaped = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 's').test(name.toLowerCase());
}

/**
 * A pattern list: a negated pattern that matches wins (no match at all), otherwise any positive
 * match is a match. Mirrors match_pattern_list().
 */
export function matchPatternList(name: string, patterns: readonly string[]): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (matchPattern(name, p.slice(1))) return false;
    } else if (matchPattern(name, p)) {
      matched = true;
    }
  }
  return matched;
}
