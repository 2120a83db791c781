/**
 * Python `re` semantics for lineinfile/blockinfile, whose regexps are written for Ansible.
 * Ansible compiles them as *bytes* patterns and searches raw file lines; to match byte for byte,
 * text is handled here as latin1 strings (one char per byte) and the pattern is converted:
 *  - `(?P<name>` → `(?<name>`, `(?P=name)` → `\k<name>`, `\A` → `^`, `\Z` → `$`
 *  - leading inline flags `(?imsx)` → JS flags (x is refused: JS has no verbose mode)
 *  - without (?m): `$` → `(?=\n?$)` (Python's `$` also matches before a final newline)
 *  - `.` → `[^\n]`, with (?s) `[\s\S]` (JS's `.` also stops at \r and the Unicode line separators)
 */

/** UTF-8 text → the latin1 string of its bytes (what Python's bytes regex sees). */
export function toBytesString(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

export interface PyRegex {
  regex: RegExp;
  multiline: boolean;
}

/** Compiles a Python pattern (as written by the user, UTF-8) for use on latin1 byte strings. */
export function compilePy(pattern: string, extraFlags = ''): PyRegex {
  let src = toBytesString(pattern);
  let flags = '';
  const inline = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (inline) {
    src = src.slice(inline[0].length);
    for (const f of inline[1]!) {
      if (f === 'i' || f === 'm' || f === 's') flags += f;
      else if (f === 'x') throw new Error(`verbose regexps ((?x)) are not supported: ${pattern}`);
    }
  }
  const multiline = flags.includes('m');
  const dotAll = flags.includes('s');
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const n = src[i + 1] ?? '';
      if (n === 'A' && !inClass) out += '^';
      else if (n === 'Z' && !inClass) out += '$';
      else out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A ']' right after '[' or '[^' is literal in both dialects.
      if (src[i + 1] === '^') out += src[++i];
      if (src[i + 1] === ']') out += '\\' + src[++i];
      continue;
    }
    if (src.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
      continue;
    }
    const backref = /^\(\?P=(\w+)\)/.exec(src.slice(i));
    if (backref) {
      out += `\\k<${backref[1]}>`;
      i += backref[0].length - 1;
      continue;
    }
    if (c === '$' && !multiline) out += '(?=\\n?$)';
    else if (c === '.') out += dotAll ? '[\\s\\S]' : '[^\\n]';
    else out += c;
  }
  return { regex: new RegExp(out, flags.replace('s', '') + extraFlags), multiline };
}

/** Python's `match.expand(template)` for a bytes template: \1..\99, \g<n>, \g<name>, escapes. */
export function expandPy(template: string, match: RegExpExecArray): string {
  const t = toBytesString(template);
  const group = (ref: string): string => {
    const v = /^\d+$/.test(ref) ? match[Number(ref)] : match.groups?.[ref];
    if (v === undefined && !/^\d+$/.test(ref) && !(match.groups && ref in match.groups)) throw new Error(`unknown group name '${ref}' in backrefs line`);
    if (/^\d+$/.test(ref) && Number(ref) >= match.length) throw new Error(`invalid group reference ${ref} in backrefs line`);
    return v ?? '';
  };
  const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b', '\\': '\\' };
  let out = '';
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const rest = t.slice(i + 1);
    const g = /^g<([^>]+)>/.exec(rest);
    const d = /^([1-9]\d?)/.exec(rest);
    const oct = /^(0[0-7]{0,2})/.exec(rest);
    if (g) {
      out += group(g[1]!);
      i += g[0].length;
    } else if (oct) {
      out += String.fromCharCode(parseInt(oct[1]!, 8));
      i += oct[0].length;
    } else if (d) {
      out += group(d[1]!);
      i += d[0].length;
    } else if (rest[0] !== undefined && rest[0] in escapes) {
      out += escapes[rest[0]];
      i += 1;
    } else if (rest[0] !== undefined && /[A-Za-z]/.test(rest[0])) {
      throw new Error(`bad escape \\${rest[0]} in backrefs line`);
    } else {
      out += c;
    }
  }
  return out;
}
