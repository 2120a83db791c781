/**
 * Python's shlex.split(s, comments, posix=True), the one word splitter of the project: Ansible
 * splits INI host lines (comments=True), ssh_args/ssh_common_args and `command`'s cmd
 * (comments=False) with it. Written after CPython's shlex.read_token with whitespace_split=True
 * and checked against the real shlex.split in test/unit/shlex.test.ts.
 */

export class ShlexError extends Error {
  override name = 'ShlexError';
}

/** shlex's whitespace: only these four (a vertical tab or a no-break space is part of a word). */
const WHITESPACE = ' \t\r\n';

export function shlexSplit(s: string, options: { comments?: boolean } = {}): string[] {
  const comments = options.comments ?? false;
  const words: string[] = [];
  let i = 0;
  /** After a comment, the rest of its line is skipped (shlex's readline). */
  const skipLine = (): void => {
    const nl = s.indexOf('\n', i);
    i = nl < 0 ? s.length : nl + 1;
  };
  for (;;) {
    // One token (shlex.read_token): leading whitespace and comments first.
    let word = '';
    let quoted = false;
    let started = false;
    while (i < s.length && !started) {
      const c = s[i]!;
      if (WHITESPACE.includes(c)) i++;
      else if (comments && c === '#') skipLine();
      else started = true;
    }
    if (!started) return words;
    while (i < s.length) {
      const c = s[i++]!;
      if (WHITESPACE.includes(c)) break;
      if (comments && c === '#') {
        skipLine();
        break;
      }
      if (c === "'") {
        quoted = true;
        const end = s.indexOf("'", i);
        if (end < 0) throw new ShlexError('No closing quotation');
        word += s.slice(i, end);
        i = end + 1;
      } else if (c === '"') {
        quoted = true;
        for (;;) {
          if (i >= s.length) throw new ShlexError('No closing quotation');
          const q = s[i++]!;
          if (q === '"') break;
          if (q === '\\') {
            if (i >= s.length) throw new ShlexError('No escaped character');
            const next = s[i++]!;
            // Inside double quotes a backslash escapes only `"` and `\`; before anything else it stays.
            if (next !== '"' && next !== '\\') word += '\\';
            word += next;
          } else word += q;
        }
      } else if (c === '\\') {
        if (i >= s.length) throw new ShlexError('No escaped character');
        word += s[i++]!;
      } else word += c;
    }
    // An empty word counts only when quotes made it ('' or "").
    if (word !== '' || quoted) words.push(word);
  }
}
