/**
 * Reads the colors out of terminal text, so Ansible's `ESC[0;32m…ESC[0m` and chalk's
 * `ESC[32m…ESC[39m` compare equal when they paint the same text the same way.
 */
export interface Segment {
  text: string;
  /** SGR foreground code (30-37), undefined for the default color. */
  fg: number | undefined;
  bold: boolean;
}

export function parseSgr(line: string): Segment[] {
  const segments: Segment[] = [];
  let fg: number | undefined;
  let bold = false;
  const re = /\x1b\[([0-9;]*)m/g;
  let last = 0;
  const push = (text: string): void => {
    if (!text) return;
    const prev = segments.at(-1);
    if (prev && prev.fg === fg && prev.bold === bold) prev.text += text;
    else segments.push({ text, fg, bold });
  };
  for (let m = re.exec(line); m; m = re.exec(line)) {
    push(line.slice(last, m.index));
    last = re.lastIndex;
    for (const code of (m[1] || '0').split(';').map(Number)) {
      if (code === 0) {
        fg = undefined;
        bold = false;
      } else if (code === 1) bold = true;
      else if (code === 22) bold = false;
      else if (code >= 30 && code <= 37) fg = code;
      else if (code === 39) fg = undefined;
    }
  }
  push(line.slice(last));
  return segments;
}
