/**
 * One-line apt sources (`deb [options] uri suite components`) read, edited and written back as
 * ansible-core 2.14's apt_repository does (its SourcesList class), so a converted playbook leaves
 * the same files: the same line normalisation, the same file name for a new repository, the same
 * rules for reusing a disabled line and for removing. Pure: tested without a host.
 */

/** One line of a sources file, as Ansible's `_parse` splits it. */
export interface SourceEntry {
  /** A `deb`/`deb-src` line (commented out or not); anything else is kept as it is. */
  valid: boolean;
  enabled: boolean;
  /** The line without `#` and comment; a valid one with its whitespace runs collapsed. */
  source: string;
  comment: string;
}

const SOURCE_TYPES = new Set(['deb', 'deb-src']);

/** Python's str.strip() / str.split() whitespace. */
const WS = /[\s\x1c-\x1f\x85]+/u;
const pyStrip = (s: string): string => s.replace(/^[\s\x1c-\x1f\x85]+|[\s\x1c-\x1f\x85]+$/gu, '');
const pySplit = (s: string): string[] => pyStrip(s).split(WS).filter(Boolean);

export function parseSourceLine(line: string): SourceEntry {
  let rest = pyStrip(line);
  let enabled = true;
  let comment = '';
  if (rest.startsWith('#')) {
    enabled = false;
    rest = rest.slice(1);
  }
  // Another '#' (not the first character) starts a comment.
  const hash = rest.indexOf('#');
  if (hash > 0) {
    comment = pyStrip(rest.slice(hash + 1));
    rest = rest.slice(0, hash);
  }
  let source = pyStrip(rest);
  let valid = false;
  if (source) {
    const chunks = pySplit(source);
    if (SOURCE_TYPES.has(chunks[0]!)) {
      valid = true;
      source = chunks.join(' ');
    }
  }
  return { valid, enabled, source, comment };
}

/** A file's lines as Python iterates them (each line with its newline, none after the last). */
export function parseSourcesFile(text: string): SourceEntry[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map(parseSourceLine);
}

/** How Ansible writes a file back (every line normalised, each ending in a newline). */
export function dumpSources(entries: readonly SourceEntry[]): string {
  return entries.map((e) => `${e.enabled ? '' : '# '}${e.source}${e.comment ? ` # ${e.comment}` : ''}\n`).join('');
}

/**
 * The repository line Ansible works with (`repo` with whitespace collapsed, no comment), or why
 * it is not one: Ansible's "Invalid repository string".
 */
export function repoSource(repo: string): { source: string } | { invalid: string } {
  const e = parseSourceLine(repo);
  if (!e.valid || !e.enabled) {
    // Ansible's message carries the line after the leading '#' and before a comment.
    let shown = pyStrip(repo);
    if (shown.startsWith('#')) shown = shown.slice(1);
    const hash = shown.indexOf('#');
    return { invalid: hash > 0 ? shown.slice(0, hash) : shown };
  }
  return { source: e.source };
}

/**
 * The file name Ansible derives for a new repository (`_suggest_filename`): options and URL
 * schemes dropped, the first word after the type without user:password@, every run of characters
 * other than ASCII letters and digits turned into one `_`; `filename` replaces it when given.
 */
export function suggestFilename(source: string, filename?: string): string {
  if (filename !== undefined) return `${filename}.list`;
  const line = source.replace(/\[[^\]]+\]/g, '').replace(/[\p{L}\p{N}_]+:\/\//gu, '');
  const parts = pySplit(line).filter((p) => !SOURCE_TYPES.has(p));
  let first = parts[0] ?? '';
  const at = first.indexOf('@');
  if (at >= 0) first = first.slice(at + 1);
  return `${pySplit(first.replace(/[^a-zA-Z0-9]/g, ' ')).join('_')}.list`;
}

/** The sources files, path → entries, in the order they were read. */
export type SourcesList = Map<string, SourceEntry[]>;

export function copySources(list: SourcesList): SourcesList {
  return new Map([...list].map(([f, es]) => [f, es.map((e) => ({ ...e }))]));
}

/**
 * Adds `source` as Ansible's `_add_valid_source`: every line of any file with the same source
 * (commented out or not) is enabled; only when there is none is the line appended to `file`.
 * Returns the file a line was appended to (Ansible's `new_repos`, whose mode the task sets).
 */
export function addSource(list: SourcesList, source: string, file: string): string | undefined {
  let found = false;
  for (const entries of list.values()) {
    for (const e of entries) {
      if (e.valid && e.source === source) {
        e.enabled = true;
        found = true;
      }
    }
  }
  if (found) return undefined;
  const entries = list.get(file) ?? [];
  entries.push({ valid: true, enabled: true, source, comment: '' });
  list.set(file, entries);
  return file;
}

/**
 * Removes every enabled line with this source, in every file (a commented-out one stays).
 * Ansible pops by the line's original index while iterating, which removes the wrong line when a
 * file holds the same source twice; here each such line goes.
 */
export function removeSource(list: SourcesList, source: string): void {
  for (const [file, entries] of list) list.set(file, entries.filter((e) => !(e.valid && e.enabled && e.source === source)));
}

/** Ansible's `dump()`: each file with at least one line, as it would be written. */
export function dumpAll(list: SourcesList): Map<string, string> {
  const out = new Map<string, string>();
  for (const [file, entries] of list) if (entries.length > 0) out.set(file, dumpSources(entries));
  return out;
}
