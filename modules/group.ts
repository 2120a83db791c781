/**
 * group: a local group with groupadd/groupmod/groupdel, as ansible-core's group module on Linux.
 * One probe reads the group's line from /etc/group.
 */
import { defineModule } from '../runner/module.js';
import type { Plan } from '../runner/module.types.js';
import { sh } from '../runner/shell.js';
import { entryLines, linesOf, parseGroupLine, type GroupEntry } from './_lib/accounts.js';
import { groupEffect } from './_lib/accounts-predict.js';
import { groupDefinition, type GroupParams } from './group.params.js';

export type { GroupParams } from './group.params.js';

export interface GroupState {
  group?: GroupEntry;
}

export function groupProbeScript(name: string): string {
  return [sh`n=${name}`, entryLines('group', 'group')].join('\n');
}

export function parseGroupProbe(out: string): GroupState {
  const line = linesOf(out, 'group')[0];
  const group = line === undefined ? undefined : parseGroupLine(line);
  return group ? { group } : {};
}

export const group = defineModule<GroupParams, GroupState>({
  ...groupDefinition,
  async gather(p, probe) {
    return parseGroupProbe((await probe.run(groupProbeScript(p.name))).stdout);
  },
  plan: (p, s) => planGroup(p, s),
  overlay(s, predicted, p) {
    const pg = predicted.group(p.name);
    if (!pg) return s;
    if (pg.state === 'absent') return {};
    // A gid the earlier task left to groupadd is not known yet: take it as the one asked for here.
    return { group: { name: p.name, gid: pg.gid ?? s.group?.gid ?? p.gid ?? -1, members: s.group?.members ?? [] } };
  },
});

export function planGroup(p: GroupParams, s: GroupState): Plan {
  const result: Record<string, unknown> = { name: p.name, state: p.state ?? 'present' };
  if (p.state === 'absent') {
    if (!s.group) return { changed: false, actions: [], result };
    return { changed: true, actions: [{ kind: 'run', script: sh`groupdel ${p.name}` }], diffs: [groupDiff(s.group, undefined)], result, effects: [groupEffect(p.name, 'absent')] };
  }
  const o = p.non_unique ? ['-o'] : [];
  if (!s.group) {
    const gid = p.gid !== undefined ? ['-g', String(p.gid), ...o] : [];
    const script = sh`groupadd ${gid} ${p.system ? ['-r'] : []} ${p.name}`.replace(/ {2,}/g, ' ');
    return { changed: true, actions: [{ kind: 'run', script }], diffs: [groupDiff(undefined, { name: p.name, gid: p.gid })], result: { ...result, system: p.system ?? false, ...(p.gid !== undefined ? { gid: p.gid } : {}) }, effects: [groupEffect(p.name, 'present', p.gid)] };
  }
  result.gid = s.group.gid;
  result.system = p.system ?? false;
  if (p.gid !== undefined && p.gid !== s.group.gid) {
    const script = sh`groupmod -g ${String(p.gid)} ${o} ${p.name}`.replace(/ {2,}/g, ' ');
    return { changed: true, actions: [{ kind: 'run', script }], diffs: [groupDiff(s.group, { name: p.name, gid: p.gid })], result: { ...result, gid: p.gid }, effects: [groupEffect(p.name, 'present', p.gid)] };
  }
  return { changed: false, actions: [], result };
}

/** `name:gid` as the diff shows a group (the gid is `?` until groupadd picks it). */
function groupDiff(before: { name: string; gid?: number } | undefined, after: { name: string; gid?: number | undefined } | undefined) {
  const show = (g: { name: string; gid?: number | undefined } | undefined): string => (g ? `${g.name}:${g.gid ?? '(new)'}\n` : '');
  return { before: show(before), after: show(after), before_header: 'group', after_header: 'group' };
}
