/** Python's `bytes.readlines()` / `splitlines(True)` on '\n' only, terminators kept. */
export function readLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
    lines.push(text.slice(start, i + 1));
    start = i + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

/** `line.rstrip(b'\r\n')` */
export function stripEol(line: string): string {
  return line.replace(/[\r\n]+$/, '');
}
