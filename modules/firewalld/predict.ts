/**
 * firewalld in a check run: a plan's effects are the zones it leaves (one `resource` per zone and
 * configuration, its settings as attrs) and firewalld's own settings; `overlayFirewalld` shows a
 * later task the firewall as those plans leave it, and a firewalld that an earlier task starts
 * (its `service` effect) as running with its permanent configuration loaded. A firewalld that an
 * earlier task installs (apt's package effect) has the configuration its package ships: the zone
 * files of /usr/lib/firewalld/zones and /etc/firewalld/zones and firewalld.conf, as apt's check
 * predicts them from the .deb (modules/packages/apt-contents.ts). Where those are not all known
 * (another package manager, a directory that was already there), the task depends on the install.
 */
import type { Effect, Predicted } from '../../runner/module.types.js';
import { emptyState, readPermanent, type FirewalldState } from './probe.js';
import { sameZone, type ZoneSettings } from './zone.js';

export const PERMANENT_ZONE = 'firewalld_zone_permanent';
export const RUNTIME_ZONE = 'firewalld_zone_runtime';
export const SETTINGS = 'firewalld_settings';

type Zones = Record<string, ZoneSettings>;

/** A resource effect for every zone `after` holds differently from `before` (absent when removed). */
export function zoneEffects(type: string, before: Zones, after: Zones): Effect[] {
  const effects: Effect[] = [];
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = after[name];
    const b = before[name];
    if (a && b && sameZone(a, b)) continue;
    effects.push(a ? { kind: 'resource', type, key: name, state: 'present', attrs: { settings: a } } : { kind: 'resource', type, key: name, state: 'absent' });
  }
  return effects;
}

export interface SettingsAfter {
  defaultZone: string;
  permanentDefaultZone: string;
  logDenied: string;
  conf: string;
}

export function settingsEffect(after: SettingsAfter): Effect {
  return { kind: 'resource', type: SETTINGS, key: 'firewalld', state: 'present', attrs: { ...after } };
}

function overlayZones(type: string, zones: Zones, names: Iterable<string>, predicted: Predicted): Zones {
  const out: Zones = { ...zones };
  for (const name of new Set(names)) {
    const p = predicted.resource(type, name);
    if (!p) continue;
    if (p.state === 'absent') delete out[name];
    else out[name] = p.attrs!.settings as ZoneSettings;
  }
  return out;
}

const ZONE_DIRS = ['/usr/lib/firewalld/zones', '/etc/firewalld/zones'];
const FILES = ['/usr/lib/firewalld/services/ssh.xml', '/etc/firewalld/services/ssh.xml', '/etc/firewalld/firewalld.conf'];

/** The configuration files a new firewalld gets (path → text as the probe's grep reads it), when all are predicted. */
function installedFiles(predicted: Predicted): Map<string, string> | undefined {
  const files = new Map<string, string>();
  const read = (path: string): boolean => {
    const p = predicted.path(path);
    if (p?.state === 'absent') return true;
    if (p?.state !== 'file' || !('content' in p) || p.content === undefined) return false;
    const text = p.content.toString();
    files.set(path, text === '' || text.endsWith('\n') ? text : `${text}\n`);
    return true;
  };
  for (const dir of ZONE_DIRS) {
    const names = predicted.entries(dir);
    if (names === undefined || !names.filter((n) => n.endsWith('.xml')).every((n) => read(`${dir}/${n}`))) return undefined;
  }
  return FILES.every(read) ? files : undefined;
}

/** firewalld as an earlier task's install leaves it: its shipped configuration, not running (yet). */
function installed(s: FirewalldState, predicted: Predicted, by: string): FirewalldState {
  const files = installedFiles(predicted);
  if (!files) return predicted.unpredictable(by, "firewalld's configuration once it is installed");
  const offline = predicted.path('/usr/bin/firewall-offline-cmd');
  const out: FirewalldState = { ...emptyState(true, offline !== undefined && offline.state !== 'absent', false), ...(s.ssh ? { ssh: s.ssh } : {}) };
  readPermanent(out, files);
  return out;
}

export function overlayFirewalld(observed: FirewalldState, predicted: Predicted, zone: string | undefined): FirewalldState {
  const pkg = predicted.package('firewalld');
  const s = !observed.installed && pkg?.state === 'present' ? installed(observed, predicted, pkg.by) : observed;
  const out: FirewalldState = { ...s };
  const svc = predicted.service('firewalld');
  if (svc?.running === true && !s.running) {
    // A starting firewalld loads the permanent configuration.
    out.running = true;
    out.runtime = { ...s.permanent };
    out.runtimeZones = Object.keys(s.permanent);
    out.defaultZone = s.permanentDefaultZone;
  } else if (svc?.running === false && s.running) {
    out.running = false;
    out.runtime = {};
    out.runtimeZones = [];
  }
  const settings = predicted.resource(SETTINGS, 'firewalld')?.attrs as SettingsAfter | undefined;
  if (settings) {
    out.permanentDefaultZone = settings.permanentDefaultZone;
    out.conf = settings.conf;
    out.logDenied = settings.logDenied;
    if (out.running) out.defaultZone = settings.defaultZone;
    else out.defaultZone = settings.permanentDefaultZone;
  }
  const extra = zone === undefined ? [] : [zone];
  out.permanent = overlayZones(PERMANENT_ZONE, out.permanent, [...Object.keys(out.permanent), ...extra], predicted);
  if (out.running) {
    out.runtime = overlayZones(RUNTIME_ZONE, out.runtime, [...Object.keys(out.runtime), ...out.runtimeZones, ...extra], predicted);
    out.runtimeZones = [...new Set([...out.runtimeZones.filter((n) => predicted.resource(RUNTIME_ZONE, n)?.state !== 'absent'), ...Object.keys(out.runtime)])];
  }
  return out;
}
