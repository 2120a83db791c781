/**
 * Colors by role, with Ansible's defaults (ansible/config/base.yml COLOR_*): ok green, changed
 * yellow, error red, unreachable "bright red" (bold red, SGR 1;31), skip cyan, warn "bright purple"
 * (bold magenta, 1;35), verbose blue, debug "dark gray" (bold black, 1;30), deprecate purple, diff
 * add green / remove red / hunk lines cyan. Chalk writes the escapes; we only decide whether to.
 */
import { Chalk, supportsColor, type ChalkInstance } from 'chalk';

export type ColorRole =
  | 'ok'
  | 'changed'
  | 'error'
  | 'unreachable'
  | 'skip'
  | 'warn'
  | 'verbose'
  | 'debug'
  | 'deprecate'
  | 'diffAdd'
  | 'diffRemove'
  | 'diffLines';

export interface Style {
  readonly enabled: boolean;
  paint(role: ColorRole, text: string): string;
}

export function createStyle(level: 0 | 1 | 2 | 3): Style {
  const c = new Chalk({ level });
  const roles: Record<ColorRole, ChalkInstance> = {
    ok: c.green,
    changed: c.yellow,
    error: c.red,
    unreachable: c.bold.red,
    skip: c.cyan,
    warn: c.bold.magenta,
    verbose: c.blue,
    debug: c.bold.black,
    deprecate: c.magenta,
    diffAdd: c.green,
    diffRemove: c.red,
    diffLines: c.cyan,
  };
  return {
    enabled: level > 0,
    paint: (role, text) => (level > 0 ? roles[role](text) : text),
  };
}

export const plainStyle: Style = createStyle(0);

/**
 * Whether to color a stream. Chalk reads FORCE_COLOR, TERM and isTTY, but not NO_COLOR
 * (its vendored supports-color ignores it: checked in chalk 5.6), so NO_COLOR is handled here.
 * FORCE_COLOR wins over NO_COLOR, as in Node itself.
 */
export function colorLevel(env: NodeJS.ProcessEnv, isTTY: boolean, ansibleColor?: boolean): 0 | 1 | 2 | 3 {
  // Ansible's force_color / nocolor (ansible.cfg or ANSIBLE_FORCE_COLOR / ANSIBLE_NOCOLOR).
  if (ansibleColor === true) return supportsColor && supportsColor.level > 1 ? supportsColor.level : 1;
  if (ansibleColor === false) return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === 'false' || force === '0') return 0;
    if (force === '' || force === 'true') return 1;
    const n = Number.parseInt(force, 10);
    return Number.isNaN(n) ? 1 : (Math.min(Math.max(n, 0), 3) as 0 | 1 | 2 | 3);
  }
  if (env.NO_COLOR) return 0;
  if (!isTTY || env.TERM === 'dumb') return 0;
  return supportsColor ? supportsColor.level : 1;
}
