/**
 * One round trip observes firewalld: whether the daemon answers on D-Bus (then its default zone,
 * LogDenied and the runtime settings of the zones that matter: the task's, the default one and
 * the active ones), the permanent configuration straight from the zone files and firewalld.conf
 * (what the daemon loads, and all there is when it is not running), and the SSH connection this
 * run came in on, for the lockout guard. dbus-send and one grep instead of firewall-cmd, which is a
 * Python start-up per call.
 */
import type { Probe } from '../../runner/module.types.js';
import { quote } from '../../runner/shell.js';
import { parseXml, XmlError } from '../_lib/xml.js';
import { DbusParseError, parseDbusReply } from './dbus.js';
import { parseSshPath, SSH_PATH_PROBE, type SshPath } from '../_lib/ssh-path.js';
import { RichRuleError } from './rich-rule.js';
import { zoneFromDbus, zoneFromXml, type ZoneSettings } from './zone.js';

export interface FirewalldState {
  /** firewall-cmd or firewall-offline-cmd exists. */
  installed: boolean;
  hasOfflineCmd: boolean;
  /** The daemon answered on D-Bus. */
  running: boolean;
  /** Runtime default zone when running, else firewalld.conf's (firewalld's own default: public). */
  defaultZone: string;
  /** firewalld.conf's default zone (what the permanent configuration starts with). */
  permanentDefaultZone: string;
  /** Runtime value when running, else firewalld.conf's. */
  logDenied: string;
  /** Runtime settings by zone (running only; only the zones the probe asked for). */
  runtime: Record<string, ZoneSettings>;
  /** Zones the daemon knows (running only). */
  runtimeZones: string[];
  /** Zones firewalld ships (/usr/lib/firewalld/zones): they cannot be deleted. */
  builtinZones: string[];
  /** Permanent settings of every zone (zone files, /etc over /usr/lib). */
  permanent: Record<string, ZoneSettings>;
  /** firewalld.conf's text ('' when absent). */
  conf: string;
  /** Ports the ssh service opens (from its service file; 22/tcp when unreadable). */
  sshServicePorts: string[];
  /** The connection this run uses, as the host sees it (absent for a local run). */
  ssh?: SshPath;
  /** Something the probe could not read, with the reason. */
  problem?: string;
}

const DBUS = 'dbus-send --system --print-reply --dest=org.fedoraproject.FirewallD1 /org/fedoraproject/FirewallD1 org.fedoraproject.FirewallD1';
const FILES = '/usr/lib/firewalld/zones/*.xml /etc/firewalld/zones/*.xml /usr/lib/firewalld/services/ssh.xml /etc/firewalld/services/ssh.xml /etc/firewalld/firewalld.conf';

/** The probe; `zone` (the task's, when it names one) is read at runtime besides default and active zones. */
export function firewalldProbeScript(zone: string | undefined): string {
  return [
    // Not installed: the SSH connection is still read, for a check run that plans against a
    // firewalld an earlier task installs (predict.ts).
    'if ! command -v firewall-cmd >/dev/null 2>&1 && ! command -v firewall-offline-cmd >/dev/null 2>&1; then echo @@missing; else',
    'if command -v firewall-offline-cmd >/dev/null 2>&1; then echo @@offline-cmd; fi',
    `if command -v dbus-send >/dev/null 2>&1 && dz=$(${DBUS}.getDefaultZone 2>/dev/null); then`,
    '  echo @@running; echo @@default; echo "$dz"',
    `  echo @@logdenied; ${DBUS}.getLogDenied`,
    `  echo @@zones; ${DBUS}.zone.getZones`,
    `  a=$(${DBUS}.zone.getActiveZones); echo @@active; echo "$a"`,
    // Zone names in getActiveZones' reply are the strings at the first dict level.
    `  seen=' '; for z in ${zone === undefined ? '' : quote(zone)} $(printf '%s\\n' "$dz" | sed -n 's/^ *string "\\(.*\\)"$/\\1/p') $(printf '%s\\n' "$a" | sed -n 's/^         string "\\(.*\\)"$/\\1/p'); do`,
    `    case $seen in *" $z "*) continue ;; esac; seen="$seen$z "`,
    `    echo "@@runtime $z"; ${DBUS}.zone.getZoneSettings2 "string:$z" 2>&1 || echo @@no-such-zone`,
    '  done',
    'fi',
    `echo @@files; grep -H '' -- ${FILES} 2>/dev/null`,
    'fi',
    SSH_PATH_PROBE,
  ].join('\n');
}

interface Sections {
  flags: Set<string>;
  blocks: Map<string, string>;
  runtime: Map<string, string>;
  ssh: string;
}

function sections(out: string): Sections {
  const s: Sections = { flags: new Set(), blocks: new Map(), runtime: new Map(), ssh: '' };
  let current: { map: Map<string, string>; key: string } | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith('@@')) {
      const [word, ...rest] = line.slice(2).split(' ');
      const arg = rest.join(' ');
      if (word === 'runtime') current = { map: s.runtime, key: arg };
      else if (word === 'ssh') (s.ssh = arg.trim()), (current = undefined);
      else if (['default', 'logdenied', 'zones', 'active', 'files', 'addr'].includes(word!)) current = { map: s.blocks, key: word! };
      else if (word === 'no-such-zone' && current) current.map.set(current.key, '@@no-such-zone');
      else s.flags.add(word!);
      if (current && !current.map.has(current.key)) current.map.set(current.key, '');
      continue;
    }
    if (current && current.map.get(current.key) !== '@@no-such-zone') current.map.set(current.key, current.map.get(current.key) + line + '\n');
  }
  return s;
}

/** `grep -H '' files` output → file path → text. */
function filesByPath(text: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const path = line.slice(0, colon);
    files.set(path, (files.get(path) ?? '') + line.slice(colon + 1) + '\n');
  }
  return files;
}

function confValue(conf: string, key: string): string | undefined {
  const m = new RegExp(`^\\s*${key}\\s*=\\s*(.*?)\\s*$`, 'm').exec(conf);
  return m?.[1];
}

/** firewalld's own defaults, before its configuration is read. */
export function emptyState(installed: boolean, hasOfflineCmd: boolean, running: boolean): FirewalldState {
  return {
    installed,
    hasOfflineCmd,
    running,
    defaultZone: 'public',
    permanentDefaultZone: 'public',
    logDenied: 'off',
    runtime: {},
    runtimeZones: [],
    builtinZones: [],
    permanent: {},
    conf: '',
    sshServicePorts: ['22/tcp'],
  };
}

export function parseFirewalldProbe(out: string): FirewalldState {
  const s = sections(out);
  const installed = !s.flags.has('missing');
  const running = s.flags.has('running');
  const files = filesByPath(s.blocks.get('files') ?? '');
  const state = emptyState(installed, s.flags.has('offline-cmd'), running);
  const path = parseSshPath(s.ssh, s.blocks.get('addr') ?? '');
  if (path) state.ssh = path;
  if (!installed) return state;
  readPermanent(state, files);
  if (state.problem) return state;
  try {
    if (running) {
      const one = (key: string): string => String(parseDbusReply(s.blocks.get(key) ?? '')[0] ?? '');
      state.defaultZone = one('default');
      state.logDenied = one('logdenied');
      const zones = parseDbusReply(s.blocks.get('zones') ?? '')[0];
      state.runtimeZones = Array.isArray(zones) ? zones.map(String) : [];
      for (const [zone, text] of s.runtime) {
        if (text === '@@no-such-zone') continue;
        const d = parseDbusReply(text)[0];
        if (d && typeof d === 'object' && !Array.isArray(d)) state.runtime[zone] = zoneFromDbus(d);
      }
    }
  } catch (e) {
    if (e instanceof XmlError || e instanceof DbusParseError || e instanceof RichRuleError) state.problem = `could not read firewalld's configuration: ${e.message}`;
    else throw e;
  }
  return state;
}

/**
 * The permanent configuration from its files (path → text: zone files of /usr/lib/firewalld/zones
 * and /etc/firewalld/zones, the ssh service's file, firewalld.conf) into `state`; a file that
 * does not parse is the state's `problem`.
 */
export function readPermanent(state: FirewalldState, files: ReadonlyMap<string, string>): void {
  const conf = files.get('/etc/firewalld/firewalld.conf') ?? '';
  state.conf = conf;
  state.permanentDefaultZone = confValue(conf, 'DefaultZone') || 'public';
  if (!state.running) {
    state.defaultZone = state.permanentDefaultZone;
    state.logDenied = confValue(conf, 'LogDenied') || 'off';
  }
  try {
    const zoneFiles = [...files.keys()].filter((f) => f.endsWith('.xml') && f.includes('/zones/'));
    // /etc/firewalld/zones overrides /usr/lib/firewalld/zones: read /usr/lib first.
    zoneFiles.sort((a, b) => Number(a.startsWith('/etc/')) - Number(b.startsWith('/etc/')));
    state.builtinZones = zoneFiles.filter((f) => f.startsWith('/usr/lib/')).map((f) => f.slice(f.lastIndexOf('/') + 1, -'.xml'.length));
    for (const f of zoneFiles) state.permanent[f.slice(f.lastIndexOf('/') + 1, -'.xml'.length)] = zoneFromXml(parseXml(files.get(f)!));
    const sshFile = files.get('/etc/firewalld/services/ssh.xml') ?? files.get('/usr/lib/firewalld/services/ssh.xml');
    if (sshFile) state.sshServicePorts = parseXml(sshFile).children.filter((c) => c.name === 'port').map((c) => `${c.attrs.port}/${c.attrs.protocol}`);
  } catch (e) {
    if (e instanceof XmlError || e instanceof RichRuleError) state.problem = `could not read firewalld's configuration: ${e.message}`;
    else throw e;
  }
}

/** Runs the probe and reads it; a probe that fails is a `problem` the plan reports. */
export async function gatherFirewalld(probe: Probe, zone: string | undefined): Promise<FirewalldState> {
  const out = await probe.run(firewalldProbeScript(zone));
  const state = parseFirewalldProbe(out.stdout);
  if (out.rc !== 0) state.problem = `reading firewalld's state failed (rc=${out.rc}): ${out.stderr.trim()}`;
  return state;
}
