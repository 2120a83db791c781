/**
 * Check mode across tasks for user, group, authorized_key: a plan declares the accounts and
 * groups it leaves (with the ids it knows) and a created home; a later task overlays them on
 * what it observed, so "group app, then user web in app, then web's keys" predicts in check mode
 * on a fresh host what the run will do instead of failing on a group or user that is not there yet.
 */
import type { Effect, Predicted } from '../../runner/module.types.js';
import type { GroupEntry, PasswdEntry } from './accounts.js';

/** The group file as earlier tasks leave it: predicted groups added (gid -1 when not known yet) or removed. */
export function overlayGroups(groups: readonly GroupEntry[], names: readonly string[], predicted: Predicted): GroupEntry[] {
  let out = [...groups];
  for (const name of names) {
    const pg = predicted.group(name);
    if (!pg) continue;
    out = out.filter((g) => g.name !== name);
    if (pg.state === 'present') out.push({ name, gid: pg.gid ?? groups.find((g) => g.name === name)?.gid ?? -1, members: groups.find((g) => g.name === name)?.members ?? [] });
  }
  return out;
}

/**
 * The passwd entry as earlier tasks leave it. A user an earlier task creates gets the fields it
 * predicted; what it did not say (a uid useradd picks) is -1 / empty.
 */
export function overlayAccount(observed: PasswdEntry | undefined, name: string, predicted: Predicted): PasswdEntry | undefined {
  const pu = predicted.user(name);
  if (!pu) return observed;
  if (pu.state === 'absent') return undefined;
  return {
    name,
    uid: pu.uid ?? observed?.uid ?? -1,
    gid: pu.gid ?? observed?.gid ?? -1,
    comment: observed?.comment ?? '',
    home: pu.home ?? observed?.home ?? `/home/${name}`,
    shell: pu.shell ?? observed?.shell ?? '',
  };
}

export function groupEffect(name: string, state: 'present' | 'absent', gid?: number): Effect {
  return { kind: 'group', name, state, ...(gid !== undefined ? { gid } : {}) };
}
