/**
 * Tag selection with Ansible's exact rules (ansible/playbook/taggable.py, evaluate_tags):
 *  - a task's tags are its own plus those of every enclosing block, role wrapper and the play;
 *  - an untagged task counts as tagged 'untagged';
 *  - --tags (default 'all'): 'always' always runs; 'all' selects everything not tagged 'never';
 *    a shared tag selects; 'tagged' selects every tagged task not tagged 'never';
 *  - --skip-tags, applied after: 'all' skips everything except 'always' tasks (unless 'always' is
 *    skipped too); a shared tag skips; 'tagged' skips every tagged task.
 * Handlers are not filtered (they run when notified), nor are the implicit handler flushes;
 * an explicit flushHandlers() is a task like any other, as in Ansible.
 */
import type { Block, Include, Item } from './dsl.js';

const UNTAGGED = 'untagged';

export interface TagFilter {
  /** --tags; empty means Ansible's default ['all']. */
  only: readonly string[];
  skip: readonly string[];
}

export function shouldRun(taskTags: ReadonlySet<string>, filter: TagFilter): boolean {
  const tags = taskTags.size > 0 ? taskTags : new Set([UNTAGGED]);
  const untagged = taskTags.size === 0;
  const only = filter.only.length > 0 ? filter.only : ['all'];
  const shares = (list: readonly string[]) => list.some((t) => tags.has(t));

  let run: boolean;
  if (tags.has('always')) run = true;
  else if (only.includes('all') && !tags.has('never')) run = true;
  else if (shares(only)) run = true;
  else run = only.includes('tagged') && !untagged && !tags.has('never');

  if (run && filter.skip.length > 0) {
    if (filter.skip.includes('all')) {
      if (!tags.has('always') || filter.skip.includes('always')) run = false;
    } else if (shares(filter.skip)) run = false;
    else if (filter.skip.includes('tagged') && !untagged) run = false;
  }
  return run;
}

/** A selected item with the tags it ended up with (its own plus inherited). */
export type Selected =
  | { kind: 'task' | 'meta'; item: Item; tags: Set<string> }
  /** A dynamic include: selected by its own tags; `inherited` (without them) is what its tasks get. */
  | { kind: 'include'; item: Include; tags: Set<string>; inherited: ReadonlySet<string> }
  | { kind: 'block'; item: Block; tags: Set<string>; block: Selected[]; rescue: Selected[]; always: Selected[] };

/**
 * A `tags` keyword as Ansible reads it (Taggable._load_tags): a string is split on commas and each
 * part trimmed (`'base, ssh'` is two tags); a list is taken as it is.
 */
export function tagList(tags: string | readonly string[] | undefined): string[] {
  if (tags === undefined) return [];
  return typeof tags === 'string' ? tags.split(',').map((t) => t.trim()) : [...tags];
}

function ownTags(item: Item): string[] {
  return tagList(item.options.tags);
}

/** The part of a task list that the filter selects, keeping block structure; empty blocks vanish. */
export function selectItems(items: readonly Item[], inherited: ReadonlySet<string>, filter: TagFilter): Selected[] {
  const out: Selected[] = [];
  for (const item of items) {
    const tags = new Set([...inherited, ...ownTags(item)]);
    if (item.kind === 'block') {
      const block = selectItems(item.block, tags, filter);
      const rescue = selectItems(item.rescue, tags, filter);
      const always = selectItems(item.always, tags, filter);
      if (block.length + rescue.length + always.length > 0) out.push({ kind: 'block', item, tags, block, rescue, always });
    } else if (item.kind === 'include') {
      if (shouldRun(tags, filter)) out.push({ kind: 'include', item, tags, inherited });
    } else if (shouldRun(tags, filter)) {
      out.push({ kind: item.kind, item, tags });
    }
  }
  return out;
}
