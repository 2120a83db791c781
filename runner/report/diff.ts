/**
 * Unified diffs the way Ansible's callbacks print them (CallbackBase._get_diff): headers
 * `--- before: <before_header>` / `+++ after: <after_header>` (plain `before`/`after` without one),
 * Python difflib's hunk ranges (`-3` for one line, `-2,0` for none), 3 lines of context, lines
 * colored red/green/cyan, and an empty line after each diff. jsdiff finds the hunks.
 */
import type { FileDiff } from '../module.types.js';
import { lazyRequire } from '../lazy.js';
import { plainStyle, type ColorRole, type Style } from './style.js';

export const DIFF_CONTEXT = 3;

/** jsdiff's patch maker alone (4 files, not the package's 19), loaded when a diff is first shown. */
const jsdiff = lazyRequire<typeof import('diff/lib/patch/create.js')>('diff/lib/patch/create.js');

/** All diffs of one result, each followed by an empty line; '' when nothing differs. */
export function renderDiffs(diffs: readonly FileDiff[], style: Style = plainStyle): string {
  return diffs.map((d) => renderDiff(d, style)).join('');
}

export function renderDiff(diff: FileDiff, style: Style = plainStyle): string {
  const before = diff.before_header !== undefined ? `before: ${diff.before_header}` : 'before';
  const after = diff.after_header !== undefined ? `after: ${diff.after_header}` : 'after';
  const patch = jsdiff().structuredPatch(before, after, diff.before, diff.after, undefined, undefined, {
    context: DIFF_CONTEXT,
  });
  if (patch.hunks.length === 0) return '';
  const lines = [`--- ${before}`, `+++ ${after}`];
  for (const hunk of patch.hunks) {
    lines.push(`@@ -${range(hunk.oldStart, hunk.oldLines)} +${range(hunk.newStart, hunk.newLines)} @@`);
    lines.push(...hunk.lines);
  }
  let role: ColorRole | undefined;
  const painted = lines.map((line) => {
    // "\ No newline at end of file" belongs to the line above it (Ansible glues the marker to that
    // line before diffing), so it keeps that line's color. Headers start with +/- and are colored
    // like added/removed lines, as in Ansible.
    if (!line.startsWith('\\')) {
      role = line.startsWith('+') ? 'diffAdd' : line.startsWith('-') ? 'diffRemove' : line.startsWith('@@') ? 'diffLines' : undefined;
    }
    return role ? style.paint(role, line) : line;
  });
  return painted.join('\n') + '\n\n';
}

/** difflib._format_range_unified: "start" for one line, "start-1,0" for none, else "start,len". */
function range(start: number, length: number): string {
  if (length === 1) return `${start}`;
  if (length === 0) return `${start - 1},0`;
  return `${start},${length}`;
}
