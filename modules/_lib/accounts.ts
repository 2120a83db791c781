/**
 * Reading accounts for user, group and authorized_key: the passwd and shadow entries of one name
 * and the whole group file, read with the shell's `read` builtin in the module's one probe (no
 * fork per file), with `getent` only for a name the files do not have (NSS: LDAP, sssd).
 * Parsers are pure and tested on recorded lines.
 */
import { sh } from '../../runner/shell.js';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  comment: string;
  home: string;
  shell: string;
}

export interface ShadowEntry {
  /** The password field: a hash, `!hash` when locked, `*`/`!` for none. */
  password: string;
  /** Account expiry in days since the epoch; -1 when not set. */
  expires: number;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/**
 * Prints `<key> <line>` for the line of `db` (passwd, shadow, group) whose first field is "$n",
 * and leaves the line in shell variable `v` for the rest of the probe.
 */
export function entryLines(db: 'passwd' | 'shadow' | 'group', key: string, v = 'e', getentFallback = true): string {
  const lines = [
    `${v}=; while IFS= read -r l; do case $l in "$n":*) ${v}=$l; break ;; esac; done < /etc/${db}`,
  ];
  if (getentFallback) lines.push(`if [ -z "$${v}" ]; then ${v}=$(getent ${db} "$n") || ${v}=; fi`);
  lines.push(`if [ -n "$${v}" ]; then printf '${key} %s\\n' "$${v}"; fi`);
  return lines.join('\n');
}

/** The passwd and shadow entries of `name`, each as a `passwd`/`shadow` line when they exist; the passwd line stays in $pw. */
export function accountLines(name: string): string {
  return [sh`n=${name}`, entryLines('passwd', 'passwd', 'pw'), entryLines('shadow', 'shadow', 'sp', false)].join('\n');
}

/** Every line of /etc/group as `group <line>` (membership and group lookups need all of them). */
export const GROUP_FILE_LINES = `while IFS= read -r l; do printf 'group %s\\n' "$l"; done < /etc/group`;

export function parsePasswd(line: string | undefined): PasswdEntry | undefined {
  if (!line) return undefined;
  const f = line.split(':');
  if (f.length < 7) return undefined;
  return { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), comment: f[4]!, home: f[5]!, shell: f.slice(6).join(':') };
}

export function parseShadow(line: string | undefined): ShadowEntry | undefined {
  if (!line) return undefined;
  const f = line.split(':');
  return { password: f[1] ?? '', expires: f[7] ? Number(f[7]) : -1 };
}

export function parseGroupLine(line: string): GroupEntry | undefined {
  const f = line.split(':');
  if (f.length < 4) return undefined;
  return { name: f[0]!, gid: Number(f[2]), members: f[3] ? f[3].split(',').filter(Boolean) : [] };
}

/** Lines of a probe's output that start with `key `, without the key. */
export function linesOf(out: string, key: string): string[] {
  const prefix = `${key} `;
  return out.split('\n').filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
}

/** A group by name or by number (as Ansible's group_exists accepts either). */
export function findGroup(groups: readonly GroupEntry[], nameOrGid: string): GroupEntry | undefined {
  return groups.find((g) => g.name === nameOrGid) ?? (/^\d+$/.test(nameOrGid) ? groups.find((g) => g.gid === Number(nameOrGid)) : undefined);
}
