/**
 * timezone: the system clock's time zone and whether the hardware clock keeps UTC or local time,
 * as community.general.timezone does it on Linux. Where `timedatectl status` works (a systemd
 * host) it reads and sets both through timedatectl; elsewhere (Debian without systemd) it edits
 * /etc/timezone, points /etc/localtime at the zone file and runs `dpkg-reconfigure tzdata`, and for
 * hwclock edits UTC= in /etc/default/rcS and runs `hwclock --systohc`. One probe reads all of it.
 * Ansible's values, messages and dict diff ({name, hwclock} before/after). Not implemented: the
 * Red Hat/SUSE files (/etc/sysconfig/clock), BSD, macOS, SmartOS and AIX.
 */
import { defineModule } from '../runner/module.js';
import type { Action, Plan, Predicted } from '../runner/module.types.js';
import { sh } from '../runner/shell.js';
import { serializeDiffDict } from './_lib/attrs.js';
import { readLines } from './_lib/lines.js';
import { fieldLine, linkTargetLine, parseProbe, runProbe, textFileLine } from './_lib/probe.js';
import { timezoneDefinition, type TimezoneParams } from './timezone.params.js';

export type { TimezoneParams } from './timezone.params.js';

const ZONEINFO = '/usr/share/zoneinfo';
const TZ_FILE = '/etc/timezone';
const RCS_FILE = '/etc/default/rcS';

export interface TimezoneState {
  backend: 'timedatectl' | 'files';
  /** Paths of the tools, as Ansible's messages name them ('' when missing). */
  timedatectl: string;
  hwclockTool: string;
  dpkgReconfigure: string;
  /** /usr/share/zoneinfo/<name> is a file (Ansible's check before anything else). */
  zoneExists: boolean;
  /** The current values, as Ansible's get() reads them ('n/a' when unknown). */
  name?: string;
  hwclock?: string;
  /** files backend: the files edited, as they are (undefined: missing). */
  tzFile?: string;
  rcsFile?: string;
}

export function timezoneProbeScript(p: TimezoneParams): string {
  return [
    sh`n=${p.name ?? ''}`,
    `echo "timedatectl $(command -v timedatectl)"`,
    `echo "hwclock $(command -v hwclock)"`,
    `echo "dpkg-reconfigure $(command -v dpkg-reconfigure)"`,
    `if [ -n "$n" ] && [ -f "${ZONEINFO}/$n" ]; then echo zone yes; else echo zone no; fi`,
    // Ansible uses timedatectl only when `timedatectl` (its status) exits 0: not on a host without systemd running.
    `if command -v timedatectl >/dev/null 2>&1 && s=$(timedatectl status 2>/dev/null); then ${fieldLine('status', '"$s"')}`,
    `else`,
    `  ${textFileLine('tzfile', TZ_FILE)}`,
    `  ${textFileLine('rcs', RCS_FILE)}`,
    `  ${textFileLine('adjtime', '/etc/adjtime')}`,
    `  if [ -L /etc/localtime ]; then if [ -e /etc/localtime ]; then ${linkTargetLine('localtime.link', '/etc/localtime')}; else echo localtime broken; fi`,
    `  elif [ -n "$n" ] && cmp -s /etc/localtime "${ZONEINFO}/$n"; then echo localtime same; else echo localtime other; fi`,
    `fi`,
  ].join('\n');
}

/** Python's bool-ish strings (module.boolean) for RTC/UTC= values. */
const truthy = (v: string): boolean => ['yes', 'on', '1', 'true', 'y', 't'].includes(v.toLowerCase());

export function parseTimezoneProbe(out: Buffer, p: TimezoneParams): TimezoneState {
  const { fields } = parseProbe(out);
  const status = fields.get('status');
  const base = {
    timedatectl: fields.get('timedatectl') ?? '',
    hwclockTool: fields.get('hwclock') ?? '',
    dpkgReconfigure: fields.get('dpkg-reconfigure') ?? '',
    zoneExists: fields.get('zone') === 'yes',
  };
  if (status !== undefined) {
    const tz = /^\s*Time ?zone\s*:\s*(\S+)/m.exec(status)?.[1];
    const rtc = /^\s*RTC in local TZ\s*:\s*(\S+)/m.exec(status)?.[1];
    return { backend: 'timedatectl', ...base, ...(tz !== undefined ? { name: tz } : {}), ...(rtc !== undefined ? { hwclock: truthy(rtc) ? 'local' : 'UTC' } : {}) };
  }
  const tzFile = fields.get('tzfile');
  const rcsFile = fields.get('rcs');
  const state: TimezoneState = { backend: 'files', ...base, ...(tzFile !== undefined ? { tzFile } : {}), ...(rcsFile !== undefined ? { rcsFile } : {}) };
  if (p.name !== undefined) state.name = currentName(p.name, tzFile, fields);
  if (p.hwclock !== undefined) state.hwclock = currentHwclock(p.hwclock, rcsFile, fields.get('adjtime'));
  return state;
}

/**
 * Ansible's NosystemdTimezone.get('name'): /etc/timezone's first word; when that is the zone
 * asked for, /etc/localtime must agree (a link to that zone, or the same bytes as its file).
 */
function currentName(planned: string, tzFile: string | undefined, fields: Map<string, string>): string {
  const value = tzFile === undefined ? 'n/a' : (/^(\S+)/m.exec(tzFile)?.[1] ?? 'n/a');
  if (value !== planned) return value;
  const link = fields.get('localtime.link');
  if (link !== undefined) {
    const zone = /(?:\/(?:usr\/share|etc)\/zoneinfo\/)(.*)/.exec(link)?.[1];
    return zone === undefined ? 'n/a' : zone;
  }
  return fields.get('localtime') === 'same' ? value : 'n/a';
}

/** Ansible's get('hwclock') on Debian: UTC= in /etc/default/rcS, then /etc/adjtime when it agrees. */
function currentHwclock(planned: string, rcs: string | undefined, adjtime: string | undefined): string {
  const utc = rcs === undefined ? undefined : /^UTC\s*=\s*(\S+)/m.exec(rcs)?.[1];
  const value = utc === undefined ? 'n/a' : truthy(utc) ? 'UTC' : 'local';
  if (value !== planned) return value;
  const mode = adjtime === undefined ? undefined : /^(UTC|LOCAL)$/m.exec(adjtime)?.[1];
  return mode === undefined || mode === 'UTC' ? 'UTC' : 'local';
}

/**
 * Ansible's _edit_file: the first line matching `regexp` is replaced by `line`, the others that
 * match are removed (no match: `line` goes first). Returns the new text and how many were removed.
 */
export function editFirstMatch(text: string | undefined, regexp: RegExp, line: string): { text: string; removed: number } {
  const lines = readLines(text ?? '');
  const matched = lines.flatMap((l, i) => (regexp.test(l) ? [i] : []));
  const kept = lines.filter((_, i) => !matched.includes(i));
  kept.splice(matched[0] ?? 0, 0, line);
  return { text: kept.join(''), removed: matched.length };
}

export function planTimezone(p: TimezoneParams, s: TimezoneState): Plan {
  if (p.name !== undefined && !s.zoneExists) return { changed: false, actions: [], failed: `Error message:\ngiven timezone "${p.name}" is not available` };
  if (s.backend === 'files' && p.name !== undefined && !s.dpkgReconfigure) {
    return { changed: false, actions: [], failed: `timezone: without timedatectl only Debian's way is implemented, and ${TZ_FILE} needs dpkg-reconfigure (tzdata)` };
  }
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  const actions: Action[] = [];
  const msgs: string[] = [];
  // Ansible sets hwclock before name (its argument_spec's order), and its messages follow.
  if (p.hwclock !== undefined) {
    before.hwclock = s.hwclock;
    after.hwclock = p.hwclock;
    if (s.hwclock !== p.hwclock) {
      if (s.backend === 'timedatectl') {
        const arg = p.hwclock === 'local' ? 'yes' : 'no';
        actions.push({ kind: 'run', script: sh`timedatectl set-local-rtc ${arg}` });
        msgs.push(`executed \`${s.timedatectl} set-local-rtc ${arg}\``);
      } else {
        if (!s.hwclockTool) return { changed: false, actions: [], failed: 'Failed to find required executable "hwclock"' };
        const edit = editFirstMatch(s.rcsFile, /^UTC\s*=\s*(\S+)/m, `UTC=${p.hwclock === 'UTC' ? 'yes' : 'no'}\n`);
        actions.push({ kind: 'write', path: RCS_FILE, content: edit.text });
        msgs.push(`Added 1 line and deleted ${edit.removed} line(s) on ${RCS_FILE}`);
        const option = p.hwclock === 'local' ? '--localtime' : '--utc';
        actions.push({ kind: 'run', script: sh`hwclock --systohc ${option}` });
        msgs.push(`executed \`${s.hwclockTool} --systohc ${option}\``);
      }
    }
  }
  if (p.name !== undefined) {
    before.name = s.name;
    after.name = p.name;
    if (s.name !== p.name) {
      if (s.backend === 'timedatectl') {
        actions.push({ kind: 'run', script: sh`timedatectl set-timezone ${p.name}` });
        msgs.push(`executed \`${s.timedatectl} set-timezone ${p.name}\``);
      } else {
        const edit = editFirstMatch(s.tzFile, /^(\S+)/m, `${p.name}\n`);
        actions.push(
          { kind: 'write', path: TZ_FILE, content: edit.text },
          { kind: 'run', script: sh`ln -sf ${`${ZONEINFO}/${p.name}`} /etc/localtime` },
          { kind: 'run', script: 'DEBIAN_FRONTEND=noninteractive dpkg-reconfigure --frontend noninteractive tzdata' },
        );
        msgs.push(`Added 1 line and deleted ${edit.removed} line(s) on ${TZ_FILE}`);
      }
    }
  }
  const changed = actions.length > 0;
  const effects = Object.entries(after).map(([key, value]) => ({ kind: 'resource' as const, type: 'timezone', key, state: 'present' as const, attrs: { value } }));
  return {
    changed,
    actions,
    ...(changed ? { diffs: [{ before: serializeDiffDict(before), after: serializeDiffDict(after) }], summary: msgs.join('\n'), effects } : {}),
  };
}

/** Check mode: a zone or hwclock an earlier timezone task would set is the current one. */
export function overlayTimezone(s: TimezoneState, predicted: Predicted): TimezoneState {
  const name = predicted.resource('timezone', 'name');
  const hwclock = predicted.resource('timezone', 'hwclock');
  if (!name && !hwclock) return s;
  return {
    ...s,
    ...(name ? { name: String(name.attrs?.value) } : {}),
    ...(hwclock ? { hwclock: String(hwclock.attrs?.value) } : {}),
  };
}

export const timezone = defineModule<TimezoneParams, TimezoneState>({
  ...timezoneDefinition,
  async gather(p, probe) {
    const out = await runProbe(probe, timezoneProbeScript(p), 'the time zone');
    return parseTimezoneProbe(out.stdoutBytes, p);
  },
  plan: (p, s) => planTimezone(p, s),
  overlay: (s, predicted) => overlayTimezone(s, predicted),
});
