/**
 * PLAY RECAP lines as ansible-playbook prints them (callback/default.py v2_playbook_on_stats and
 * utils/color.py hostcolor/colorize): hosts sorted; the name padded to 26 columns and colored red
 * (failed or unreachable), yellow (changed) or green; each counter `name=N` padded to 4 digits and
 * colored only when non-zero — ok/rescued green, changed yellow, unreachable bright red, failed
 * red, skipped cyan, ignored bright purple. The line keeps the trailing spaces of `ignored=0   `.
 */
import type { HostStats } from '../events.js';
import { plainStyle, type ColorRole, type Style } from './style.js';

const HOST_WIDTH = 26;

export function recapLines(stats: Readonly<Record<string, HostStats>>, style: Style = plainStyle): string[] {
  return Object.keys(stats)
    .sort()
    .map((host) => recapLine(host, stats[host]!, style));
}

export function recapLine(host: string, s: HostStats, style: Style = plainStyle): string {
  const counters = [
    counter('ok', s.ok, 'ok', style),
    counter('changed', s.changed, 'changed', style),
    counter('unreachable', s.unreachable, 'unreachable', style),
    counter('failed', s.failed, 'error', style),
    counter('skipped', s.skipped, 'skip', style),
    counter('rescued', s.rescued, 'ok', style),
    counter('ignored', s.ignored, 'warn', style),
  ];
  return `${hostLabel(host, s, style)} : ${counters.join(' ')}`;
}

function hostLabel(host: string, s: HostStats, style: Style): string {
  const padding = ' '.repeat(Math.max(0, HOST_WIDTH - host.length));
  if (!style.enabled) return host + padding;
  const role: ColorRole = s.failed !== 0 || s.unreachable !== 0 ? 'error' : s.changed !== 0 ? 'changed' : 'ok';
  return style.paint(role, host) + padding;
}

function counter(name: string, value: number, role: ColorRole, style: Style): string {
  const text = `${name}=${String(value).padEnd(4)}`;
  return value !== 0 ? style.paint(role, text) : text;
}
