/**
 * wait_for: wait ON THE HOST for a port to open, close or drain, or a file to appear (optionally
 * containing a regex) or go — Ansible's parameters, messages and result (state, port, path,
 * search_regex, match_groups, match_groupdict, elapsed). The retry loop is the runner's
 * WaitAction script (runner/wait.ts: one command, the host keeps the deadline), wrapped here so
 * the result can carry the elapsed time and the regex's groups.
 *
 * Host tools: ports need bash (its /dev/tcp) or nc; drained reads /proc/net/tcp{,6} with awk;
 * search_regex uses `grep -P` (Perl syntax, close to Python's re) where grep has it, else `grep -E`.
 * Check mode skips it, as Ansible does (wait_for does not support check mode).
 * Not implemented: search_regex on a port, exclude_hosts, host filtering for drained (any local
 * address with the port counts).
 */
import type { ExecResult } from '../runner/connection/types.js';
import { defineModule } from '../runner/module.js';
import type { TaskResult } from '../runner/module.types.js';
import { raw, sh } from '../runner/shell.js';
import { waitScript } from '../runner/wait.js';
import { nothingToObserve } from './_lib/controller.js';
import { waitForDefinition, type WaitForParams, type ConnectionState, STATES } from './wait_for.params.js';

export type { WaitForParams, ConnectionState } from './wait_for.params.js';

export interface WaitForResult extends TaskResult {
  elapsed: number;
  state: string;
  port: number | null;
  path: string | null;
  search_regex: string | null;
  match_groups: string[];
  match_groupdict: Record<string, string>;
}

/** /proc/net/tcp's st column for each state (include/net/tcp_states.h). */
const STATE_CODES: Record<ConnectionState, string> = { ESTABLISHED: '01', SYN_SENT: '02', SYN_RECV: '03', FIN_WAIT1: '04', FIN_WAIT2: '05', TIME_WAIT: '06' };

const TOOL_MARK = 'hostwright-wait_for: needs';
const ELAPSED = 'hostwright-wait_for-elapsed';
const CONTENT = '::hostwright-wait_for-content::';
const STAT = 'hostwright-wait_for-stat';

/** One attempt: exits 0 when the awaited condition holds. */
export function attemptScript(p: WaitForParams): string {
  const state = p.state ?? 'started';
  const host = p.host ?? '127.0.0.1';
  if (p.path !== undefined) {
    if (state === 'absent' || state === 'stopped') return sh`! test -e ${p.path}`;
    if (p.search_regex === undefined) return sh`test -e ${p.path}`;
    return sh`test -r ${p.path} && { if echo | grep -qP '' 2>/dev/null; then grep -qP -e ${p.search_regex} ${p.path}; else grep -qE -e ${p.search_regex} ${p.path}; fi; }`;
  }
  if (state === 'drained') {
    const codes = (p.active_connection_states ?? STATES).map((s) => STATE_CODES[s]).join(' ');
    const port = p.port!.toString(16).toUpperCase().padStart(4, '0');
    // Fields: sl local_address rem_address st ...; the port is the hex after the colon.
    return sh`cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v port=${port} -v states=${` ${codes} `} 'FNR > 0 && $2 ~ (":" port "$") && index(states, " " $4 " ") { busy = 1 } END { exit busy }'`;
  }
  const open = sh`timeout ${p.connect_timeout ?? 5} bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ ${host} ${p.port!} 2>/dev/null || { ! command -v bash >/dev/null && nc -z -w ${p.connect_timeout ?? 5} ${host} ${p.port!}; }`;
  return state === 'stopped' ? `! { ${open}; }` : open;
}

/** delay, then the WaitAction loop in a subshell, then the elapsed seconds (and the file for regex groups). */
export function waitForScript(p: WaitForParams): string {
  const timeout = p.timeout ?? 300;
  const needs = p.port !== undefined && (p.state ?? 'started') !== 'drained'
    ? sh`command -v bash >/dev/null 2>&1 || command -v nc >/dev/null 2>&1 || { echo ${`${TOOL_MARK} bash or nc on the host to check a port`}; exit 0; }`
    : p.state === 'drained'
      ? sh`command -v awk >/dev/null 2>&1 || { echo ${`${TOOL_MARK} awk on the host to check a drained port`}; exit 0; }`
      : '';
  const wait = p.port === undefined && p.path === undefined
    ? sh`sleep ${timeout}; false`
    : waitScript({ kind: 'wait', script: attemptScript(p), describe: 'wait_for', timeoutMs: timeout * 1000, intervalMs: (p.sleep ?? 1) * 1000 });
  const lines = [
    needs,
    `start=$(date +%s)`,
    sh`sleep ${p.delay ?? 0}`,
    `( ${wait}\n) >/dev/null 2>&1; rc=$?`,
    // Without port and path, Ansible's wait_for simply sleeps for `timeout` and succeeds.
    p.port === undefined && p.path === undefined ? 'rc=0' : '',
    `echo "${ELAPSED} $(( $(date +%s) - start )) $rc"`,
  ];
  // Ansible adds the path's attributes to the result (AnsibleModule.add_path_info).
  if (p.path !== undefined) lines.push(sh`echo "${raw(STAT)} $(stat -c '%u|%g|%U|%G|%a|%s|%h|%F' -- ${p.path} 2>/dev/null)"`);
  if (p.search_regex !== undefined) lines.push(sh`[ "$rc" = 0 ] && { echo ${CONTENT}; head -c 1048576 ${p.path!}; }`);
  lines.push('exit 0');
  return lines.filter(Boolean).join('\n') + '\n';
}

/** Ansible's timeout message for each kind of wait. */
export function timeoutMessage(p: WaitForParams): string {
  if (p.msg) return p.msg;
  const state = p.state ?? 'started';
  const where = `${p.host ?? '127.0.0.1'}:${p.port ?? ''}`;
  if (state === 'drained') return `Timeout when waiting for ${where} to drain`;
  if (state === 'absent' || state === 'stopped') return p.path !== undefined ? `Timeout when waiting for ${p.path} to be absent.` : `Timeout when waiting for ${where} to stop.`;
  if (p.path !== undefined) return p.search_regex !== undefined ? `Timeout when waiting for search string ${p.search_regex} in ${p.path}` : `Timeout when waiting for file ${p.path}`;
  return `Timeout when waiting for ${where}`;
}

/** Python's re groups for the first match (named groups in match_groupdict), computed on the controller. */
function matchGroups(regex: string, content: string): { match_groups: string[]; match_groupdict: Record<string, string> } {
  // Python's named groups (?P<name>...) are (?<name>...) in JavaScript.
  const m = new RegExp(regex.replace(/\(\?P</g, '(?<'), 'm').exec(content);
  return { match_groups: m ? m.slice(1).map((g) => g ?? '') : [], match_groupdict: { ...(m?.groups ?? {}) } as Record<string, string> };
}

/** add_path_info's keys from the script's stat line: state (file, directory, link, hard, absent), owner, mode, size... */
function pathInfo(stdout: string): Record<string, unknown> {
  const line = new RegExp(`^${STAT} (.*)$`, 'm').exec(stdout)?.[1]?.split('|');
  if (!line || line.length < 8) return { state: 'absent' };
  const [uid, gid, owner, group, mode, size, nlink, type] = line;
  const state = type === 'symbolic link' ? 'link' : type === 'directory' ? 'directory' : Number(nlink) > 1 ? 'hard' : 'file';
  return { state, uid: Number(uid), gid: Number(gid), owner, group, mode: mode!.padStart(4, '0'), size: Number(size) };
}

export function interpretWaitFor(p: WaitForParams, out: ExecResult): { result: Record<string, unknown>; failed?: string } {
  const tool = out.stdout.split('\n').find((l) => l.startsWith(TOOL_MARK));
  if (tool) return { result: { elapsed: 0 }, failed: `wait_for ${tool.slice('hostwright-wait_for: '.length)}` };
  const m = new RegExp(`^${ELAPSED} (\\d+) (\\d+)$`, 'm').exec(out.stdout);
  if (!m) return { result: { elapsed: 0 }, failed: `wait_for: the wait script failed (rc=${out.rc}): ${out.stderr.trim()}` };
  const elapsed = Number(m[1]);
  if (m[2] !== '0') return { result: { elapsed }, failed: timeoutMessage(p) };
  const i = out.stdout.indexOf(`${CONTENT}\n`);
  const groups = p.search_regex !== undefined && i >= 0 ? matchGroups(p.search_regex, out.stdout.slice(i + CONTENT.length + 1)) : { match_groups: [], match_groupdict: {} };
  return {
    result: {
      state: p.state ?? 'started',
      ...(p.path !== undefined ? pathInfo(out.stdout) : {}),
      port: p.port ?? null,
      path: p.path ?? null,
      search_regex: p.search_regex ?? null,
      ...groups,
      elapsed,
    },
  };
}

export const wait_for = defineModule<WaitForParams, undefined, WaitForResult>({
  ...waitForDefinition,
  gather: nothingToObserve,
  plan: (p) => ({
    changed: false,
    queries: true,
    actions: [
      {
        kind: 'run',
        script: waitForScript(p),
        capture: true,
        describe: 'wait_for',
        // The host keeps the deadline; this only catches a host that stops answering.
        timeoutMs: ((p.delay ?? 0) + (p.timeout ?? 300) + (p.connect_timeout ?? 5) + 30) * 1000,
      },
    ],
  }),
  interpret: interpretWaitFor,
});
