/**
 * Talking to HAProxy's runtime API (the stats socket) from POSIX sh, and reading what it says.
 *
 * The tool on the host is `socat` (Debian/Ubuntu/Fedora package `socat`): sh cannot open a UNIX
 * socket itself, and socat is the client HAProxy's own documentation uses. It is a prerequisite of
 * the `haproxy` module and of `haproxy_config`'s state saving; a host without it gets a clear
 * error naming the package.
 *
 * Several commands go in ONE connection, separated by `;` (the socket's non-interactive mode); each
 * answer ends with an empty line. Parsers here are pure and tested on recorded output.
 */
import { sh } from '../../runner/shell.js';

/** Printed by probe scripts when socat is missing or the socket is not there. */
export const NO_SOCAT = 'hostwright-haproxy: no socat';
export const NO_SOCKET = 'hostwright-haproxy: no socket';

export const SOCAT_MISSING = 'socat is needed on the host to talk to the HAProxy socket (install the socat package)';

/**
 * sh lines that send `commands` (joined by `;`) over one connection to `socket` and print the
 * answers; when socat or the socket is missing they print the marker instead and stop the script
 * (exit 0: for a probe, missing is a state, not an error).
 */
export function socketQueryLines(socket: string, commands: string[]): string {
  return [
    sh`s=${socket}`,
    `command -v socat >/dev/null 2>&1 || { echo '${NO_SOCAT}'; exit 0; }`,
    `[ -S "$s" ] || { echo '${NO_SOCKET}'; exit 0; }`,
    sh`printf '%s\\n' ${commands.join('; ')} | socat -t 10 stdio "unix-connect:$s"`,
  ].join('\n');
}

/**
 * A script that runs runtime commands and fails when HAProxy answers anything: the commands it
 * sends (set weight, enable/disable, set server state, shutdown sessions) answer with an empty
 * line on success and with a message ("No such server.", "Backend is using a static LB
 * algorithm ...") otherwise; socat itself exits 0 either way.
 */
export function socketCommandScript(socket: string, commands: string[]): string {
  return [
    sh`s=${socket}`,
    `command -v socat >/dev/null 2>&1 || { echo '${SOCAT_MISSING}' >&2; exit 127; }`,
    sh`out=$(printf '%s\\n' ${commands.join('; ')} | socat -t 10 stdio "unix-connect:$s") || exit $?`,
    // Answers without the empty lines that end each one.
    `out=$(printf '%s\\n' "$out" | grep -v '^[[:space:]]*$')`,
    `if [ -n "$out" ]; then printf 'HAProxy answered: %s\\n' "$out" >&2; exit 1; fi`,
  ].join('\n');
}

/** `srv_admin_state` bits (HAProxy's SRV_ADMF_*). */
export const ADMIN = {
  /** Forced into maintenance (disable server, set server state maint). */
  FMAINT: 0x01,
  /** Inherited maintenance (a tracked server is in maintenance). */
  IMAINT: 0x02,
  /** Disabled in the configuration (`disabled`). */
  CMAINT: 0x04,
  /** Forced drain (set server state drain). */
  FDRAIN: 0x08,
  /** Inherited drain. */
  IDRAIN: 0x10,
  /** Maintenance because its name did not resolve. */
  RMAINT: 0x20,
  /** Maintenance because its hostname was changed. */
  HMAINT: 0x40,
} as const;

/** `srv_check_state` / `srv_agent_state` bits (HAProxy's CHK_ST_*). */
export const CHECK = { CONFIGURED: 0x02, ENABLED: 0x04, PAUSED: 0x08 } as const;

/** `srv_op_state` (HAProxy's SRV_ST_*). */
export type OperationalState = 'stopped' | 'starting' | 'running' | 'stopping';
const OP_STATES: OperationalState[] = ['stopped', 'starting', 'running', 'stopping'];

/** One server from `show servers state` (format 1). */
export interface ServerState {
  backend: string;
  server: string;
  address: string;
  port: string;
  opState: OperationalState;
  /** SRV_ADMF_* bits. */
  adminState: number;
  /** Current (user-set) weight. */
  weight: number;
  /** Weight from the configuration ("initial"), what percentages are relative to. */
  initialWeight: number;
  checkState: number;
  agentState: number;
}

/** A status string of `show stat` taken apart: `DOWN 2/3`, `MAINT (via app/web1)`, `no check`. */
export interface ParsedStatus {
  /** UP, DOWN, NOLB, MAINT, DRAIN, no check, OPEN, FULL, ... */
  base: string;
  /** `UP 1/3`: a check transition in progress (1 of 3 checks towards the other state). */
  transition?: { done: number; of: number };
  /** `MAINT (via be/srv)`: the server tracked that causes it; `(resolution)`, `(agent)`: the reason. */
  reason?: string;
}

export function parseStatus(status: string): ParsedStatus {
  const m = /^(.*?)(?:\s+(\d+)\/(\d+))?(?:\s+\(([^)]*)\))?$/.exec(status.trim());
  if (!m) return { base: status.trim() };
  const parsed: ParsedStatus = { base: m[1]! };
  if (m[2] !== undefined) parsed.transition = { done: Number(m[2]), of: Number(m[3]) };
  if (m[4] !== undefined) parsed.reason = m[4].startsWith('via ') ? m[4].slice(4) : m[4];
  return parsed;
}

/** One row of `show stat` for a server, with the columns the modules read. */
export interface ServerStat {
  backend: string;
  server: string;
  /** Current sessions. */
  sessions: number;
  status: string;
  parsedStatus: ParsedStatus;
  weight: number;
}

export interface RuntimeView {
  servers: ServerState[];
  stats: ServerStat[];
  /** Backend name → balance algorithm (`algo` of the BACKEND row). */
  algorithms: Map<string, string>;
}

/** Splits one CSV line as HAProxy writes it (fields with `,` or `"` are quoted, `"` doubled). */
export function splitCsv(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

/**
 * Parses the answers of `show servers state; show stat` (one connection): the first block is the
 * state file format (version line, `# be_id ...` header, rows), the second `show stat`'s CSV
 * (`# pxname,svname,...` header). Columns are found by their header names, not positions.
 */
export function parseRuntimeView(out: string): RuntimeView {
  const view: RuntimeView = { servers: [], stats: [], algorithms: new Map() };
  let block: 'none' | 'state' | 'stat' = 'none';
  let header: string[] = [];
  for (const line of out.split('\n')) {
    if (line.startsWith('# be_id ')) {
      block = 'state';
      header = line.slice(2).split(' ');
      continue;
    }
    if (line.startsWith('# pxname,')) {
      block = 'stat';
      header = line.slice(2).split(',');
      continue;
    }
    if (line.trim() === '' || block === 'none') continue;
    if (block === 'state') {
      const f = Object.fromEntries(line.split(' ').map((v, i) => [header[i], v]));
      if (f.be_name === undefined || f.srv_name === undefined) continue;
      view.servers.push({
        backend: f.be_name,
        server: f.srv_name,
        address: f.srv_addr ?? '',
        port: f.srv_port ?? '',
        opState: OP_STATES[Number(f.srv_op_state)] ?? 'stopped',
        adminState: Number(f.srv_admin_state ?? 0),
        weight: Number(f.srv_uweight ?? 0),
        initialWeight: Number(f.srv_iweight ?? 0),
        checkState: Number(f.srv_check_state ?? 0),
        agentState: Number(f.srv_agent_state ?? 0),
      });
    } else {
      const values = splitCsv(line);
      const f = Object.fromEntries(values.map((v, i) => [header[i], v]));
      const backend = f.pxname ?? '';
      const server = f.svname ?? '';
      if (server === 'BACKEND') view.algorithms.set(backend, f.algo ?? '');
      if (server === 'FRONTEND' || server === 'BACKEND' || f.type !== '2') continue;
      const status = f.status ?? '';
      view.stats.push({ backend, server, sessions: Number(f.scur || 0), status, parsedStatus: parseStatus(status), weight: Number(f.weight || 0) });
    }
  }
  return view;
}

/** Balance algorithms whose weights HAProxy cannot change at run time except to 0 or 100%. */
export const STATIC_ALGORITHMS = new Set(['static-rr']);
