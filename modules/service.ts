/**
 * service: start/stop/restart/reload a service and set whether it starts at boot. The backend is
 * chosen from facts.service_mgr (or `use`): systemd → systemctl (as Ansible's systemd module);
 * anything else → SysV `service NAME ...` with update-rc.d (Debian) or chkconfig (Red Hat) for
 * `enabled`. One probe reads the running and enabled state.
 * restarted/reloaded always report changed (as Ansible), so check mode says "would run".
 * Not implemented: sleep, pattern, runlevel, arguments.
 */
import type { JSONSchemaType } from 'ajv';
import { defineModule, type ParamIssue } from '../runner/module.js';
import type { Action, Plan, Predicted, WaitAction } from '../runner/module.types.js';
import { sh } from '../runner/shell.js';
import { IN_BATCH_SHELL, parseProbe, runProbe } from './_lib/probe.js';

export interface ServiceParams {
  /** Name of the service. */
  name: string;
  /** started/stopped are idempotent; restarted and reloaded always act. @default unchanged */
  state?: 'started' | 'stopped' | 'restarted' | 'reloaded';
  /** Whether the service starts at boot. @default unchanged */
  enabled?: boolean;
  /** The service manager: 'auto' picks from facts.service_mgr. @default 'auto' */
  use?: 'auto' | 'systemd' | 'sysvinit';
}

const schema: JSONSchemaType<ServiceParams> = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1 },
    state: { type: 'string', enum: ['started', 'stopped', 'restarted', 'reloaded'], nullable: true },
    enabled: { type: 'boolean', nullable: true },
    use: { type: 'string', enum: ['auto', 'systemd', 'sysvinit'], nullable: true, default: 'auto' },
  },
  required: ['name'],
  additionalProperties: false,
};

function check(p: ServiceParams): ParamIssue[] {
  if (p.state === undefined && p.enabled === undefined) return [{ field: 'state', message: 'one of the following is required: state, enabled' }];
  return [];
}

export type ServiceBackend = 'systemd' | 'sysv';

export interface ServiceState {
  backend: ServiceBackend;
  /** The unit or init script exists. */
  found: boolean;
  running: boolean;
  enabled: boolean;
  /** SysV only: which tool sets `enabled`. */
  enableTool?: 'update-rc.d' | 'chkconfig' | 'none';
  /** SysV/update-rc.d: runlevel links exist at all (else `update-rc.d NAME defaults` first). */
  hasLinks?: boolean;
  /** systemd's properties, kept for the result (`status`). */
  status?: Record<string, string>;
}

/**
 * SysV status without running the init script when its status is LSB's `status_of_proc -p
 * PIDFILE` (Debian's scripts): /lib/lsb/init-functions' pidofproc calls a service running when
 * the pidfile holds a pid that exists (kill -0, or ps for another user's process: /proc/PID
 * covers both); no pidfile is "not running" (3), an unreadable one "unknown" (4). The pidfile is
 * the plain path after `-p`, or the script's one plain `PIDFILE=` when `-p $PIDFILE` (and
 * /etc/default/NAME, which the script may source, does not set it). Any other script, or anything
 * unclear, is asked: `service NAME status`. One grep instead of the script and its library.
 */
const SYSV_STATUS = `pf=; np=0; sp=; ns=0; ov=no
g=$(grep -H -E -e '^[[:space:]]*PIDFILE=' -e 'status_of_proc[[:space:]]+-p' -- "/etc/init.d/$n" "/etc/default/$n" 2>/dev/null)
while IFS= read -r l; do
  case $l in
    "/etc/default/$n:"*) ov=yes ;;
    *status_of_proc*) ns=$((ns + 1)); sp=\${l#*status_of_proc*-p} ;;
    ?*) np=$((np + 1)); pf=\${l#*PIDFILE=}; pf=\${pf%%[[:space:];]*} ;;
  esac
done <<HOSTWRIGHT_EOF
$g
HOSTWRIGHT_EOF
sp=\${sp#"\${sp%%[![:space:]]*}"}; sp=\${sp%%[[:space:]]*}
case $sp in '$PIDFILE'|'"$PIDFILE"'|'\${PIDFILE}'|'"\${PIDFILE}"') if [ $np = 1 ] && [ $ov = no ]; then sp=$pf; else sp=; fi ;; esac
case $sp in '"'*'"') sp=\${sp#'"'}; sp=\${sp%'"'} ;; esac
case $sp in /*) case $sp in *[!A-Za-z0-9/._-]*) sp= ;; esac ;; *) sp= ;; esac
if [ $ns = 1 ] && [ -n "$sp" ]; then
  if [ ! -e "$sp" ]; then st=3
  elif [ ! -r "$sp" ]; then st=4
  else pid=; read -r pid < "$sp"; case $pid in ''|*[!0-9]*) st=1 ;; *) if [ -d "/proc/$pid" ]; then st=0; else st=1; fi ;; esac; fi
  echo "status $st"; echo "pidfile $sp"
else
  service "$n" status >/dev/null 2>&1; echo "status $?"
fi`;

/** Whether any start link `/etc/RC.d/S??NAME` exists, by a glob (no ls). */
const startLinks = (rc: string, key: string): string =>
  `l=no; for f in /etc/${rc}.d/S??"$n"; do if [ -e "$f" ] || [ -L "$f" ]; then l=yes; break; fi; done; echo "${key} $l"`;

export function serviceProbeScript(name: string, backend: ServiceBackend): string {
  if (backend === 'systemd') {
    return [
      sh`n=${name}`,
      // One systemctl: UnitFileState says whether it is enabled (what is-enabled's exit code says).
      // Its KEY=VALUE lines become the probe format's `key value` with the read builtin.
      `s=$(systemctl show -p LoadState,ActiveState,SubState,UnitFileState,Id -- "$n") || exit`,
      `while IFS='=' read -r k v; do echo "$k $v"; done <<HOSTWRIGHT_EOF`,
      `$s`,
      `HOSTWRIGHT_EOF`,
      `if [ -x "/etc/init.d/$n" ]; then echo InitScript yes; fi`,
      // A unit generated from a SysV script: systemd-sysv-install is-enabled looks at rcS/rc5 links.
      startLinks('rc[S5]', 'SysvEnabled'),
    ].join('\n');
  }
  return [
    sh`n=${name}`,
    `if [ -x "/etc/init.d/$n" ]; then echo found yes; else echo found no; fi`,
    SYSV_STATUS,
    `if command -v update-rc.d >/dev/null 2>&1; then echo tool update-rc.d`,
    `elif command -v chkconfig >/dev/null 2>&1; then echo tool chkconfig; if chkconfig "$n" >/dev/null 2>&1; then echo chkconfig on; else echo chkconfig off; fi`,
    `else echo tool none; fi`,
    startLinks('rc?', 'slinks'),
    `l=no; for f in /etc/rc?.d/[SK]??"$n"; do if [ -e "$f" ] || [ -L "$f" ]; then l=yes; break; fi; done; echo "links $l"`,
  ].join('\n');
}

/** UnitFileStates for which `systemctl is-enabled` exits 0 (systemctl(1)'s table); 'generated'
 * (a unit made from a SysV script) is decided by the script's start links instead. */
const ENABLED_FILE_STATES = new Set(['enabled', 'enabled-runtime', 'alias', 'static', 'indirect', 'transient']);

export function parseServiceProbe(out: string, backend: ServiceBackend): ServiceState {
  const kv = parseProbe(Buffer.from(out)).fields;
  if (backend === 'systemd') {
    const status = Object.fromEntries([...kv].filter(([k]) => !['SysvEnabled', 'InitScript'].includes(k)));
    const load = kv.get('LoadState') ?? '';
    const fileState = kv.get('UnitFileState') ?? '';
    return {
      backend,
      found: load !== 'not-found' || kv.get('InitScript') === 'yes',
      running: ['active', 'activating', 'reloading'].includes(kv.get('ActiveState') ?? ''),
      enabled: fileState === 'generated' || fileState === '' ? kv.get('SysvEnabled') === 'yes' : ENABLED_FILE_STATES.has(fileState),
      status,
    };
  }
  const tool = kv.get('tool') as ServiceState['enableTool'];
  return {
    backend,
    found: kv.get('found') === 'yes',
    running: kv.get('status') === '0',
    enabled: tool === 'chkconfig' ? kv.get('chkconfig') === 'on' : kv.get('slinks') === 'yes',
    enableTool: tool ?? 'none',
    hasLinks: kv.get('links') === 'yes',
  };
}

/** How long a SysV service may take to be running or gone after its script returned. */
export const SYSV_SETTLE_MS = 15_000;

/** Wait until the probe's status check (SYSV_STATUS) says running (0) or not running. */
function sysvSettled(name: string, want: 'running' | 'stopped'): WaitAction {
  const test = want === 'running' ? '[ "$st" = 0 ]' : '[ "$st" != 0 ]';
  return {
    kind: 'wait',
    script: [sh`n=${name}`, `st=$( ${SYSV_STATUS}
)`, `st=\${st#status }; st=\${st%%[!0-9]*}`, test].join('\n'),
    describe: `service ${name} to be ${want}`,
    intervalMs: 200,
    timeoutMs: SYSV_SETTLE_MS,
  };
}

export function backendFor(use: ServiceParams['use'], serviceMgr: string): ServiceBackend {
  if (use === 'systemd') return 'systemd';
  if (use === 'sysvinit') return 'sysv';
  return serviceMgr === 'systemd' ? 'systemd' : 'sysv';
}

export const service = defineModule<ServiceParams, ServiceState>({
  name: 'service',
  probeAhead: true,
  schema,
  check,
  async gather(p, probe, ctx) {
    const backend = backendFor(p.use, ctx.facts.service_mgr);
    // The SysV probe keeps to builtins and its own variables; systemd's exits when systemctl fails.
    const out = await runProbe(probe, serviceProbeScript(p.name, backend), `service ${p.name}`, backend === 'sysv' ? IN_BATCH_SHELL : undefined);
    return parseServiceProbe(out.stdout, backend);
  },
  plan(p, s, ctx) {
    return planService(p, s, ctx.host);
  },
  overlay: overlayService,
});

/**
 * Check mode: a service an earlier task would start, stop, enable or install (a package effect
 * declaring the service it ships) is found and in that state.
 */
export function overlayService(s: ServiceState, predicted: Predicted, p: ServiceParams): ServiceState {
  const svc = predicted.service(p.name);
  if (!svc) return s;
  const next: ServiceState = { ...s, found: true };
  if (svc.running !== undefined) next.running = svc.running;
  if (svc.enabled !== undefined) {
    next.enabled = svc.enabled;
    // Enabling makes the runlevel links update-rc.d would otherwise create first.
    if (svc.enabled) next.hasLinks = true;
  }
  return next;
}

export function planService(p: ServiceParams, s: ServiceState, host: string): Plan {
  const result: Record<string, unknown> = { name: p.name };
  if (!s.found) return { changed: false, actions: [], failed: `Could not find the requested service ${p.name}: ${host}`, result };
  const actions: Action[] = [];
  const run = (script: string): void => {
    actions.push({ kind: 'run', script });
  };
  if (p.enabled !== undefined && p.enabled !== s.enabled) {
    if (s.backend === 'systemd') run(sh`systemctl ${p.enabled ? 'enable' : 'disable'} -- ${p.name}`);
    else if (s.enableTool === 'chkconfig') run(sh`chkconfig ${p.name} ${p.enabled ? 'on' : 'off'}`);
    else if (s.enableTool === 'update-rc.d') {
      if (!s.hasLinks) run(sh`update-rc.d ${p.name} defaults`);
      run(sh`update-rc.d ${p.name} ${p.enabled ? 'enable' : 'disable'}`);
    } else return { changed: false, actions: [], failed: `no tool to enable or disable ${p.name} on ${host} (update-rc.d or chkconfig)`, result };
  }
  let verb: string | undefined;
  if (p.state === 'started' && !s.running) verb = 'start';
  else if (p.state === 'stopped' && s.running) verb = 'stop';
  else if (p.state === 'restarted') verb = 'restart';
  else if (p.state === 'reloaded') verb = s.running ? 'reload' : 'start';
  if (verb) run(s.backend === 'systemd' ? sh`systemctl ${verb} -- ${p.name}` : sh`service ${p.name} ${verb}`);
  // systemctl returns once the unit is up or down; a SysV script may return before its daemon
  // wrote its pidfile, or before a stopped one exited (Debian's cron script sends TERM and goes).
  // Wait until the status the probe reads agrees, so the next run sees the state this one made.
  if (verb && verb !== 'reload' && s.backend === 'sysv') actions.push(sysvSettled(p.name, verb === 'stop' ? 'stopped' : 'running'));
  if (p.state !== undefined) result.state = p.state;
  if (p.enabled !== undefined) result.enabled = p.enabled;
  if (s.status) result.status = s.status;
  const running = p.state === undefined ? undefined : p.state !== 'stopped';
  return {
    changed: actions.length > 0,
    actions,
    nonIdempotent: p.state === 'restarted' || p.state === 'reloaded',
    result,
    effects: [{ kind: 'service', name: p.name, ...(running !== undefined ? { running } : {}), ...(p.enabled !== undefined ? { enabled: p.enabled } : {}) }],
  };
}
