/**
 * HAProxy's configuration as typed data: the sections and directives a reverse proxy, a rate
 * limiter and a blue-green switch use (HAProxy 2.6's keywords), and `extra` lines in every section
 * (plus whole `sections`) for what is not modelled. Durations are HAProxy's strings ('5s', '1m',
 * '500' = ms). render.ts writes it, always in the same order.
 */

/** `if`/`unless` on a rule: an ACL expression such as `is_api !trusted` or `{ src 10.0.0.0/8 }`. */
export interface Condition {
  if?: string;
  unless?: string;
}

export interface LogTarget {
  /** `/dev/log`, `127.0.0.1:514`, `stdout`, or `global` (in defaults/proxies). */
  address: string;
  /** @default none */
  format?: string;
  /** syslog facility (required unless address is `global`). @default none */
  facility?: string;
  /** max level, e.g. `notice`. @default none */
  level?: string;
}

export interface StatsSocket {
  path: string;
  /** @default '660' */
  mode?: string;
  /** `admin` is needed by the haproxy runtime module (enable/disable/weight). @default 'admin' */
  level?: 'user' | 'operator' | 'admin';
  /** Hand listening sockets to the next process on reload (master-worker does this by itself). @default false */
  expose_fd_listeners?: boolean;
}

export interface GlobalSection {
  /** @default none */
  maxconn?: number;
  log?: LogTarget[];
  chroot?: string;
  user?: string;
  group?: string;
  /** Fork into the background (init scripts); not with systemd's -Ws. @default false */
  daemon?: boolean;
  /** One master process that re-executes itself on SIGUSR2 and passes the listeners on: reloads drop nothing. @default false */
  master_worker?: boolean;
  stats_socket?: StatsSocket[];
  /** `stats timeout`. */
  stats_timeout?: string;
  /** Where `show servers state` is saved before a reload and read after it (weights, drains, maintenance survive). */
  server_state_file?: string;
  /** Old processes are killed this long after a reload, even with sessions left. */
  hard_stop_after?: string;
  ca_base?: string;
  crt_base?: string;
  ssl_default_bind_ciphers?: string;
  ssl_default_bind_ciphersuites?: string;
  ssl_default_bind_options?: string[];
  ssl_default_server_ciphers?: string;
  ssl_default_server_options?: string[];
  ssl_dh_param_file?: string;
  /** Lines written as they are at the end of the section (directives not modelled). */
  extra?: string[];
}

export interface Timeouts {
  connect?: string;
  client?: string;
  server?: string;
  http_request?: string;
  http_keep_alive?: string;
  queue?: string;
  check?: string;
  tunnel?: string;
  client_fin?: string;
  server_fin?: string;
}

export interface DefaultsSection {
  mode?: 'http' | 'tcp';
  /** `log global` is `[{ address: 'global' }]`. */
  log?: LogTarget[];
  log_format?: string;
  /** `option NAME` lines in this order: `httplog`, `dontlognull`, `forwardfor`, `redispatch`, `http-server-close` ... */
  options?: string[];
  timeouts?: Timeouts;
  retries?: number;
  maxconn?: number;
  /** HTTP status → file (`errorfile 503 /etc/haproxy/errors/503.http`). */
  errorfiles?: Record<string, string>;
  /**
   * `load-server-state-from-file`. When global has server_state_file and this is unset, `global`
   * is written so that the state saved before a reload is read back.
   */
  load_server_state_from_file?: 'global' | 'local' | 'none';
  extra?: string[];
}

export interface Bind {
  /** `:80`, `*:443`, `10.0.0.1:8080`, `unix@/run/x.sock`, `ipv6@:80`. */
  address: string;
  /** TLS: certificate files or directories (PEM with key); `ssl crt ...` is written. @default no TLS */
  ssl?: { crt: string[]; alpn?: string; options?: string[] };
  /** Other bind options as written (`accept-proxy`, `v4v6`, `name web`). */
  options?: string[];
}

export interface Acl {
  name: string;
  /** `path_beg /api`, `src -f /etc/haproxy/allow.lst`, `hdr(host) -i example.com`. */
  criterion: string;
}

/** One `http-request` rule; the fields used depend on `action` (checked when the playbook loads). */
export interface HttpRequestRule extends Condition {
  action: 'allow' | 'deny' | 'tarpit' | 'redirect' | 'set-header' | 'add-header' | 'del-header' | 'set-path' | 'track-sc0' | 'track-sc1' | 'track-sc2' | 'auth' | 'return' | 'set-var';
  /** deny/tarpit/return: `deny_status` / `status`. */
  status?: number;
  /** set-header/add-header/del-header: the header; set-var: the variable (`txn.x`). */
  name?: string;
  /** set-header/add-header/set-path/set-var: the value (a log-format string or a sample). */
  value?: string;
  /** redirect: `location <url>`, `prefix <url>` or `scheme <https>`, and its code. */
  redirect?: { type: 'location' | 'prefix' | 'scheme'; target: string; code?: 301 | 302 | 303 | 307 | 308 };
  /** track-scN: the key (`src`) and the table (`table NAME`, default: this proxy's). */
  key?: string;
  table?: string;
  /** auth: the realm. */
  realm?: string;
}

/** One `http-response` rule (security headers mostly). */
export interface HttpResponseRule extends Condition {
  action: 'set-header' | 'add-header' | 'del-header' | 'deny' | 'set-status';
  name?: string;
  value?: string;
  status?: number;
}

export interface StickTable {
  type: 'ip' | 'ipv6' | 'integer' | 'string' | 'binary';
  /** `100k`. */
  size: string;
  /** string/binary key length. */
  len?: number;
  expire?: string;
  /** `http_req_rate(10s)`, `conn_cur`, `gpc0` ... */
  store?: string[];
}

export interface UseBackend extends Condition {
  backend: string;
}

/** What frontends, backends and listen sections share. */
export interface ProxyCommon {
  mode?: 'http' | 'tcp';
  log?: LogTarget[];
  options?: string[];
  timeouts?: Timeouts;
  maxconn?: number;
  acls?: Acl[];
  stick_table?: StickTable;
  /** `tcp-request` lines as written (`connection track-sc0 src`, `connection reject if { sc0_conn_rate gt 50 }`). */
  tcp_request?: string[];
  http_request?: HttpRequestRule[];
  http_response?: HttpResponseRule[];
  extra?: string[];
}

export interface FrontendFields {
  binds: Bind[];
  use_backend?: UseBackend[];
  default_backend?: string;
}

export interface Server {
  name: string;
  /** `10.0.0.5:8080`, `app.internal:80`. */
  address: string;
  /** @default 1 (HAProxy's) */
  weight?: number;
  /** Health-check the server. @default false */
  check?: boolean;
  inter?: string;
  fall?: number;
  rise?: number;
  /** Used only when every non-backup server is down. @default false */
  backup?: boolean;
  /** Starts in maintenance (`disabled`). @default false */
  disabled?: boolean;
  /** Cookie value for persistence (backend `cookie`). */
  cookie?: string;
  maxconn?: number;
  /** Other server options as written (`ssl verify none`, `send-proxy`, `slowstart 30s`). */
  options?: string[];
}

export interface HttpCheck {
  /** @default 'GET' */
  method?: string;
  /** @default '/' */
  uri?: string;
  /** A Host header for the check. */
  host?: string;
  /** `status 200`, `rstatus ^2`, `string ok`. */
  expect?: string;
}

export interface BackendFields {
  /** `roundrobin`, `static-rr`, `leastconn`, `first`, `source`, `uri`, `url_param x`, `hdr(host)`, `random`. */
  balance?: string;
  /** `option httpchk` with `http-check send` / `http-check expect`. */
  http_check?: HttpCheck;
  /** `cookie SERVERID insert indirect nocache`: name, mode and its options. */
  cookie?: { name: string; mode?: 'insert' | 'rewrite' | 'prefix'; options?: string[] };
  /** `default-server` options as written (`inter 2s fall 3 rise 2`). */
  default_server?: string[];
  servers?: Server[];
}

export type Frontend = ProxyCommon & FrontendFields;
export type Backend = ProxyCommon & BackendFields;
export type Listen = ProxyCommon & BackendFields & { binds: Bind[] };

export interface UserlistUser {
  name: string;
  /** A crypt(3) hash (`mkpasswd -m sha-512`), written as `password`. */
  password: string;
  groups?: string[];
}

export interface Userlist {
  groups?: string[];
  users: UserlistUser[];
}

/** A section not modelled (`resolvers dns`, `peers mypeers`, `cache c`, `program x`): header and lines. */
export interface RawSection {
  header: string;
  lines: string[];
}

export interface HaproxyConfig {
  global?: GlobalSection;
  defaults?: DefaultsSection;
  userlists?: Record<string, Userlist>;
  frontends?: Record<string, Frontend>;
  backends?: Record<string, Backend>;
  listens?: Record<string, Listen>;
  sections?: RawSection[];
}
