/**
 * systemd_service: a systemd unit's state, enablement and mask, and the manager's daemon-reload /
 * daemon-reexec, as ansible.builtin.systemd does (ansible-core 2.14 calls it `systemd`; later
 * versions also `ansible.builtin.systemd_service`, the name used here). Beside `service` (which
 * picks systemd or SysV), this one speaks only systemctl and has its extras: masked, scope
 * (system, user: the task's user's manager, global), daemon_reload, daemon_reexec, no_block, force.
 *
 * One probe: `systemctl show` (registered whole as `status`, parsed as Ansible parses it),
 * `systemctl is-enabled` (its output and exit code decide `enabled` and `masked` as Ansible's do),
 * and the SysV script and start links Ansible also consults. Ansible's decisions: restarted and
 * reloaded always act (a stopped unit is started), started/stopped only when needed,
 * daemon-reload and -reexec run (outside check mode) without counting as a change.
 */
import { defineModule } from '../runner/module.js';
import type { Action, Effect, Plan, Predicted, TaskResult } from '../runner/module.types.js';
import { sh } from '../runner/shell.js';
import { fieldLine, parseProbe, runProbe } from './_lib/probe.js';
import { systemdServiceDefinition, type SystemdServiceParams } from './systemd_service.params.js';

export type { SystemdServiceParams } from './systemd_service.params.js';

export interface SystemdServiceResult extends TaskResult {
  name?: string;
  /** `systemctl show`'s properties, as Ansible registers them. */
  status?: Record<string, string>;
  enabled?: boolean;
  state?: string;
}

export interface SystemdServiceState {
  /** systemctl exists on the host. */
  systemctl: boolean;
  /** `systemctl show NAME` parsed (empty when it failed). */
  status: Record<string, string>;
  showOk: boolean;
  /** `systemctl is-enabled NAME`: its stdout (trimmed) and exit code. */
  isEnabled: string;
  isEnabledRc: number;
  /** /etc/init.d/NAME exists; /etc/rc?.d/S??NAME links exist. */
  initd: boolean;
  sysvLinks: boolean;
  /** Enablement links to the unit exist (what is-enabled says once a masked unit is unmasked). */
  wanted: boolean;
}

/** The systemctl command for the task's scope and flags, as Ansible builds it. */
function systemctl(p: SystemdServiceParams): string {
  return ['systemctl', p.scope && p.scope !== 'system' ? `--${p.scope}` : '', p.no_block ? '--no-block' : '', p.force ? '--force' : ''].filter(Boolean).join(' ');
}

/** Where `systemctl enable` puts a scope's links. */
const UNIT_DIRS = { system: '/etc/systemd/system', user: '$HOME/.config/systemd/user', global: '/etc/systemd/user' } as const;

/** Ansible sets XDG_RUNTIME_DIR when it is missing, so `--user` finds the user's manager. */
const XDG = 'XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/run/user/$(id -u)}; export XDG_RUNTIME_DIR';

export function systemdProbeScript(p: SystemdServiceParams): string {
  const c = systemctl(p);
  const lines = [XDG, 'if ! command -v systemctl >/dev/null 2>&1; then echo systemctl no; exit 0; fi', 'echo systemctl yes'];
  if (p.name !== undefined) {
    lines.push(
      sh`u=${p.name}`,
      `o=$(${c} show -- "$u" 2>/dev/null); echo "show.rc $?"; ${fieldLine('show', '"$o"')}`,
      `e=$(${c} is-enabled -- "$u" 2>/dev/null); echo "is-enabled.rc $?"; ${fieldLine('is-enabled', '"$e"')}`,
      `if [ -e "/etc/init.d/$u" ]; then echo initd yes; fi`,
      `for f in /etc/rc?.d/S??"$u"; do if [ -e "$f" ]; then echo sysvlinks yes; break; fi; done`,
      // What is-enabled will say once a masked unit is unmasked: its enablement links are still there.
      `case $u in *.*) uu=$u ;; *) uu=$u.service ;; esac`,
      `for f in "${UNIT_DIRS[p.scope ?? 'system']}"/*.wants/"$uu" "${UNIT_DIRS[p.scope ?? 'system']}"/*.requires/"$uu"; do if [ -L "$f" ]; then echo wanted yes; break; fi; done`,
    );
  }
  return lines.join('\n');
}

/** Ansible's parse_systemctl_show: KEY=VALUE lines; only Exec* values in braces may span lines. */
export function parseSystemctlShow(text: string): Record<string, string> {
  const parsed: Record<string, string> = {};
  let key: string | undefined;
  let multi: string[] = [];
  for (const line of text.split('\n')) {
    if (key === undefined) {
      const at = line.indexOf('=');
      if (at < 0) continue;
      const k = line.slice(0, at);
      const v = line.slice(at + 1);
      if (k.startsWith('Exec') && v.trimStart().startsWith('{') && !v.trimEnd().endsWith('}')) {
        key = k;
        multi.push(v);
        continue;
      }
      parsed[k] = v.trim();
    } else {
      multi.push(line);
      if (line.trimEnd().endsWith('}')) {
        parsed[key] = multi.join('\n').trim();
        multi = [];
        key = undefined;
      }
    }
  }
  return parsed;
}

export function parseSystemdProbe(out: Buffer): SystemdServiceState {
  const { fields } = parseProbe(out);
  const showOk = fields.get('show.rc') === '0';
  return {
    systemctl: fields.get('systemctl') === 'yes',
    status: showOk ? parseSystemctlShow(fields.get('show') ?? '') : {},
    showOk,
    isEnabled: (fields.get('is-enabled') ?? '').trim(),
    isEnabledRc: Number(fields.get('is-enabled.rc') ?? '1'),
    initd: fields.get('initd') === 'yes',
    sysvLinks: fields.get('sysvlinks') === 'yes',
    wanted: fields.get('wanted') === 'yes',
  };
}

/** systemctl(1)'s is-enabled states: what Ansible takes as "systemd knows the unit" when show failed. */
const KNOWN_STATES = ['enabled', 'enabled-runtime', 'linked', 'linked-runtime', 'masked', 'masked-runtime', 'static', 'indirect', 'disabled', 'generated', 'transient'];

export function planSystemdService(p: SystemdServiceParams, s: SystemdServiceState): Plan {
  const result: Record<string, unknown> = { name: p.name ?? null, status: s.status };
  const fail = (msg: string): Plan => ({ changed: false, actions: [], failed: msg, result });
  if (!s.systemctl) return fail('Failed to find required executable "systemctl"');
  const c = systemctl(p);
  const actions: Action[] = [];
  let changed = false;
  // Run first and not a change, as Ansible's (which also skips them in check mode: the runner does).
  if (p.daemon_reload) actions.push({ kind: 'run', script: `${XDG}; ${c} daemon-reload`, describe: 'daemon-reload' });
  if (p.daemon_reexec) actions.push({ kind: 'run', script: `${XDG}; ${c} daemon-reexec`, describe: 'daemon-reexec' });
  let running: boolean | undefined;
  let enabledAfter: boolean | undefined;
  if (p.name !== undefined) {
    const unit = p.name;
    const status = s.status;
    const isSystemd = s.showOk ? status.LoadState !== undefined && status.LoadState !== 'not-found' : KNOWN_STATES.includes(s.isEnabled);
    const masked = status.LoadState === 'masked';
    if (s.showOk && isSystemd && !masked && status.LoadError !== undefined) return fail(`Error loading unit file '${unit}': ${status.LoadError}`);
    const found = isSystemd || s.initd;
    const missing = `Could not find the requested service ${unit}: host`;
    const run = (verb: string, extra = ''): Action => ({ kind: 'run', script: `${XDG}; ${c} ${verb} ${sh`${unit}`}${extra}`, describe: `systemctl ${verb} ${unit}` });

    if (p.masked !== undefined && (s.isEnabled === 'masked') !== p.masked) {
      changed = true;
      // Ansible ignores a failing mask/unmask of a unit it found (some systemd versions refuse unknown ones).
      actions.push(run(p.masked ? 'mask' : 'unmask', found ? ' || true' : ` || { echo ${sh`${missing}`} >&2; exit 1; }`));
    }
    if (p.enabled !== undefined) {
      if (!found) return fail(missing);
      // Ansible asks is-enabled after masking or unmasking: what it will say then.
      let [isEnabled, isEnabledRc] = [s.isEnabled, s.isEnabledRc];
      if (p.masked === true) [isEnabled, isEnabledRc] = ['masked', 1];
      else if (p.masked === false && s.isEnabled === 'masked') [isEnabled, isEnabledRc] = s.wanted ? ['enabled', 0] : ['disabled', 1];
      let enabled = false;
      if (isEnabledRc === 0) enabled = !['indirect', 'alias'].includes(isEnabled);
      else if (isEnabledRc === 1 && (p.scope ?? 'system') === 'system' && s.initd && !isEnabled.endsWith('disabled') && s.sysvLinks) enabled = true;
      result.enabled = enabled;
      if (enabled !== p.enabled) {
        changed = true;
        actions.push(run(p.enabled ? 'enable' : 'disable'));
        result.enabled = p.enabled;
      }
      enabledAfter = p.enabled;
    }
    if (p.state !== undefined) {
      if (!found) return fail(missing);
      result.state = p.state;
      const active = status.ActiveState;
      if (active === undefined) return fail('Service is in unknown state');
      const isRunning = active === 'active' || active === 'activating';
      let verb: string | undefined;
      if (p.state === 'started') verb = isRunning ? undefined : 'start';
      else if (p.state === 'stopped') verb = isRunning || active === 'deactivating' ? 'stop' : undefined;
      else {
        verb = isRunning ? p.state.slice(0, -2) : 'start';
        result.state = 'started';
      }
      if (verb) {
        changed = true;
        actions.push(run(verb));
      }
      running = p.state !== 'stopped';
    }
  }
  const effects: Effect[] = [];
  if (p.name !== undefined && (running !== undefined || enabledAfter !== undefined)) {
    effects.push({ kind: 'service', name: p.name, ...(running !== undefined ? { running } : {}), ...(enabledAfter !== undefined ? { enabled: enabledAfter } : {}) });
  }
  if (p.name !== undefined && p.masked !== undefined) effects.push({ kind: 'resource', type: 'systemd_mask', key: p.name, state: p.masked ? 'present' : 'absent' });
  return {
    changed,
    actions,
    // daemon-reload/-reexec run even when nothing else changes.
    ...(!changed && actions.length > 0 ? { queries: true } : {}),
    nonIdempotent: p.state === 'restarted' || p.state === 'reloaded',
    result,
    ...(changed ? { effects } : {}),
  };
}

/**
 * Check mode: a unit an earlier task would start, stop, enable or mask (or whose unit file an
 * earlier task would write, so daemon_reload makes it known) is found and in that state.
 */
export function overlaySystemdService(s: SystemdServiceState, predicted: Predicted, p: SystemdServiceParams): SystemdServiceState {
  if (p.name === undefined) return s;
  const unit = p.name.includes('.') ? p.name : `${p.name}.service`;
  const file = ['/etc/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'].map((d) => predicted.path(`${d}/${unit}`)).find((f) => f !== undefined && f.state !== 'absent');
  const svc = predicted.service(p.name);
  const mask = predicted.resource('systemd_mask', p.name);
  if (!file && !svc && !mask) return s;
  const next: SystemdServiceState = { ...s, showOk: true, status: { ...s.status } };
  if (file && (next.status.LoadState === undefined || next.status.LoadState === 'not-found')) {
    // A new unit file: systemd will know it once reloaded, inactive and disabled.
    next.status = { ...next.status, Id: unit, LoadState: 'loaded', ActiveState: 'inactive', SubState: 'dead', UnitFileState: 'disabled' };
    next.isEnabled = 'disabled';
    next.isEnabledRc = 1;
  }
  if (svc?.running !== undefined) next.status.ActiveState = svc.running ? 'active' : 'inactive';
  if (svc?.enabled !== undefined) {
    next.isEnabled = svc.enabled ? 'enabled' : 'disabled';
    next.isEnabledRc = svc.enabled ? 0 : 1;
  }
  if (mask) {
    next.isEnabled = mask.state === 'present' ? 'masked' : next.isEnabled === 'masked' ? 'disabled' : next.isEnabled;
    if (mask.state === 'present') next.status.LoadState = 'masked';
  }
  return next;
}

export const systemd_service = defineModule<SystemdServiceParams, SystemdServiceState, SystemdServiceResult>({
  ...systemdServiceDefinition,
  async gather(p, probe) {
    const out = await runProbe(probe, systemdProbeScript(p), p.name !== undefined ? `systemd unit ${p.name}` : 'systemd');
    return parseSystemdProbe(out.stdoutBytes);
  },
  plan: (p, s) => planSystemdService(p, s),
  overlay: overlaySystemdService,
});
