/**
 * Check mode across the repository modules (apt_repository, deb822_repository) and apt: a task
 * that changes apt's sources declares, besides its files, one `apt_sources` resource naming every
 * sources file the check run has written so far. A later repository task reads those files as
 * predicted; a later apt task that would install or upgrade knows its plan (made from the lists
 * the host has now) may not be the run's, and says it depends on the repository task.
 */
import type { Effect, Predicted } from '../../runner/module.types.js';

export const APT_SOURCES = { type: 'apt_sources', key: 'files' } as const;

/** Sources files earlier tasks of this check run write (none outside a check run). */
export function predictedSourceFiles(predicted: Predicted): string[] {
  const files = predicted.resource(APT_SOURCES.type, APT_SOURCES.key)?.attrs?.files;
  return Array.isArray(files) ? (files as string[]) : [];
}

/** The effect a changing repository task declares: the files it writes added to the earlier ones. */
export function sourcesEffect(earlier: readonly string[], written: readonly string[]): Effect {
  return { kind: 'resource', ...APT_SOURCES, state: 'present', attrs: { files: [...new Set([...earlier, ...written])] } };
}

/**
 * A text file as earlier tasks would leave it: `undefined` = absent, the predicted content, or
 * what was observed when nothing was predicted. Unknown content makes the task depend on them.
 */
export function overlayText(observed: string | undefined, file: string, predicted: Predicted): string | undefined {
  const pred = predicted.path(file);
  if (!pred) return observed;
  if (pred.state === 'absent') return undefined;
  if (pred.state === 'file' && pred.content) return pred.content.toString('utf8');
  if (pred.state === 'file' && !pred.created && observed !== undefined) return observed;
  return predicted.unpredictable(pred.by, `the content of ${file} is not known before it runs`);
}

/** A file whose bytes and mode a module compares (a .sources file, a key file). */
export interface KnownFile {
  content: Buffer;
  mode: number;
}

/** overlayText for a file whose mode matters too: both must be known (predicted, or observed and unchanged). */
export function overlayFile(observed: KnownFile | undefined, file: string, predicted: Predicted): KnownFile | undefined {
  const pred = predicted.path(file);
  if (!pred) return observed;
  if (pred.state === 'absent') return undefined;
  const kept = pred.state === 'file' && !pred.created ? observed : undefined;
  const content = pred.state === 'file' ? (pred.content ?? kept?.content) : undefined;
  const mode = pred.state === 'file' ? (pred.mode ?? kept?.mode) : undefined;
  if (content === undefined || mode === undefined) return predicted.unpredictable(pred.by, `${file} is not known before it runs`);
  return { content, mode };
}
