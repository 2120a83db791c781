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
import type { Action, Plan } from '../runner/module.types.js';
import { sh } from '../runner/shell.js';

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

export function serviceProbeScript(name: string, backend: ServiceBackend): string {
  if (backend === 'systemd') {
    return [
      sh`systemctl show -p LoadState,ActiveState,SubState,UnitFileState,Id -- ${name}`,
      sh`systemctl is-enabled -- ${name} >/dev/null 2>&1; echo "EnabledRc=$?"`,
      sh`if [ -x /etc/init.d/${name} ]; then echo InitScript=yes; fi`,
    ].join('\n');
  }
  return [
    sh`if [ -x /etc/init.d/${name} ]; then echo found=yes; else echo found=no; fi`,
    sh`service ${name} status >/dev/null 2>&1; echo "status=$?"`,
    `if command -v update-rc.d >/dev/null 2>&1; then echo tool=update-rc.d; elif command -v chkconfig >/dev/null 2>&1; then echo tool=chkconfig; else echo tool=none; fi`,
    sh`if ls /etc/rc?.d/S??${name} >/dev/null 2>&1; then echo slinks=yes; else echo slinks=no; fi`,
    sh`if ls /etc/rc?.d/[SK]??${name} >/dev/null 2>&1; then echo links=yes; else echo links=no; fi`,
    sh`if command -v chkconfig >/dev/null 2>&1 && chkconfig ${name} >/dev/null 2>&1; then echo chkconfig=on; else echo chkconfig=off; fi`,
  ].join('\n');
}

function keyValues(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of out.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) m.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  return m;
}

export function parseServiceProbe(out: string, backend: ServiceBackend): ServiceState {
  const kv = keyValues(out);
  if (backend === 'systemd') {
    const status = Object.fromEntries([...kv].filter(([k]) => !['EnabledRc', 'InitScript'].includes(k)));
    const load = kv.get('LoadState') ?? '';
    return {
      backend,
      found: load !== 'not-found' || kv.get('InitScript') === 'yes',
      running: ['active', 'activating', 'reloading'].includes(kv.get('ActiveState') ?? ''),
      enabled: kv.get('EnabledRc') === '0',
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

export function backendFor(use: ServiceParams['use'], serviceMgr: string): ServiceBackend {
  if (use === 'systemd') return 'systemd';
  if (use === 'sysvinit') return 'sysv';
  return serviceMgr === 'systemd' ? 'systemd' : 'sysv';
}

export const service = defineModule<ServiceParams, ServiceState>({
  name: 'service',
  schema,
  check,
  async gather(p, probe, ctx) {
    const backend = backendFor(p.use, ctx.facts.service_mgr);
    const out = await probe.run(serviceProbeScript(p.name, backend));
    return parseServiceProbe(out.stdout, backend);
  },
  plan(p, s, ctx) {
    return planService(p, s, ctx.host);
  },
});

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
  if (p.state !== undefined) result.state = p.state;
  if (p.enabled !== undefined) result.enabled = p.enabled;
  if (s.status) result.status = s.status;
  return {
    changed: actions.length > 0,
    actions,
    nonIdempotent: p.state === 'restarted' || p.state === 'reloaded',
    result,
  };
}
