/** haproxy's parameters: what validates a call without loading the module's code (runtime.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../../runner/module.js';

/** A socket path socat's address syntax cannot misread (no `,`, `:`, `!`, spaces or quotes). */
export const SOCKET_PATH_PATTERN = '^/[A-Za-z0-9._/@+-]+$';

export interface HaproxyParams {
  /** Desired administrative state of the server(s). */
  state: 'enabled' | 'disabled' | 'drain';
  /** Name of the server (HAProxy's `server NAME ...`). */
  host: string;
  /** The backend; unset: every backend that has a server called `host`. @default all backends */
  backend?: string;
  /** Absolute (0-256) or relative to the configured weight (`'50%'`, 0-100%). @default unchanged */
  weight?: string | number;
  /** The stats socket (at level admin). @default '/var/run/haproxy.sock' */
  socket?: string;
  /** With state=disabled: end the server's sessions at once (ignored when `drain`). @default false */
  shutdown_sessions?: boolean;
  /** Fail when the server (or backend) does not exist. community.general's default is false. @default true */
  fail_on_not_found?: boolean;
  /** Also enable/disable the health checks (with state enabled/disabled). @default false */
  health?: boolean;
  /** Also enable/disable the agent checks (with state enabled/disabled). @default false */
  agent?: boolean;
  /** With state=disabled: drain first, wait until no sessions are left, then maintenance. @default false */
  drain?: boolean;
  /** After the change, wait: until UP (enabled), until drained (drain, or disabled with drain). @default false */
  wait?: boolean;
  /** Seconds between two looks while waiting. @default 5 */
  wait_interval?: number;
  /** How many looks before giving up; the timeout is wait_interval × wait_retries. @default 25 */
  wait_retries?: number;
}

export const schema: JSONSchemaType<HaproxyParams> = {
  type: 'object',
  properties: {
    state: { type: 'string', enum: ['enabled', 'disabled', 'drain'] },
    host: { type: 'string', minLength: 1, pattern: '^[^/;\\s]+$' },
    backend: { type: 'string', nullable: true, minLength: 1, pattern: '^[^/;\\s]+$' },
    weight: { type: ['string', 'integer'], nullable: true } as never,
    socket: { type: 'string', nullable: true, default: '/var/run/haproxy.sock', pattern: SOCKET_PATH_PATTERN },
    shutdown_sessions: { type: 'boolean', nullable: true, default: false },
    fail_on_not_found: { type: 'boolean', nullable: true, default: true },
    health: { type: 'boolean', nullable: true, default: false },
    agent: { type: 'boolean', nullable: true, default: false },
    drain: { type: 'boolean', nullable: true, default: false },
    wait: { type: 'boolean', nullable: true, default: false },
    wait_interval: { type: 'number', nullable: true, default: 5, exclusiveMinimum: 0 },
    wait_retries: { type: 'integer', nullable: true, default: 25, minimum: 1 },
  },
  required: ['state', 'host'],
  additionalProperties: false,
};

/** A weight as asked: absolute, or a percentage of the configured weight. */
export type WeightRequest = { absolute: number } | { percent: number };

export function parseWeight(w: string | number): WeightRequest | undefined {
  const s = String(w).trim();
  const m = /^(\d+)(%?)$/.exec(s);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (m[2]) return n <= 100 ? { percent: n } : undefined;
  return n <= 256 ? { absolute: n } : undefined;
}

export function check(p: HaproxyParams): ParamIssue[] {
  if (p.weight !== undefined && parseWeight(p.weight) === undefined) {
    return [{ field: 'weight', message: 'must be an absolute weight 0-256 or a percentage 0-100% of the configured weight' }];
  }
  return [];
}

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const haproxyDefinition: ModuleDefinition<HaproxyParams> = { name: 'haproxy', schema, check };
