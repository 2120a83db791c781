/**
 * --list-hosts / --list-tasks / --list-tags: what ansible-playbook prints for them (2.14's
 * cli/playbook.py), computed from the same host selection and tag filter the run would use.
 * No host is contacted.
 */
import path from 'node:path';
import type { Playbook } from './dsl.js';
import type { Inventory } from './inventory/types.js';
import type { RunOptions } from './options.js';
import { playHosts } from './run.js';
import { compilePlay } from './schedule.js';
import { tagList as tagsOf } from './tags.js';

const tagList = (tags: Iterable<string>) => `[${[...new Set(tags)].sort().join(', ')}]`;

export function listPlaybook(pb: Playbook, options: RunOptions, inventory: Inventory): string {
  const out = ['', `playbook: ${path.relative(process.cwd(), pb.file) || pb.file}`];
  const startAt = options.startAtTask ? { name: options.startAtTask, found: false } : undefined;
  pb.plays.forEach((play, i) => {
    const pattern = play.options.hosts;
    const playTags = tagsOf(play.options.tags);
    out.push('', `  play #${i + 1} (${pattern}): ${play.name}\tTAGS: ${tagList(playTags)}`);
    if (options.listHosts) {
      const hosts = playHosts(inventory, play, options);
      out.push(`    pattern: [${pattern.split(/[,:]/).map((p) => `'${p}'`).join(', ')}]`, `    hosts (${hosts.length}):`);
      out.push(...hosts.map((h) => `      ${h}`));
    }
    if (options.listTasks || options.listTags) {
      const { taskList } = compilePlay(play, { only: options.tags, skip: options.skipTags }, startAt);
      if (options.listTasks) {
        out.push('    tasks:');
        out.push(...taskList.map((t) => `      ${t.name}\tTAGS: ${tagList(t.tags)}`));
      }
      if (options.listTags) {
        // The play's own tags are there even when none of its tasks is listed (cli/playbook.py).
        const all = [...playTags, ...taskList.flatMap((t) => t.tags)];
        out.push(`      TASK TAGS: ${tagList(all)}`);
      }
    }
  });
  return out.join('\n') + '\n';
}
