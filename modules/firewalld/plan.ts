/**
 * The plan of a firewalld task: the zone settings it wants in each configuration it touches
 * (permanent and/or runtime), the firewall-cmd (or firewall-offline-cmd) commands that get there,
 * one diff per zone and configuration that changes, and the lockout guard's verdict. Pure.
 */
import type { Action, FileDiff, Plan } from '../../runner/module.types.js';
import { sh } from '../../runner/shell.js';
import { lockoutReason } from './lockout.js';
import { PERMANENT_ZONE, RUNTIME_ZONE, zoneEffects } from './predict.js';
import { settingOf, type FirewalldParams } from './params.js';
import type { FirewalldState } from './probe.js';
import { normalizeRichRule } from './rich-rule.js';
import { emptyZone, forwardPortText, sameZone, zoneText, type FlagKind, type ListKind, type ZoneSettings } from './zone.js';

type Layer = 'permanent' | 'runtime';
type Zones = Record<string, ZoneSettings>;

/** How a setting parameter maps onto the zone and onto firewall-cmd's options. */
type Change =
  | { kind: 'list'; list: ListKind; item: string; option: string; present: boolean; label: string }
  | { kind: 'flag'; flag: FlagKind; value: boolean; option: string; label: string }
  | { kind: 'target'; value: string; label: string };

const LIST_OPTIONS: Partial<Record<ReturnType<typeof settingOf> & string, { list: ListKind; option: string }>> = {
  service: { list: 'services', option: 'service' },
  port: { list: 'ports', option: 'port' },
  protocol: { list: 'protocols', option: 'protocol' },
  source: { list: 'sources', option: 'source' },
  interface: { list: 'interfaces', option: 'interface' },
  rich_rule: { list: 'rich_rules', option: 'rich-rule' },
  icmp_block: { list: 'icmp_blocks', option: 'icmp-block' },
  port_forward: { list: 'forward_ports', option: 'forward-port' },
};

function changeOf(p: FirewalldParams): Change | undefined {
  const setting = settingOf(p);
  if (setting === undefined) return undefined;
  const enabled = p.state === 'enabled' || p.state === 'present';
  if (setting === 'target') return { kind: 'target', value: enabled ? p.target! : 'default', label: `target ${p.target}` };
  if (setting === 'masquerade' || setting === 'icmp_block_inversion') {
    const value = p[setting]!;
    return { kind: 'flag', flag: setting, value: enabled === value, option: setting.replace(/_/g, '-'), label: `${setting} ${value}` };
  }
  const { list, option } = LIST_OPTIONS[setting]!;
  let item: string;
  if (setting === 'port_forward') {
    const f = p.port_forward![0]!;
    item = forwardPortText(String(f.port), f.proto, String(f.toport), f.toaddr ?? '');
  } else if (setting === 'rich_rule') item = normalizeRichRule(p.rich_rule!);
  else item = String(p[setting]);
  return { kind: 'list', list, item, option, present: enabled, label: `${setting} ${item}` };
}

/** The zones of one configuration after the change (interfaces and sources move between zones). */
function applyChange(zones: Zones, zone: string, c: Change): Zones {
  const out: Zones = Object.fromEntries(Object.entries(zones).map(([n, z]) => [n, structuredClone(z)]));
  const z = out[zone]!;
  if (c.kind === 'target') z.target = c.value;
  else if (c.kind === 'flag') z[c.flag] = c.value;
  else if (c.present) {
    if (!z[c.list].includes(c.item)) z[c.list].push(c.item);
    if (c.list === 'interfaces' || c.list === 'sources') {
      for (const [n, other] of Object.entries(out)) if (n !== zone) other[c.list] = other[c.list].filter((i) => i !== c.item);
    }
  } else z[c.list] = z[c.list].filter((i) => i !== c.item);
  return out;
}

/** firewall-cmd/firewall-offline-cmd arguments that turn `before` into `after` for one zone. */
function changeArgs(c: Change, zone: string, before: ZoneSettings, after: ZoneSettings, layer: Layer, timeout: number): string[][] {
  const z = `--zone=${zone}`;
  if (c.kind === 'target') return before.target === after.target ? [] : [[z, `--set-target=${c.value}`]];
  if (c.kind === 'flag') return before[c.flag] === after[c.flag] ? [] : [[z, `--${c.value ? 'add' : 'remove'}-${c.option}`]];
  const had = before[c.list].includes(c.item);
  if (had === c.present) return [];
  if (!c.present) return [[z, `--remove-${c.option}=${c.item}`]];
  const moves = c.list === 'interfaces' || c.list === 'sources';
  const verb = moves ? 'change' : 'add';
  return [[z, `--${verb}-${c.option}=${c.item}`, ...(layer === 'runtime' && timeout > 0 ? [`--timeout=${timeout}s`] : [])]];
}

const layerMessage = (permanent: boolean, immediate: boolean): string =>
  permanent && immediate ? 'Permanent and Non-Permanent(immediate) operation' : permanent ? 'Permanent operation' : 'Non-permanent operation';

function zoneDiffs(layer: Layer, before: Zones, after: Zones): FileDiff[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const diffs: FileDiff[] = [];
  for (const n of names) {
    const b = before[n];
    const a = after[n];
    if (b && a && sameZone(b, a)) continue;
    diffs.push({
      before: b ? zoneText(n, b) : '',
      after: a ? zoneText(n, a) : '',
      before_header: `zone ${n} (${layer})`,
      after_header: `zone ${n} (${layer})`,
    });
  }
  return diffs;
}

export function planFirewalld(p: FirewalldParams, s: FirewalldState): Plan {
  const fail = (msg: string): Plan => ({ changed: false, actions: [], failed: msg });
  if (!s.installed) return fail('firewalld is not installed on this host (neither firewall-cmd nor firewall-offline-cmd was found)');
  if (s.problem) return fail(s.problem);
  const permanent = p.permanent ?? false;
  const immediate = (p.immediate ?? false) || !permanent;
  if (!s.running) {
    if (p.offline === false) return fail('firewalld service must be running, or try with offline=true');
    if (immediate) return fail('firewall is not currently running, unable to perform immediate actions without a running firewall daemon');
    if (!s.hasOfflineCmd) return fail('firewalld is not running and firewall-offline-cmd is not installed');
  }
  const zone = p.zone ?? s.defaultZone;
  const backend = s.running ? 'firewall-cmd' : 'firewall-offline-cmd';
  const permanentCmd = (args: string[]): string => (s.running ? sh`firewall-cmd --permanent ${args}` : sh`firewall-offline-cmd ${args}`);
  const runtimeCmd = (args: string[]): string => sh`firewall-cmd ${args}`;
  const msgs = [layerMessage(permanent, immediate)];
  const actions: Action[] = [];
  const change = changeOf(p);

  let permAfter: Zones = s.permanent;
  let permDefault = s.permanentDefaultZone;
  if (change === undefined) {
    // A zone itself: present or absent, in the permanent configuration.
    const exists = zone in s.permanent;
    if (p.state === 'present' && !exists) {
      actions.push({ kind: 'run', script: permanentCmd([`--new-zone=${zone}`]) });
      permAfter = { ...s.permanent, [zone]: emptyZone() };
      msgs.push(`Added zone ${zone}`, `Changed zone ${zone} to present`);
    } else if (p.state === 'absent' && exists) {
      if (s.builtinZones.includes(zone)) return fail(`zone '${zone}' is one of firewalld's built-in zones and cannot be removed`);
      actions.push({ kind: 'run', script: permanentCmd([`--delete-zone=${zone}`]) });
      permAfter = Object.fromEntries(Object.entries(s.permanent).filter(([n]) => n !== zone));
      if (permDefault === zone) permDefault = 'public';
      msgs.push(`Removed zone ${zone}`, `Changed zone ${zone} to absent`);
    }
  } else {
    if (!(zone in s.permanent) && (permanent || !s.running)) return fail(`zone '${zone}' does not exist (create it first with state: present)`);
    if (permanent) {
      permAfter = applyChange(s.permanent, zone, change);
      for (const args of changeArgs(change, zone, s.permanent[zone]!, permAfter[zone]!, 'permanent', 0)) actions.push({ kind: 'run', script: permanentCmd(args) });
    }
  }

  // The runtime: changed directly, or reloaded from the permanent configuration when the zone is
  // not loaded yet or the setting (a new zone, a target) only takes effect on a reload.
  let runtimeAfter: Zones = s.runtime;
  let runtimeDefault = s.defaultZone;
  /** What the guard judges the runtime by: after a reload, the whole permanent configuration. */
  let runtimeForGuard: Zones = s.runtime;
  if (immediate && s.running) {
    const loaded = zone in s.runtime;
    const reload =
      change === undefined ? (p.state === 'present') !== s.runtimeZones.includes(zone)
      : change.kind === 'target' ? !loaded || s.runtime[zone]!.target !== change.value
      : !loaded;
    if (reload) {
      if (!permanent) return fail(`zone '${zone}' exists only in the permanent configuration: make this task permanent, or reload firewalld first`);
      actions.push({ kind: 'run', script: runtimeCmd(['--reload']) });
      const shown = new Set([...Object.keys(s.runtime), zone]);
      runtimeAfter = Object.fromEntries([...shown].filter((n) => n in permAfter).map((n) => [n, permAfter[n]!]));
      runtimeForGuard = permAfter;
      runtimeDefault = permDefault;
      msgs.push('reloaded firewalld to load the permanent configuration into the runtime');
    } else if (change !== undefined && change.kind !== 'target') {
      runtimeAfter = applyChange(s.runtime, zone, change);
      runtimeForGuard = runtimeAfter;
      for (const args of changeArgs(change, zone, s.runtime[zone]!, runtimeAfter[zone]!, 'runtime', p.timeout ?? 0)) actions.push({ kind: 'run', script: runtimeCmd(args) });
    }
  }

  const diffs = [...zoneDiffs('permanent', s.permanent, permAfter), ...zoneDiffs('runtime', s.runtime, runtimeAfter)];
  if (s.ssh && !p.allow_ssh_lockout && actions.length > 0) {
    const reason =
      lockoutReason('permanent', { zones: s.permanent, defaultZone: s.permanentDefaultZone }, { zones: permAfter, defaultZone: permDefault }, s.ssh, s.sshServicePorts) ??
      (s.running ? lockoutReason('runtime', { zones: s.runtime, defaultZone: s.defaultZone }, { zones: runtimeForGuard, defaultZone: runtimeDefault }, s.ssh, s.sshServicePorts) : undefined);
    if (reason) return { ...fail(`refused: ${reason}`), diffs };
  }
  if (change && actions.length > 0) msgs.push(`Changed ${change.label} to ${p.state}`);
  if (!s.running) msgs.push('(offline operation: only on-disk configs were altered)');
  return {
    changed: actions.length > 0,
    actions,
    diffs,
    summary: msgs.join(', '),
    result: { zone, backend },
    effects: [
      ...zoneEffects(PERMANENT_ZONE, s.permanent, permAfter),
      ...(s.running ? zoneEffects(RUNTIME_ZONE, s.runtime, runtimeForGuard) : []),
    ],
  };
}
