/**
 * What every podman resource module shares: the one-round-trip probe (sections of `podman ...
 * inspect` output), the rootless environment, unit parsing (sizes, durations) and the diff that
 * lists exactly the fields that differ.
 */
import type { Action, FileDiff, Plan, ResourceEffect } from '../../runner/module.types.js';
import { sh } from '../../runner/shell.js';

export { parseDuration, parseSize } from './syntax.js';

/**
 * Prepended to every probe and action: a rootless user reached through become (sudo/su) has no
 * XDG_RUNTIME_DIR, and podman then keeps its runtime state in /tmp instead of the directory
 * logind (lingering) made, so a later login session would not see the containers. `id -u` once.
 */
export const PODMAN_ENV = `hw_uid=$(id -u)
if [ "$hw_uid" != 0 ] && [ -z "\${XDG_RUNTIME_DIR:-}" ] && [ -d "/run/user/$hw_uid" ]; then XDG_RUNTIME_DIR=/run/user/$hw_uid; export XDG_RUNTIME_DIR; fi`;

/** A script that runs with the rootless environment set. */
export function podmanScript(body: string): string {
  return `${PODMAN_ENV}\n${body}`;
}

const SECTION = '::hw-section ';
const RC = '::hw-rc ';

/**
 * One probe section: a header line, the command's stdout, then its exit code. Sections are parsed
 * by `parseSections`; podman's JSON is indented, so no line of it starts with the marker.
 */
export function section(key: string, command: string): string {
  return `printf '%s\\n' ${sh`${SECTION + key}`}; ${command}; printf '${RC}%s\\n' "$?"`;
}

export interface Section {
  out: string;
  rc: number;
}

export function parseSections(stdout: string): Map<string, Section> {
  const sections = new Map<string, Section>();
  let key: string | undefined;
  let lines: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith(SECTION)) {
      key = line.slice(SECTION.length);
      lines = [];
    } else if (line.startsWith(RC) && key !== undefined) {
      sections.set(key, { out: lines.join('\n'), rc: Number(line.slice(RC.length)) });
      key = undefined;
    } else if (key !== undefined) lines.push(line);
  }
  return sections;
}

/** The first object of a `podman ... inspect` section, or undefined when the object does not exist. */
export function inspected<T>(sections: Map<string, Section>, key: string): T | undefined {
  const s = sections.get(key);
  if (!s) throw new Error(`podman probe output has no '${key}' section`);
  if (s.rc !== 0 || !s.out.trim()) return undefined;
  const parsed = JSON.parse(s.out) as T[] | T;
  return Array.isArray(parsed) ? parsed[0] : parsed;
}

/** The uid the probe ran as (`PODMAN_ENV` prints nothing; the probe adds this section). */
export const UID_SECTION = section('uid', 'echo "$hw_uid"');

export function parseUid(sections: Map<string, Section>): number {
  return Number(sections.get('uid')?.out.trim() ?? '0');
}

/** Nanoseconds as Go prints a duration, for diffs (`1m30s`, `500ms`, `0s`). */
export function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  if (ns % 1e9 !== 0) return `${ns / 1e6}ms`;
  let s = ns / 1e9;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}

/** Fields of a resource, as compared: only JSON-able values. */
export type Fields = Record<string, unknown>;

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The names of the fields whose values differ, in the order of `wanted`. */
export function differingFields(actual: Fields, wanted: Fields): string[] {
  return Object.keys(wanted).filter((k) => !same(actual[k], wanted[k]));
}

function renderFields(fields: Fields, keys: readonly string[]): string {
  return keys.map((k) => `${k}: ${JSON.stringify(fields[k] ?? null)}\n`).join('');
}

/**
 * The diff of one resource (`podman_container web`): only the fields that differ, each on its own
 * line; a resource created or removed shows `state` and, when created, every field.
 */
export function resourceDiff(kind: string, name: string, actual: Fields | undefined, wanted: Fields | undefined, keys?: readonly string[]): FileDiff {
  const header = `${kind} ${name}`;
  const present = (f: Fields | undefined, shown: readonly string[]) => (f ? `state: "present"\n${renderFields(f, shown)}` : 'state: "absent"\n');
  if (!actual || !wanted) {
    return {
      before: actual ? 'state: "present"\n' : 'state: "absent"\n',
      after: present(wanted, wanted ? Object.keys(wanted) : []),
      before_header: header,
      after_header: header,
    };
  }
  const shown = keys ?? differingFields(actual, wanted);
  return { before: renderFields(actual, shown), after: renderFields(wanted, shown), before_header: header, after_header: header };
}

/** What a podman plan leaves on the host, for later tasks of a check run (runner/predict.ts). */
export function podmanEffect(type: 'podman_image' | 'podman_network' | 'podman_volume' | 'podman_pod' | 'podman_container', key: string, present: boolean, attrs?: Record<string, unknown>): ResourceEffect {
  return { kind: 'resource', type, key, state: present ? 'present' : 'absent', ...(attrs ? { attrs } : {}) };
}

/** Labels as `key=value` words for --label, sorted for a stable command line. */
export function labelArgs(labels: Record<string, string> | undefined): string[] {
  return Object.entries(labels ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([k, v]) => ['--label', `${k}=${v}`]);
}

/** An object's string values (labels, options): podman prints null for none. */
export function stringMap(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

export function sortedObject(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The plan of a resource podman cannot change in place (a network, a volume): absent removes it,
 * a missing one is created, and one whose fields differ from the wanted ones is removed and
 * created again; the diff names exactly those fields.
 */
export function planRecreatable(
  noun: 'network' | 'volume',
  p: { name: string; state?: 'present' | 'absent' },
  actual: Fields | undefined,
  wanted: () => Fields,
  createCommand: () => string,
): Plan {
  const kind = `podman_${noun}` as const;
  const run = (script: string): Action => ({ kind: 'run', script: podmanScript(script) });
  const remove = run(sh`podman ${noun} rm -- ${p.name} >/dev/null`);
  if (p.state === 'absent') {
    if (!actual) return { changed: false, actions: [] };
    return { changed: true, actions: [remove], diffs: [resourceDiff(kind, p.name, {}, undefined)], summary: `removed ${noun} ${p.name}`, effects: [podmanEffect(kind, p.name, false)] };
  }
  const want = wanted();
  if (!actual) {
    return { changed: true, actions: [run(createCommand())], diffs: [resourceDiff(kind, p.name, undefined, want)], summary: `created ${noun} ${p.name}`, effects: [podmanEffect(kind, p.name, true)] };
  }
  const differs = differingFields(actual, want);
  if (differs.length === 0) return { changed: false, actions: [] };
  return {
    changed: true,
    actions: [remove, run(createCommand())],
    diffs: [resourceDiff(kind, p.name, actual, want, differs)],
    summary: `recreated ${noun} ${p.name} (${differs.join(', ')} differ)`,
    effects: [podmanEffect(kind, p.name, true)],
  };
}
