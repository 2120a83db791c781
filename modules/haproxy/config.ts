/**
 * haproxy_config: HAProxy's configuration file from typed data (config.types.ts), written only when
 * the rendered text differs, checked by `haproxy -c -f` on the temp file before it replaces the
 * live one (a config HAProxy refuses never goes live: the task fails with HAProxy's message and
 * the running one keeps serving), then reloaded without dropping a connection:
 *  - the servers' runtime state (weights, drain, maintenance set through the socket) is saved with
 *    `show servers state` into global.server_state_file first, and read back by the new process
 *    (`load-server-state-from-file global`, written into defaults by the renderer);
 *  - master-worker (global.master_worker, or systemd's `-Ws` unit): SIGUSR2 to the master, which
 *    re-executes itself and hands the listening sockets to the new worker, whose appearance the
 *    reload waits for (so the next task talks to the new process). With systemd that is
 *    `systemctl reload haproxy` (Debian's unit sends SIGUSR2); under SysV init the signal is sent
 *    to the pid in the pidfile. Not master-worker: `service haproxy reload` (-sf).
 *  - HAProxy not running: it is started. A restart is never used for a config change.
 * The host needs haproxy, and socat to save the state (see socket.ts).
 */
import { defineModule } from '../../runner/module.js';
import type { Action, Effect, Plan, Predicted } from '../../runner/module.types.js';
import { sh } from '../../runner/shell.js';
import { contentEffects, overlayTarget } from '../_lib/predicted.js';
import { parseProbe } from '../_lib/probe.js';
import { parseTarget, planWrite, targetScript, type TargetState } from '../_lib/target.js';
import type { HaproxyConfig } from './config.types.js';
import { renderConfig } from './render.js';
import { SOCKET_PATH_PATTERN } from './runtime.params.js';
import { SOCAT_MISSING } from './socket.js';
import { haproxyConfigDefinition, type HaproxyConfigParams } from './config.params.js';

export type { HaproxyConfigParams } from './config.params.js';

/** Which service manager runs HAProxy (not a config backend). */
export type ServiceBackend = 'systemd' | 'sysv';

export interface HaproxyDaemon {
  /** The haproxy binary is on the PATH. */
  installed: boolean;
  socat: boolean;
  running: boolean;
  /** The running process is a master (it has worker children): SIGUSR2 reloads it seamlessly. */
  master: boolean;
}

export interface HaproxyConfigState {
  backend: ServiceBackend;
  daemon: HaproxyDaemon;
  target: TargetState;
}

/** The daemon's lines of the probe; the file's (targetScript) follow them, its content last. */
export function daemonProbeLines(backend: ServiceBackend, service: string, pidfile: string): string {
  const lines = [
    `if command -v haproxy >/dev/null 2>&1; then echo 'hw.installed yes'; else echo 'hw.installed no'; fi`,
    `if command -v socat >/dev/null 2>&1; then echo 'hw.socat yes'; else echo 'hw.socat no'; fi`,
  ];
  if (backend === 'systemd') {
    // systemd's unit runs haproxy -Ws: always a master.
    lines.push(sh`a=$(systemctl show -p ActiveState --value -- ${service}.service 2>/dev/null)`, `echo "hw.active $a"`);
  } else {
    lines.push(
      sh`pid=; [ -r ${pidfile} ] && read -r pid < ${pidfile}`,
      `case $pid in ''|*[!0-9]*) echo 'hw.active no' ;; *)`,
      `  if [ -d "/proc/$pid" ]; then echo 'hw.active active'; kids=; read -r kids 2>/dev/null < "/proc/$pid/task/$pid/children"; echo "hw.children $kids"; else echo 'hw.active no'; fi ;;`,
      `esac`,
    );
  }
  return lines.join('\n');
}

export function parseConfigProbe(out: Buffer, backend: ServiceBackend): HaproxyConfigState {
  const { fields } = parseProbe(out);
  const running = fields.get('hw.active') === 'active' || fields.get('hw.active') === 'reloading';
  const daemon: HaproxyDaemon = {
    installed: fields.get('hw.installed') === 'yes',
    socat: fields.get('hw.socat') === 'yes',
    running,
    master: running && (backend === 'systemd' || (fields.get('hw.children') ?? '').trim() !== ''),
  };
  return { backend, daemon, target: parseTarget(out, {}) };
}

export function backendFor(use: HaproxyConfigParams['use'], serviceMgr: string): ServiceBackend {
  if (use === 'systemd') return 'systemd';
  if (use === 'sysvinit') return 'sysv';
  return serviceMgr === 'systemd' ? 'systemd' : 'sysv';
}

export const haproxy_config = defineModule<HaproxyConfigParams, HaproxyConfigState>({
  ...haproxyConfigDefinition,
  async gather(p, probe, ctx) {
    const backend = backendFor(p.use, ctx.facts.service_mgr);
    const dest = p.dest ?? '/etc/haproxy/haproxy.cfg';
    const script = daemonProbeLines(backend, p.service ?? 'haproxy', p.pidfile ?? '/run/haproxy.pid') + '\n' + targetScript({ path: dest });
    const out = await probe.run(script);
    if (out.rc !== 0) throw new Error(`probing ${dest} failed: ${out.stderr.trim()}`);
    return parseConfigProbe(out.stdoutBytes, backend);
  },
  plan: (p, s) => planHaproxyConfig(p, s),
  overlay: (s, predicted, p) => overlayHaproxyConfig(s, predicted, p),
});

/**
 * Check mode: the file as earlier tasks write it, and HAProxy and socat as an earlier package task
 * installs them (Debian's package starts HAProxy: a plain daemon under SysV, a master under
 * systemd's -Ws unit), or as an earlier service or haproxy_config task leaves the service.
 */
export function overlayHaproxyConfig(s: HaproxyConfigState, predicted: Predicted, p: HaproxyConfigParams): HaproxyConfigState {
  const daemon = { ...s.daemon };
  const haproxyPkg = predicted.package('haproxy');
  if (haproxyPkg) {
    daemon.installed = haproxyPkg.state === 'present';
    if (!s.daemon.installed && daemon.installed) {
      daemon.running = true;
      daemon.master = s.backend === 'systemd';
    }
  }
  const socatPkg = predicted.package('socat');
  if (socatPkg) daemon.socat = socatPkg.state === 'present';
  const svc = predicted.service(p.service ?? 'haproxy');
  if (svc?.running !== undefined && svc.running !== daemon.running) {
    daemon.running = svc.running;
    daemon.master = svc.running && (s.backend === 'systemd' || p.config.global?.master_worker === true);
  }
  return { ...s, daemon, target: overlayTarget(s.target, predicted, { path: s.target.path }, {}) };
}

/** The admin socket the state is saved through: the first stats socket at level admin. */
function adminSocket(config: HaproxyConfig): string | undefined {
  const s = (config.global?.stats_socket ?? []).find((x) => (x.level ?? 'admin') === 'admin');
  return s && new RegExp(SOCKET_PATH_PATTERN).test(s.path) ? s.path : undefined;
}

/** Saves `show servers state` into the state file (through a temp file: never half-written). */
export function saveStateScript(socket: string, stateFile: string): string {
  return [
    sh`s=${socket}; f=${stateFile}`,
    // No socket yet (first start, or the old config had another): nothing to save.
    `[ -S "$s" ] || exit 0`,
    `printf 'show servers state\\n' | socat -t 10 stdio "unix-connect:$s" > "$f.hostwright" && mv -f -- "$f.hostwright" "$f"`,
  ].join('\n');
}

/**
 * SIGUSR2 (or `systemctl reload`) to the master, then wait (10 s at most) until the master has a
 * worker it did not have before: from then on the new configuration serves and answers the socket.
 */
export function masterReloadScript(backend: ServiceBackend, service: string, pidfile: string): string {
  const lines =
    backend === 'systemd'
      ? [sh`pid=$(systemctl show -p MainPID --value -- ${service}.service)`]
      : [sh`read -r pid < ${pidfile}`];
  lines.push(
    `old=; read -r old < "/proc/$pid/task/$pid/children"`,
    backend === 'systemd' ? sh`systemctl reload -- ${service}.service || exit $?` : `kill -USR2 "$pid" || exit $?`,
    `i=0`,
    `while [ $i -lt 100 ]; do`,
    `  now=; read -r now < "/proc/$pid/task/$pid/children"`,
    `  for k in $now; do case " $old " in *" $k "*) ;; *) exit 0 ;; esac; done`,
    `  sleep 0.1; i=$((i + 1))`,
    `done`,
    `echo "haproxy (master $pid) started no new worker within 10 s of the reload" >&2; exit 1`,
  );
  return lines.join('\n');
}

function serviceCommand(backend: ServiceBackend, service: string, verb: 'start' | 'reload'): string {
  return backend === 'systemd' ? sh`systemctl ${verb} -- ${service}.service` : sh`service ${service} ${verb}`;
}

export function planHaproxyConfig(p: HaproxyConfigParams, s: HaproxyConfigState): Plan {
  const dest = p.dest ?? '/etc/haproxy/haproxy.cfg';
  const service = p.service ?? 'haproxy';
  const result: Record<string, unknown> = { dest };
  if (!s.daemon.installed) return { changed: false, actions: [], failed: 'haproxy is not installed on the host (install the haproxy package first)', result };
  const content = Buffer.from(renderConfig(p.config));
  const w = planWrite(s.target, {
    content,
    secret: false,
    beforeHeader: dest,
    afterHeader: dest,
    ...(p.backup ? { backup: true } : {}),
    validate: 'haproxy -c -f %s',
  });
  if (w.failed) return { changed: false, actions: [], failed: w.failed, result };
  if (!w.contentChanged) return { changed: false, actions: [], result };

  const actions: Action[] = [...w.actions];
  if (p.reload ?? true) {
    if (!s.daemon.running) {
      actions.push({ kind: 'run', script: serviceCommand(s.backend, service, 'start'), describe: `start ${service}` });
      result.reloaded = 'started';
    } else {
      const stateFile = p.config.global?.server_state_file;
      const socket = adminSocket(p.config);
      if (stateFile !== undefined && socket !== undefined) {
        if (!s.daemon.socat) return { changed: false, actions: [], failed: `${SOCAT_MISSING}: it saves the servers' state before the reload`, result };
        actions.push({ kind: 'run', script: saveStateScript(socket, stateFile), describe: `save the servers' state into ${stateFile}` });
      }
      if (s.daemon.master) {
        actions.push({ kind: 'run', script: masterReloadScript(s.backend, service, p.pidfile ?? '/run/haproxy.pid'), describe: `reload ${service} (master-worker)` });
      } else {
        actions.push({ kind: 'run', script: serviceCommand(s.backend, service, 'reload'), describe: `reload ${service}` });
      }
      result.reloaded = true;
    }
  }
  const effects: Effect[] = contentEffects(s.target, content, undefined, {}, false);
  if (p.reload ?? true) effects.push({ kind: 'service', name: service, running: true });
  return { changed: true, actions, ...(w.diff ? { diffs: [w.diff] } : {}), result, effects };
}
