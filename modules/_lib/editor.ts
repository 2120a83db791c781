/**
 * What lineinfile and blockinfile share: their probe (the real file behind a symlink, read whole),
 * their plan around the module's own edit (`planEdit`), and the check that their regexp fields
 * compile as Python regexps.
 */
import type { ParamIssue } from '../../runner/module.js';
import type { Plan, Predicted, Probe } from '../../runner/module.types.js';
import type { FileAttrParams } from './attrs.js';
import { overlayGathered } from './predicted.js';
import { compilePy } from './pyregex.js';
import { gatherTarget, planEdit, type EditParams, type TargetGathered } from './target.js';

/** The gathered state of an edited file: the target, or why probing it failed. */
export type EditorState = TargetGathered;

export function gatherEdited(p: FileAttrParams & { path: string }, probe: Probe): Promise<EditorState> {
  return gatherTarget(probe, { path: p.path, followLink: true, fullContent: true }, p, p.path);
}

/** Check mode: the edited file as earlier tasks would leave it. */
export function overlayEdited(state: EditorState, predicted: Predicted, p: FileAttrParams & { path: string }): EditorState {
  return overlayGathered(state, predicted, { path: p.path, followLink: true }, p);
}

/** Issues for the fields that hold a Python regexp ('EOF' and 'BOF' are keywords, not regexps). */
export function regexpIssues<P>(p: P, fields: readonly (keyof P & string)[]): ParamIssue[] {
  const issues: ParamIssue[] = [];
  for (const f of fields) {
    const v = p[f];
    if (typeof v !== 'string' || v === 'EOF' || v === 'BOF') continue;
    try {
      compilePy(v);
    } catch (e) {
      issues.push({ field: f, message: `is not a valid regular expression: ${(e as Error).message}` });
    }
  }
  return issues;
}

/** The edited file's plan: probing failures fail the task, else `planEdit` with the module's edit. */
export function planEdited(p: EditParams, state: EditorState, edit: Parameters<typeof planEdit>[2]): Plan {
  if (state.problem || !state.target) return { changed: false, actions: [], failed: state.problem ?? 'no state' };
  return planEdit(p, state.target, edit);
}
