/** wait_for's parameters: what validates a call without loading the module's code (wait_for.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../runner/module.js';

export type ConnectionState = 'ESTABLISHED' | 'FIN_WAIT1' | 'FIN_WAIT2' | 'SYN_RECV' | 'SYN_SENT' | 'TIME_WAIT';

export const STATES: ConnectionState[] = ['ESTABLISHED', 'FIN_WAIT1', 'FIN_WAIT2', 'SYN_RECV', 'SYN_SENT', 'TIME_WAIT'];

export interface WaitForParams {
  /** Host (name or address) whose port is checked, from the target. @default '127.0.0.1' */
  host?: string;
  /** TCP port to wait on. Exclusive with path. @default none */
  port?: number;
  /** File to wait on. Exclusive with port. @default none */
  path?: string;
  /**
   * started/present: the port accepts connections / the file exists; stopped/absent: no longer;
   * drained: no active connections on the port. @default 'started'
   */
  state?: 'started' | 'present' | 'stopped' | 'absent' | 'drained';
  /** With path: the file must also contain a match of this regex. @default none */
  search_regex?: string;
  /** Seconds to wait before the first check. @default 0 */
  delay?: number;
  /** Seconds before giving up. @default 300 */
  timeout?: number;
  /** Seconds between checks. @default 1 */
  sleep?: number;
  /** Seconds one connection attempt may take. @default 5 */
  connect_timeout?: number;
  /** Message on timeout, instead of Ansible's. @default none */
  msg?: string;
  /** Connection states that count as active for drained. @default all six */
  active_connection_states?: ConnectionState[];
}

export const schema: JSONSchemaType<WaitForParams> = {
  type: 'object',
  properties: {
    host: { type: 'string', nullable: true, minLength: 1, default: '127.0.0.1' },
    port: { type: 'integer', nullable: true, minimum: 1, maximum: 65535 },
    path: { type: 'string', nullable: true, minLength: 1 },
    state: { type: 'string', nullable: true, enum: ['started', 'present', 'stopped', 'absent', 'drained'], default: 'started' },
    search_regex: { type: 'string', nullable: true },
    delay: { type: 'number', nullable: true, minimum: 0, default: 0 },
    timeout: { type: 'number', nullable: true, minimum: 0, default: 300 },
    sleep: { type: 'number', nullable: true, minimum: 0, default: 1 },
    connect_timeout: { type: 'number', nullable: true, minimum: 1, default: 5 },
    msg: { type: 'string', nullable: true },
    active_connection_states: { type: 'array', nullable: true, items: { type: 'string', enum: STATES } },
  },
  required: [],
  additionalProperties: false,
};

/** Ansible's own parameter errors (wait_for.py), at load time. */
export function paramIssues(p: WaitForParams): ParamIssue[] {
  const issue = (message: string): ParamIssue[] => [{ field: '', message }];
  const state = p.state ?? 'started';
  if (p.port !== undefined && p.path !== undefined) return issue('port and path parameter can not both be passed to wait_for');
  if (p.path !== undefined && state === 'stopped') return issue('state=stopped should only be used for checking a port in the wait_for module');
  if (p.path !== undefined && state === 'drained') return issue('state=drained should only be used for checking a port in the wait_for module');
  if (p.search_regex !== undefined && p.path === undefined) return [{ field: 'search_regex', message: 'is only implemented with path' }];
  if (p.search_regex !== undefined) {
    try {
      new RegExp(p.search_regex.replace(/\(\?P</g, '(?<'));
    } catch (e) {
      return [{ field: 'search_regex', message: `Invalid regular expression: ${(e as Error).message}` }];
    }
  }
  return [];
}

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const waitForDefinition: ModuleDefinition<WaitForParams> = { name: 'wait_for', schema, checkModeSkip: 'remote module (wait_for) does not support check mode', check: paramIssues };
