/**
 * The JSON schema of HaproxyConfig, typed against the interfaces (JSONSchemaType), so that the
 * compiler catches a field added to one and not the other. Cross-field rules (what each
 * http-request action needs) are in configIssues.
 */
import type { JSONSchemaType } from 'ajv';
import type { ParamIssue } from '../../runner/module.js';
import type { Acl, Backend, Bind, Frontend, GlobalSection, HaproxyConfig, HttpCheck, HttpRequestRule, HttpResponseRule, Listen, LogTarget, RawSection, Server, StickTable, StatsSocket, Timeouts, UseBackend, Userlist, UserlistUser, DefaultsSection } from './config.types.js';

/** A word of the configuration: no whitespace (it would split into two) and nothing empty. */
const word = { type: 'string', minLength: 1, pattern: '^\\S+$' } as const;
const optWord = { ...word, nullable: true } as const;
const optString = { type: 'string', nullable: true, minLength: 1 } as const;
const optStrings = { type: 'array', nullable: true, items: { type: 'string', minLength: 1 } } as const;
const optWords = { type: 'array', nullable: true, items: word } as const;
const optCount = { type: 'integer', nullable: true, minimum: 0 } as const;
/** HAProxy durations: a number with an optional unit (us, ms, s, m, h, d). */
const optDuration = { type: 'string', nullable: true, pattern: '^\\d+(us|ms|s|m|h|d)?$' } as const;
const optMode = { type: 'string', nullable: true, enum: ['http', 'tcp'] } as const;

const logTarget: JSONSchemaType<LogTarget> = {
  type: 'object',
  properties: { address: word, format: optWord, facility: optWord, level: optWord },
  required: ['address'],
  additionalProperties: false,
};
const optLog = { type: 'array', nullable: true, items: logTarget } as const;

const statsSocket: JSONSchemaType<StatsSocket> = {
  type: 'object',
  properties: {
    path: word,
    mode: { type: 'string', nullable: true, pattern: '^[0-7]{3,4}$' },
    level: { type: 'string', nullable: true, enum: ['user', 'operator', 'admin'] },
    expose_fd_listeners: { type: 'boolean', nullable: true },
  },
  required: ['path'],
  additionalProperties: false,
};

const timeouts: JSONSchemaType<Timeouts> = {
  type: 'object',
  properties: {
    connect: optDuration, client: optDuration, server: optDuration, http_request: optDuration, http_keep_alive: optDuration,
    queue: optDuration, check: optDuration, tunnel: optDuration, client_fin: optDuration, server_fin: optDuration,
  },
  required: [],
  additionalProperties: false,
};

const globalSection: JSONSchemaType<GlobalSection> = {
  type: 'object',
  properties: {
    maxconn: optCount,
    log: optLog,
    chroot: optWord,
    user: optWord,
    group: optWord,
    daemon: { type: 'boolean', nullable: true },
    master_worker: { type: 'boolean', nullable: true },
    stats_socket: { type: 'array', nullable: true, items: statsSocket },
    stats_timeout: optDuration,
    server_state_file: optWord,
    hard_stop_after: optDuration,
    ca_base: optWord,
    crt_base: optWord,
    ssl_default_bind_ciphers: optWord,
    ssl_default_bind_ciphersuites: optWord,
    ssl_default_bind_options: optWords,
    ssl_default_server_ciphers: optWord,
    ssl_default_server_options: optWords,
    ssl_dh_param_file: optWord,
    extra: optStrings,
  },
  required: [],
  additionalProperties: false,
};

const defaultsSection: JSONSchemaType<DefaultsSection> = {
  type: 'object',
  properties: {
    mode: optMode,
    log: optLog,
    log_format: optString,
    options: optStrings,
    timeouts: { ...timeouts, nullable: true },
    retries: optCount,
    maxconn: optCount,
    errorfiles: { type: 'object', nullable: true, required: [], propertyNames: { pattern: '^[1-5]\\d\\d$' }, additionalProperties: word },
    load_server_state_from_file: { type: 'string', nullable: true, enum: ['global', 'local', 'none'] },
    extra: optStrings,
  },
  required: [],
  additionalProperties: false,
};

const bind: JSONSchemaType<Bind> = {
  type: 'object',
  properties: {
    address: word,
    ssl: {
      type: 'object',
      nullable: true,
      properties: { crt: { type: 'array', items: word, minItems: 1 }, alpn: optWord, options: optWords },
      required: ['crt'],
      additionalProperties: false,
    },
    options: optWords,
  },
  required: ['address'],
  additionalProperties: false,
};

const acl: JSONSchemaType<Acl> = {
  type: 'object',
  properties: { name: word, criterion: { type: 'string', minLength: 1 } },
  required: ['name', 'criterion'],
  additionalProperties: false,
};

const stickTable: JSONSchemaType<StickTable> = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['ip', 'ipv6', 'integer', 'string', 'binary'] },
    size: word,
    len: optCount,
    expire: optDuration,
    store: optWords,
  },
  required: ['type', 'size'],
  additionalProperties: false,
};

const condition = { if: optString, unless: optString } as const;
const optStatus = { type: 'integer', nullable: true, minimum: 100, maximum: 599 } as const;

const httpRequestRule: JSONSchemaType<HttpRequestRule> = {
  type: 'object',
  properties: {
    action: { type: 'string', enum: ['allow', 'deny', 'tarpit', 'redirect', 'set-header', 'add-header', 'del-header', 'set-path', 'track-sc0', 'track-sc1', 'track-sc2', 'auth', 'return', 'set-var'] },
    status: optStatus,
    name: optWord,
    value: optString,
    redirect: {
      type: 'object',
      nullable: true,
      properties: {
        type: { type: 'string', enum: ['location', 'prefix', 'scheme'] },
        target: { type: 'string', minLength: 1 },
        code: { type: 'integer', nullable: true, enum: [301, 302, 303, 307, 308] },
      },
      required: ['type', 'target'],
      additionalProperties: false,
    },
    key: optString,
    table: optWord,
    realm: optString,
    ...condition,
  },
  required: ['action'],
  additionalProperties: false,
};

const httpResponseRule: JSONSchemaType<HttpResponseRule> = {
  type: 'object',
  properties: {
    action: { type: 'string', enum: ['set-header', 'add-header', 'del-header', 'deny', 'set-status'] },
    name: optWord,
    value: optString,
    status: optStatus,
    ...condition,
  },
  required: ['action'],
  additionalProperties: false,
};

const useBackend: JSONSchemaType<UseBackend> = {
  type: 'object',
  properties: { backend: word, ...condition },
  required: ['backend'],
  additionalProperties: false,
};

const server: JSONSchemaType<Server> = {
  type: 'object',
  properties: {
    name: word,
    address: word,
    weight: { type: 'integer', nullable: true, minimum: 0, maximum: 256 },
    check: { type: 'boolean', nullable: true },
    inter: optDuration,
    fall: { type: 'integer', nullable: true, minimum: 1 },
    rise: { type: 'integer', nullable: true, minimum: 1 },
    backup: { type: 'boolean', nullable: true },
    disabled: { type: 'boolean', nullable: true },
    cookie: optWord,
    maxconn: optCount,
    options: optWords,
  },
  required: ['name', 'address'],
  additionalProperties: false,
};

const httpCheck: JSONSchemaType<HttpCheck> = {
  type: 'object',
  properties: { method: optWord, uri: optWord, host: optWord, expect: optString },
  required: [],
  additionalProperties: false,
};

/** The properties every proxy has. */
const commonProperties = {
  mode: optMode,
  log: optLog,
  options: optStrings,
  timeouts: { ...timeouts, nullable: true },
  maxconn: optCount,
  acls: { type: 'array', nullable: true, items: acl },
  stick_table: { ...stickTable, nullable: true },
  tcp_request: optStrings,
  http_request: { type: 'array', nullable: true, items: httpRequestRule },
  http_response: { type: 'array', nullable: true, items: httpResponseRule },
  extra: optStrings,
} as const;

const binds = { type: 'array', items: bind, minItems: 1 } as const;

const backendProperties = {
  balance: optString,
  http_check: { ...httpCheck, nullable: true },
  cookie: {
    type: 'object',
    nullable: true,
    properties: { name: word, mode: { type: 'string', nullable: true, enum: ['insert', 'rewrite', 'prefix'] }, options: optWords },
    required: ['name'],
    additionalProperties: false,
  },
  default_server: optWords,
  servers: { type: 'array', nullable: true, items: server },
} as const;

const frontend: JSONSchemaType<Frontend> = {
  type: 'object',
  properties: {
    ...commonProperties,
    binds,
    use_backend: { type: 'array', nullable: true, items: useBackend },
    default_backend: optWord,
  },
  required: ['binds'],
  additionalProperties: false,
};

const backend: JSONSchemaType<Backend> = {
  type: 'object',
  properties: { ...commonProperties, ...backendProperties },
  required: [],
  additionalProperties: false,
};

const listen: JSONSchemaType<Listen> = {
  type: 'object',
  properties: { ...commonProperties, ...backendProperties, binds },
  required: ['binds'],
  additionalProperties: false,
};

const userlistUser: JSONSchemaType<UserlistUser> = {
  type: 'object',
  properties: { name: word, password: word, groups: optWords },
  required: ['name', 'password'],
  additionalProperties: false,
};

const userlist: JSONSchemaType<Userlist> = {
  type: 'object',
  properties: { groups: optWords, users: { type: 'array', items: userlistUser } },
  required: ['users'],
  additionalProperties: false,
};

const rawSection: JSONSchemaType<RawSection> = {
  type: 'object',
  properties: { header: { type: 'string', minLength: 1 }, lines: { type: 'array', items: { type: 'string' } } },
  required: ['header', 'lines'],
  additionalProperties: false,
};

/** Section and proxy names: HAProxy allows letters, digits, `-_.:`. */
const names = { pattern: '^[A-Za-z0-9_.:-]+$' } as const;

export const haproxyConfigSchema: JSONSchemaType<HaproxyConfig> = {
  type: 'object',
  properties: {
    global: { ...globalSection, nullable: true },
    defaults: { ...defaultsSection, nullable: true },
    userlists: { type: 'object', nullable: true, required: [], propertyNames: names, additionalProperties: userlist },
    frontends: { type: 'object', nullable: true, required: [], propertyNames: names, additionalProperties: frontend },
    backends: { type: 'object', nullable: true, required: [], propertyNames: names, additionalProperties: backend },
    listens: { type: 'object', nullable: true, required: [], propertyNames: names, additionalProperties: listen },
    sections: { type: 'array', nullable: true, items: rawSection },
  },
  required: [],
  additionalProperties: false,
};

/** What each rule action needs, and text that would break the file (newlines), with the field's path. */
export function configIssues(config: HaproxyConfig, base = 'config'): ParamIssue[] {
  const issues: ParamIssue[] = [];
  const visit = (value: unknown, path: string): void => {
    if (typeof value === 'string' && /[\n\r\0]/.test(value)) issues.push({ field: path, message: 'must be one line (no newline or NUL)' });
    else if (Array.isArray(value)) value.forEach((v, i) => visit(v, `${path}.${i}`));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) visit(v, `${path}.${k}`);
  };
  visit(config, base);
  const logOption = config.defaults?.options?.find((o) => /^(httplog|httpslog|tcplog)\b/.test(o));
  if (config.defaults?.log_format !== undefined && logOption !== undefined) {
    issues.push({ field: `${base}.defaults.log_format`, message: `replaces option ${logOption} (HAProxy warns that one overrides the other): give one of them` });
  }
  const proxies: [string, { http_request?: HttpRequestRule[]; http_response?: HttpResponseRule[] }][] = [
    ...Object.entries(config.frontends ?? {}).map(([n, f]) => [`${base}.frontends.${n}`, f] as [string, Frontend]),
    ...Object.entries(config.backends ?? {}).map(([n, b]) => [`${base}.backends.${n}`, b] as [string, Backend]),
    ...Object.entries(config.listens ?? {}).map(([n, l]) => [`${base}.listens.${n}`, l] as [string, Listen]),
  ];
  for (const [path, proxy] of proxies) {
    (proxy.http_request ?? []).forEach((r, i) => {
      const need = REQUEST_NEEDS[r.action] ?? [];
      for (const f of need) if (r[f] === undefined) issues.push({ field: `${path}.http_request.${i}.${f}`, message: `is required for ${r.action}` });
    });
    (proxy.http_response ?? []).forEach((r, i) => {
      const need = RESPONSE_NEEDS[r.action] ?? [];
      for (const f of need) if (r[f] === undefined) issues.push({ field: `${path}.http_response.${i}.${f}`, message: `is required for ${r.action}` });
    });
  }
  return issues;
}

const REQUEST_NEEDS: Partial<Record<HttpRequestRule['action'], (keyof HttpRequestRule)[]>> = {
  redirect: ['redirect'],
  'set-header': ['name', 'value'],
  'add-header': ['name', 'value'],
  'del-header': ['name'],
  'set-path': ['value'],
  'set-var': ['name', 'value'],
  'track-sc0': ['key'],
  'track-sc1': ['key'],
  'track-sc2': ['key'],
};

const RESPONSE_NEEDS: Partial<Record<HttpResponseRule['action'], (keyof HttpResponseRule)[]>> = {
  'set-header': ['name', 'value'],
  'add-header': ['name', 'value'],
  'del-header': ['name'],
  'set-status': ['status'],
};
