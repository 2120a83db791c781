/**
 * Ansible's banner (utils/display.py Display.banner): an empty line, then the message and a run
 * of stars filling the line to `columns` (79 when stdout is not a terminal, else the terminal width
 * minus one, never less than 79), at least 3 stars. The width is counted in code points; Ansible
 * uses wcwidth, so titles with wide (CJK) characters get a few more stars here than there.
 */
export const MIN_COLUMNS = 79;

/** Display.columns: max(79, tty width - 1), 79 when not a terminal. */
export function bannerColumns(ttyColumns: number | undefined): number {
  return Math.max(MIN_COLUMNS, (ttyColumns ?? 0) - 1);
}

/** The banner line without the leading empty line. */
export function banner(message: string, columns: number = MIN_COLUMNS): string {
  const msg = message.trim();
  const stars = Math.max(3, columns - [...msg].length);
  return `${msg} ${'*'.repeat(stars)}`;
}
