/**
 * File modes as Ansible takes them: an octal string ('0644', '644', '1777'), a number (0o644, as
 * Ansible's int), or a symbolic mode ('u=rwx,g=rx,o=', 'u+x', 'a-w', 'g=u', 'u+rwX').
 * Symbolic modes are resolved against the current mode the way Ansible's
 * `_symbolic_mode_to_octal` does: no "who" means `a` (the umask is not applied).
 */

export type ModeParam = string | number;

const SYMBOLIC = /^[ugoa]*[-+=][rwxXstugo]*([-+=][rwxXstugo]*)*$/;

/** Checks a mode parameter's syntax; returns a message or undefined. */
export function modeIssue(mode: ModeParam): string | undefined {
  if (typeof mode === 'number') return mode >= 0 && mode <= 0o7777 ? undefined : 'must be between 0 and 0o7777';
  if (/^[0-7]{1,4}$/.test(mode)) return undefined;
  if (mode.split(',').every((part) => SYMBOLIC.test(part))) return undefined;
  return `'${mode}' is not a valid mode: use an octal string like '0644' or a symbolic mode like 'u=rw,g=r,o=r'`;
}

/** The mode bits (0..0o7777) the parameter asks for, given the current mode and file type. */
export function resolveMode(mode: ModeParam, current: number, isDir: boolean): number {
  if (typeof mode === 'number') return mode & 0o7777;
  if (/^[0-7]{1,4}$/.test(mode)) return parseInt(mode, 8);
  let result = current & 0o7777;
  for (const part of mode.split(',')) {
    const m = /^([ugoa]*)(.*)$/.exec(part)!;
    const who = m[1] === '' || m[1]!.includes('a') ? 'ugo' : m[1]!;
    for (const op of m[2]!.match(/[-+=][rwxXstugo]*/g) ?? []) {
      const bits = permBits(who, op.slice(1), result, isDir);
      const mask = whoMask(who);
      if (op[0] === '+') result |= bits;
      else if (op[0] === '-') result &= ~bits;
      else result = (result & ~mask) | bits;
    }
  }
  return result & 0o7777;
}

function whoMask(who: string): number {
  let mask = 0;
  if (who.includes('u')) mask |= 0o4700;
  if (who.includes('g')) mask |= 0o2070;
  if (who.includes('o')) mask |= 0o1007;
  return mask;
}

function permBits(who: string, perms: string, current: number, isDir: boolean): number {
  let rwx = 0;
  let special = 0;
  for (const p of perms) {
    if (p === 'r') rwx |= 4;
    else if (p === 'w') rwx |= 2;
    else if (p === 'x') rwx |= 1;
    else if (p === 'X') rwx |= isDir || (current & 0o111) !== 0 ? 1 : 0;
    else if (p === 'u') rwx |= (current >> 6) & 7;
    else if (p === 'g') rwx |= (current >> 3) & 7;
    else if (p === 'o') rwx |= current & 7;
    else if (p === 's') special |= (who.includes('u') ? 0o4000 : 0) | (who.includes('g') ? 0o2000 : 0);
    else if (p === 't') special |= who.includes('o') ? 0o1000 : 0;
  }
  let bits = special;
  if (who.includes('u')) bits |= rwx << 6;
  if (who.includes('g')) bits |= rwx << 3;
  if (who.includes('o')) bits |= rwx;
  return bits;
}

/** Ansible's rendering of a mode in results and diffs: '0644', '01777'. */
export function formatMode(bits: number): string {
  return '0' + bits.toString(8).padStart(3, '0');
}
