/**
 * sysctl: a kernel parameter in a sysctl file (and, with `sysctl_set`, in the running kernel), as
 * ansible.posix.sysctl does it: the file is rewritten only when the key's value there differs (every
 * `key = value` line then normalised to `key=value`, a repeated key kept once); `reload` runs
 * `sysctl -p <file>` after any change, and a file already right still changes when the running
 * value differs and reload is on. One probe reads the file and `sysctl -e -n <name>`.
 * Beware in containers: a key no namespace holds (vm.*, fs.*, most kernel.*) is the whole
 * machine's; a lab's plain host can write those, a systemd-nspawn host only net.* (see LAB-NOTES).
 */
import path from 'node:path';
import { defineModule } from '../runner/module.js';
import type { Action, Plan, Predicted } from '../runner/module.types.js';
import { sh } from '../runner/shell.js';
import { parseTarget, planWrite, targetScript, type TargetGathered } from './_lib/target.js';
import { overlayGathered } from './_lib/predicted.js';
import { fieldLine, parseProbe, runProbe } from './_lib/probe.js';
import { sysctlDefinition, type SysctlParams, sysctlValue } from './sysctl.params.js';
export { sysctlValue } from './sysctl.params.js';

export type { SysctlParams } from './sysctl.params.js';

export interface SysctlState extends TargetGathered {
  /** `sysctl -e -n <name>` output, undefined when sysctl failed (Ansible's proc_value None). */
  proc?: string;
}

export function sysctlProbeScript(p: SysctlParams): string {
  // LC_ALL=C as Ansible's: its stderr checks read sysctl's English messages.
  return sh`if v=$(LC_ALL=C sysctl -e -n -- ${p.name.trim()} 2>/dev/null && printf x); then ` + `${fieldLine('proc', '"${v%x}"')}; fi\n`;
}

/** Ansible's _values_is_equal: the same whitespace-separated words. */
const sameValue = (a: string, b: string): boolean => a.split(/\s+/).filter(Boolean).join(' ') === b.split(/\s+/).filter(Boolean).join(' ');

/** Ansible's read_sysctl_file: every `k=v` line's value (the last of a repeated key). */
function fileValues(lines: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of lines) {
    if (!line || line.startsWith('#') || line.startsWith(';') || !line.includes('=')) continue;
    const at = line.indexOf('=');
    values.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return values;
}

/** Ansible's fix_lines: the key set or dropped, every other `k=v` normalised, a repeated key kept once. */
function fixLines(lines: readonly string[], name: string, value: string, present: boolean): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const line of lines) {
    if (!line || line.startsWith('#') || line.startsWith(';') || !line.includes('=')) {
      out.push(line);
      continue;
    }
    const at = line.indexOf('=');
    const k = line.slice(0, at).trim();
    if (seen.has(k)) continue;
    seen.add(k);
    if (k !== name) out.push(`${k}=${line.slice(at + 1).trim()}`);
    else if (present) out.push(`${k}=${value}`);
  }
  if (!seen.has(name) && present) out.push(`${name}=${value}`);
  return out;
}

/** Python's `str.strip()` on each line of readlines(). */
const strippedLines = (text: string): string[] => (text === '' ? [] : text.replace(/\n$/, '').split('\n').map((l) => l.trim()));

/** Fails like sysctl's own errors that Ansible checks on stderr (sysctl can exit 0 after them). */
function sysctlRun(args: string, describe: string): Action {
  return {
    kind: 'run',
    script: `o=$(LC_ALL=C ${args} 2>&1); r=$?\nif [ $r != 0 ] || printf '%s\\n' "$o" | grep -Eq '^sysctl: setting key "[^"]+": (Invalid argument|Read-only file system)$'; then printf '%s\\n' "$o" >&2; exit 1; fi`,
    describe,
  };
}

export function planSysctl(p: SysctlParams, s: SysctlState): Plan {
  if (s.problem || !s.target) return { changed: false, actions: [], failed: s.problem ?? 'no state' };
  const t = s.target;
  const name = p.name.trim();
  const value = sysctlValue(p.value);
  const present = (p.state ?? 'present') === 'present';
  const file = p.sysctl_file ?? '/etc/sysctl.conf';
  if (t.info && t.info.type !== 'file') return { changed: false, actions: [], failed: `${file} is not a regular file` };
  const text = t.info ? (t.content ?? Buffer.alloc(0)).toString('utf8') : '';
  const lines = strippedLines(text);
  const inFile = fileValues(lines).get(name);

  let changed = false;
  let writeFile = false;
  let setProc = false;
  if (inFile === undefined) {
    changed = writeFile = present;
  } else if (!present) {
    // Ansible: a key whose value in the file is empty counts as not there.
    changed = writeFile = inFile !== '';
  } else if (inFile !== value) {
    changed = writeFile = true;
  } else if (p.reload !== false) {
    changed = s.proc === undefined || !sameValue(s.proc, value);
  }
  if (p.sysctl_set && present) {
    if (s.proc === undefined) changed = true;
    else if (!sameValue(s.proc, value)) changed = setProc = true;
  }

  const actions: Action[] = [];
  // -e: unknown keys are not errors (ignoreerrors).
  const sysctlCmd = p.ignoreerrors ? 'sysctl -e' : 'sysctl';
  if (setProc) actions.push(sysctlRun(`${sysctlCmd} -w ${sh`${`${name}=${value}`}`}`, `setting ${name}`));
  let diffs: Plan['diffs'];
  let effects: Plan['effects'] = [];
  if (writeFile) {
    if (!t.parentExists) return { changed: false, actions: [], failed: `Destination directory ${path.posix.dirname(t.path)} does not exist` };
    const after = fixLines(lines, name, value, present).map((l) => `${l.trim()}\n`).join('');
    const w = planWrite(t, { content: Buffer.from(after), secret: false, beforeHeader: file, afterHeader: file });
    if (w.failed) return { changed: false, actions: [], failed: w.failed };
    actions.push(...w.actions);
    if (w.diff) diffs = [w.diff];
    effects = w.effects ?? [];
  }
  if (changed && p.reload !== false) actions.push(sysctlRun(`${sysctlCmd} -p ${sh`${file}`}`, `reloading ${file}`));
  // The running value afterwards: what sysctl -w or -p sets (only when one of them runs).
  if (changed && present && (setProc || p.reload !== false)) effects.push({ kind: 'resource', type: 'sysctl', key: name, state: 'present', attrs: { value } });
  return { changed, actions, ...(diffs ? { diffs } : {}), ...(changed ? { effects } : {}) };
}

/** Check mode: the file as earlier tasks would leave it, and a running value an earlier sysctl task would set. */
export function overlaySysctl(s: SysctlState, predicted: Predicted, p: SysctlParams): SysctlState {
  const next = overlayGathered(s, predicted, { path: p.sysctl_file ?? '/etc/sysctl.conf', followLink: true }, {});
  const running = predicted.resource('sysctl', p.name.trim());
  return running ? { ...next, proc: String(running.attrs?.value) } : next;
}

export const sysctl = defineModule<SysctlParams, SysctlState>({
  ...sysctlDefinition,
  async gather(p, probe) {
    const file = p.sysctl_file ?? '/etc/sysctl.conf';
    // One round trip: the running value, then the file (its content comes last in the output).
    const out = await runProbe(probe, sysctlProbeScript(p) + targetScript({ path: file, followLink: true, fullContent: true }), file);
    const proc = parseProbe(out.stdoutBytes).fields.get('proc');
    return { target: parseTarget(out.stdoutBytes, {}), ...(proc !== undefined ? { proc } : {}) };
  },
  plan: (p, s) => planSysctl(p, s),
  overlay: overlaySysctl,
});
