/**
 * user: a local account with useradd/usermod/userdel, deciding what to change the way
 * ansible-core 2.14's user module does on Linux (same options, same comparisons), from one probe:
 * the passwd and shadow entries, the group file and whether the home directory exists.
 *
 * The password is a crypt(3) hash, compared with the shadow field, so a run does not re-set it
 * (no new salt each run); it goes to `chpasswd -e` on stdin, never on a command line, and is never
 * shown (the diff says only that it changes). Not implemented: ssh key generation, login_class,
 * seuser, skeleton, password_expire_*, update_password=on_create, local, umask.
 */
import { defineModule } from '../runner/module.js';
import type { Action, Effect, FileDiff, Plan, Predicted } from '../runner/module.types.js';
import { sh } from '../runner/shell.js';
import { groupEffect, overlayAccount, overlayGroups } from './_lib/accounts-predict.js';
import { GROUP_FILE_LINES, accountLines, findGroup, linesOf, parseGroupLine, parsePasswd, parseShadow, type GroupEntry, type PasswdEntry, type ShadowEntry } from './_lib/accounts.js';
import { userDefinition, type UserParams } from './user.params.js';

export type { UserParams } from './user.params.js';

export interface UserState {
  passwd?: PasswdEntry;
  shadow?: ShadowEntry;
  groups: GroupEntry[];
  /** The home directory that matters (param, else the account's) exists. */
  homeExists: boolean;
}

export function userProbeScript(p: Pick<UserParams, 'name' | 'home'>): string {
  return [
    accountLines(p.name),
    GROUP_FILE_LINES,
    // The home that matters: the parameter, else the account's (passwd's 6th field).
    p.home !== undefined ? sh`h=${p.home}` : `h=\${pw#*:*:*:*:*:}; h=\${pw:+\${h%%:*}}`,
    `if [ -n "$h" ] && [ -d "$h" ]; then echo home yes; else echo home no; fi`,
  ].join('\n');
}

export function parseUserProbe(out: string): UserState {
  const passwd = parsePasswd(linesOf(out, 'passwd')[0]);
  const shadow = parseShadow(linesOf(out, 'shadow')[0]);
  return {
    ...(passwd ? { passwd } : {}),
    ...(shadow ? { shadow } : {}),
    groups: linesOf(out, 'group').map(parseGroupLine).filter((g): g is GroupEntry => g !== undefined),
    homeExists: linesOf(out, 'home')[0] === 'yes',
  };
}

export const user = defineModule<UserParams, UserState>({
  ...userDefinition,
  async gather(p, probe) {
    return parseUserProbe((await probe.run(userProbeScript(p))).stdout);
  },
  plan: (p, s) => planUser(p, s),
  overlay: (s, predicted, p) => overlayUser(s, predicted, p),
});

/**
 * The account as earlier tasks of a check run leave it: a user or groups they create or remove,
 * the groups they put the user in, a home they create. What an earlier task left to useradd (the
 * uid) is taken as what this task asks for, so only real differences are planned.
 */
export function overlayUser(s: UserState, predicted: Predicted, p: UserParams): UserState {
  const groups = overlayGroups(s.groups, [p.name, ...(p.group !== undefined ? [p.group] : []), ...(groupList(p.groups) ?? [])], predicted);
  const pu = predicted.user(p.name);
  let passwd = overlayAccount(s.passwd, p.name, predicted);
  if (pu?.state === 'present' && passwd) {
    const wantedGid = p.group !== undefined ? findGroup(groups, p.group)?.gid : undefined;
    passwd = {
      ...passwd,
      uid: passwd.uid >= 0 ? passwd.uid : p.uid ?? -1,
      gid: passwd.gid >= 0 ? passwd.gid : wantedGid ?? -1,
      comment: s.passwd?.comment ?? p.comment ?? '',
      shell: passwd.shell || (p.shell ?? ''),
    };
    if (pu.groups) {
      for (const g of groups) g.members = pu.groups.includes(g.name) ? [...new Set([...g.members, p.name])] : g.members.filter((m) => m !== p.name);
    }
  }
  const home = p.home ?? passwd?.home;
  const ph = home !== undefined ? predicted.path(home) : undefined;
  const out: UserState = { groups, homeExists: ph ? ph.state === 'directory' : s.homeExists, ...(s.shadow && s.passwd ? { shadow: s.shadow } : {}) };
  return passwd ? { ...out, passwd } : out;
}

/** `groups` as a list: Ansible joins the list with commas, then splits on them. */
export function groupList(groups: UserParams['groups']): string[] | undefined {
  if (groups === undefined) return undefined;
  const joined = Array.isArray(groups) ? groups.join(',') : groups;
  return [...new Set(joined.split(',').map((g) => g.trim()).filter(Boolean))];
}

/** YYYY-MM-DD (UTC) of an epoch time, as useradd/usermod -e take it. */
function expiryDate(seconds: number): string {
  return new Date(Math.floor(seconds) * 1000).toISOString().slice(0, 10);
}

/** The shadow field's days since the epoch → YYYY-MM-DD. */
function daysDate(days: number): string {
  return new Date(days * 86400_000).toISOString().slice(0, 10);
}

export function planUser(p: UserParams, s: UserState): Plan {
  const result: Record<string, unknown> = { name: p.name, state: p.state ?? 'present', ...(p.password !== undefined ? { password: 'NOT_LOGGING_PASSWORD' } : {}) };
  if (p.state === 'absent') {
    if (!s.passwd) return { changed: false, actions: [], result };
    const script = sh`userdel ${p.force ? ['-f'] : []} ${p.remove ? ['-r'] : []} ${p.name}`.replace(/ {2,}/g, ' ');
    const effects: Effect[] = [{ kind: 'user', name: p.name, state: 'absent' }, ...(p.remove ? [{ kind: 'path' as const, path: s.passwd.home, state: 'absent' as const }] : [])];
    return { changed: true, actions: [{ kind: 'run', script }], diffs: [accountDiff({ user: p.name }, {})], result: { ...result, force: p.force ?? false, remove: p.remove ?? false }, effects };
  }
  const wanted = groupList(p.groups);
  for (const g of [...(p.group !== undefined ? [p.group] : []), ...(wanted ?? [])]) {
    if (!findGroup(s.groups, g)) return { changed: false, actions: [], failed: `Group ${g} does not exist`, result };
  }
  return s.passwd ? planModify(p, s, s.passwd, wanted, result) : planCreate(p, s, wanted, result);
}

function planCreate(p: UserParams, s: UserState, wanted: string[] | undefined, result: Record<string, unknown>): Plan {
  const args: string[] = [];
  if (p.uid !== undefined) args.push('-u', String(p.uid), ...(p.non_unique ? ['-o'] : []));
  if (p.group !== undefined) args.push('-g', p.group);
  // A group named like the user already exists: useradd would refuse to create it (Ansible's -N).
  else if (findGroup(s.groups, p.name)) args.push('-N');
  if (wanted && wanted.length > 0) args.push('-G', wanted.join(','));
  if (p.comment !== undefined) args.push('-c', p.comment);
  if (p.home !== undefined) args.push('-d', p.home);
  if (p.shell !== undefined) args.push('-s', p.shell);
  if (p.expires !== undefined) args.push('-e', p.expires < 0 ? '' : expiryDate(p.expires));
  args.push(p.create_home === false ? '-M' : '-m');
  if (p.system) args.push('-r');
  const actions: Action[] = [];
  if (p.home !== undefined && p.create_home !== false) {
    // useradd -m creates the home but not its parents (Ansible creates them first too).
    actions.push({ kind: 'run', script: sh`mkdir -p -- "$(dirname -- ${p.home})"`, describe: `create the parent of ${p.home}` });
  }
  actions.push({ kind: 'run', script: sh`useradd ${args} ${p.name}` });
  if (p.password !== undefined) actions.push(setPassword(p.name, (p.password_lock ? '!' : '') + p.password));
  const after: Record<string, string> = { user: p.name };
  for (const k of ['uid', 'group', 'comment', 'home', 'shell'] as const) if (p[k] !== undefined) after[k] = String(p[k]);
  if (wanted && wanted.length > 0) after.groups = wanted.join(',');
  if (p.password !== undefined) after.password = '(set)';
  // What the run leaves: the user (its uid if given), its own group when useradd makes one, its home.
  const home = p.home ?? `/home/${p.name}`;
  const ownGroup = p.group === undefined && !findGroup(s.groups, p.name);
  const primary = p.group !== undefined ? findGroup(s.groups, p.group) : undefined;
  const effects: Effect[] = [
    ...(ownGroup ? [groupEffect(p.name, 'present')] : []),
    {
      kind: 'user', name: p.name, state: 'present', home, groups: wanted ?? [],
      ...(p.uid !== undefined ? { uid: p.uid } : {}),
      ...(primary ? { group: primary.name, ...(primary.gid >= 0 ? { gid: primary.gid } : {}) } : ownGroup ? { group: p.name } : {}),
      ...(p.shell !== undefined ? { shell: p.shell } : {}),
    },
    ...(p.create_home !== false ? [{ kind: 'path' as const, path: home, state: 'directory' as const, created: true, owner: p.name }] : []),
  ];
  return { changed: true, actions, diffs: [accountDiff({}, after)], result: { ...result, system: p.system ?? false, create_home: p.create_home ?? true }, effects };
}

function planModify(p: UserParams, s: UserState, pw: PasswdEntry, wanted: string[] | undefined, result: Record<string, unknown>): Plan {
  const args: string[] = [];
  const before: Record<string, string> = {};
  const after: Record<string, string> = {};
  const change = (key: string, from: string, to: string): void => {
    before[key] = from;
    after[key] = to;
  };
  if (p.uid !== undefined && p.uid !== pw.uid) {
    args.push('-u', String(p.uid), ...(p.non_unique ? ['-o'] : []));
    change('uid', String(pw.uid), String(p.uid));
  }
  if (p.group !== undefined) {
    const g = findGroup(s.groups, p.group)!;
    if (g.gid !== pw.gid) {
      args.push('-g', String(g.gid));
      change('group', String(pw.gid), String(g.gid));
    }
  }
  let groupsAfter: string | undefined;
  if (wanted !== undefined) {
    const current = s.groups.filter((g) => g.members.includes(p.name)).map((g) => g.name);
    const differs = current.filter((g) => !wanted.includes(g)).length + wanted.filter((g) => !current.includes(g)).length > 0;
    const need = p.append ? wanted.some((g) => !current.includes(g)) : differs;
    if (need) {
      if (p.append) args.push('-a');
      args.push('-G', wanted.join(','));
      groupsAfter = (p.append ? [...current, ...wanted.filter((g) => !current.includes(g))] : wanted).join(',');
      change('groups', current.join(','), groupsAfter);
    }
  }
  if (p.comment !== undefined && p.comment !== pw.comment) {
    args.push('-c', p.comment);
    change('comment', pw.comment, p.comment);
  }
  if (p.home !== undefined && p.home !== pw.home) {
    args.push('-d', p.home, ...(p.move_home ? ['-m'] : []));
    change('home', pw.home, p.home);
  }
  if (p.shell !== undefined && p.shell !== pw.shell) {
    args.push('-s', p.shell);
    change('shell', pw.shell, p.shell);
  }
  const shadow = s.shadow ?? { password: '', expires: -1 };
  if (p.expires !== undefined) {
    const current = shadow.expires >= 0 ? daysDate(shadow.expires) : '';
    const target = p.expires < 0 ? '' : expiryDate(p.expires);
    if (target !== current) {
      args.push('-e', target);
      change('expires', current || 'never', target || 'never');
    }
  }
  const locked = shadow.password.startsWith('!');
  const newHash = p.password !== undefined && shadow.password.replace(/^!+/, '') !== p.password.replace(/^!+/, '');
  let password: string | undefined;
  if (newHash) {
    password = (p.password_lock ? '!' : '') + p.password!;
    change('password', '(hidden)', '(changed)');
  } else if (p.password_lock === true && !locked) {
    args.push('-L');
    change('password_lock', 'false', 'true');
  } else if (p.password_lock === false && locked) {
    args.push('-U');
    change('password_lock', 'true', 'false');
  }
  const actions: Action[] = [];
  if (args.length > 0) actions.push({ kind: 'run', script: sh`usermod ${args} ${p.name}` });
  if (password !== undefined) actions.push(setPassword(p.name, password));
  // A missing home is created from /etc/skel (Ansible's create_homedir, mode from login.defs' UMASK).
  const home = p.home ?? pw.home;
  const homeMoves = p.home !== undefined && p.home !== pw.home && p.move_home;
  if (p.create_home !== false && !s.homeExists && !homeMoves) {
    const uid = p.uid ?? pw.uid;
    const gid = p.group !== undefined ? findGroup(s.groups, p.group)!.gid : pw.gid;
    actions.push({ kind: 'run', script: createHomeScript(home, uid, gid), describe: `create the home directory ${home}` });
    change('home_directory', 'absent', home);
  }
  const finalUid = p.uid ?? pw.uid;
  const finalGroup = p.group !== undefined ? findGroup(s.groups, p.group)! : s.groups.find((g) => g.gid === pw.gid);
  const finalGroups = groupsAfter !== undefined ? groupsAfter.split(',').filter(Boolean) : undefined;
  const effects: Effect[] = [
    {
      kind: 'user', name: p.name, state: 'present', home, shell: p.shell ?? pw.shell,
      ...(finalUid >= 0 ? { uid: finalUid } : {}),
      ...(finalGroup ? { group: finalGroup.name, ...(finalGroup.gid >= 0 ? { gid: finalGroup.gid } : {}) } : {}),
      ...(finalGroups ? { groups: finalGroups } : {}),
    },
    ...(after.home_directory !== undefined || homeMoves ? [{ kind: 'path' as const, path: home, state: 'directory' as const, created: true, owner: p.name }] : []),
  ];
  return {
    changed: actions.length > 0,
    actions,
    ...(actions.length > 0 ? { diffs: [accountDiff({ user: p.name, ...before }, { user: p.name, ...after })], effects } : {}),
    result: {
      ...result, uid: finalUid, group: p.group !== undefined ? findGroup(s.groups, p.group)!.gid : pw.gid,
      comment: p.comment ?? pw.comment, home, shell: p.shell ?? pw.shell,
      ...(wanted !== undefined ? { groups: wanted.join(',') } : {}),
      append: p.append ?? false, move_home: p.move_home ?? false,
    },
  };
}

function setPassword(name: string, hash: string): Action {
  return { kind: 'run', script: 'chpasswd -e', stdin: `${name}:${hash}\n`, describe: `set the password of ${name}` };
}

export function createHomeScript(home: string, uid: number, gid: number): string {
  return [
    sh`h=${home}`,
    `if [ -d /etc/skel ]; then mkdir -p -- "$(dirname -- "$h")" && cp -RP /etc/skel "$h"; else mkdir -p -- "$h"; fi`,
    `u=$(sed -n 's/^UMASK[[:space:]]*\\([0-7]*\\)$/\\1/p' /etc/login.defs 2>/dev/null | tail -n 1)`,
    `if [ -n "$u" ]; then chmod "$(printf '%o' $((0777 & ~0$u)))" "$h"; fi`,
    `chown -R ${uid}:${gid} "$h"`,
  ].join('\n');
}

/** The account's changed fields as `key: value` lines (passwords never shown). */
function accountDiff(before: Record<string, string>, after: Record<string, string>): FileDiff {
  const show = (o: Record<string, string>): string => Object.entries(o).map(([k, v]) => `${k}: ${v}\n`).join('');
  return { before: show(before), after: show(after), before_header: 'account', after_header: 'account' };
}
