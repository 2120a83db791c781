/**
 * proxy: HAProxy in front of the app role's services on the same host (seed 000's step 4).
 *  - :80 and :443 (TLS with a certificate at `certificate`; `selfSigned` makes one on the host
 *    when there is none, for a lab or before a real one is installed);
 *  - routes by path: `/<route>` and `/<route>/...` to a service with the prefix stripped, the rest
 *    to `defaultService`;
 *  - a per-IP rate limit: past `rateLimit.requests` requests in `rateLimit.period`, 429;
 *  - security headers on every answer (HSTS over TLS), and no Server header;
 *  - a backend per service with two servers, `blue` and `green` (the app role's slots, on
 *    127.0.0.1), health-checked with GET /health. A slot whose container is not running is DOWN
 *    and gets nothing; playbooks/deploy.ts moves traffic between the two through the admin socket
 *    (the haproxy module), and haproxy_config keeps those runtime weights across its reloads.
 */
import { block, sh, task, type Items } from '../../runner/index.js';
import { apt, file, haproxy_config, service, shell, type HaproxyConfig } from '../../modules/index.js';
import type { Backend } from '../../modules/haproxy/config.types.js';
import { slotPort, SHIFTPLAN_SERVICES, type AppVars } from './app.js';

export const HAPROXY_SOCKET = '/run/haproxy/admin.sock';

export interface ProxyVars {
  /** The app whose services are proxied (its name and services' ports). */
  app: Pick<AppVars, 'name' | 'services'>;
  /** Service → path prefix routed to it (`/auth` takes /auth and /auth/...). @default '/<service>' for each but defaultService */
  routes?: Record<string, string>;
  /** The service for every path no route takes. @default the first service */
  defaultService?: string;
  /** Requests per client address before 429. @default { requests: 100, period: '10s' } */
  rateLimit?: { requests: number; period: string };
  /** PEM with certificate and key for :443. @default '/etc/haproxy/certs/site.pem' */
  certificate?: string;
  /** Make a self-signed certificate on the host when `certificate` does not exist (subject: the host's name). @default true */
  selfSigned?: boolean;
  /** Seconds between two health checks of a server. @default 2 */
  checkInterval?: number;
}

export function proxyConfig(v: ProxyVars): HaproxyConfig {
  const services = Object.keys(v.app.services ?? SHIFTPLAN_SERVICES);
  const fallback = v.defaultService ?? services[0]!;
  const routed = services.filter((s) => s !== fallback);
  const route = (s: string) => v.routes?.[s] ?? `/${s}`;
  const limit = v.rateLimit ?? { requests: 100, period: '10s' };
  const inter = `${v.checkInterval ?? 2}s`;
  const backend = (s: string): Backend => ({
    balance: 'roundrobin',
    http_check: { uri: '/health', expect: 'status 200' },
    // /auth/health reaches the auth service as /health.
    http_request: routed.includes(s) ? [{ action: 'set-path', value: `%[path,regsub(^${route(s)}/?,/)]` }] : [],
    servers: (['blue', 'green'] as const).map((color) => ({
      name: color,
      address: `127.0.0.1:${slotPort(v.app as AppVars, s, color)}`,
      weight: 100,
      check: true,
      inter,
      fall: 2,
      rise: 2,
    })),
  });
  return {
    global: {
      log: [{ address: '/dev/log', facility: 'local0' }],
      chroot: '/var/lib/haproxy',
      user: 'haproxy',
      group: 'haproxy',
      master_worker: true,
      maxconn: 4096,
      stats_socket: [{ path: HAPROXY_SOCKET }],
      server_state_file: '/var/lib/haproxy/server-state',
      hard_stop_after: '30s',
      ssl_default_bind_options: ['ssl-min-ver', 'TLSv1.2', 'no-tls-tickets'],
    },
    defaults: {
      mode: 'http',
      log: [{ address: 'global' }],
      // redispatch + retries: a request whose connection to a server fails goes to another one.
      options: ['httplog', 'dontlognull', 'forwardfor', 'redispatch'],
      retries: 3,
      timeouts: { connect: '5s', client: '30s', server: '30s', http_request: '10s' },
    },
    frontends: {
      web: {
        binds: [{ address: ':80' }, { address: ':443', ssl: { crt: [v.certificate ?? '/etc/haproxy/certs/site.pem'], alpn: 'h2,http/1.1' } }],
        stick_table: { type: 'ip', size: '100k', expire: limit.period, store: [`http_req_rate(${limit.period})`] },
        acls: routed.map((s) => ({ name: `to_${s}`, criterion: `path_reg ^${route(s)}(/|$)` })),
        http_request: [
          { action: 'track-sc0', key: 'src' },
          { action: 'deny', status: 429, if: `{ sc_http_req_rate(0) gt ${limit.requests} }` },
          { action: 'set-header', name: 'X-Forwarded-Proto', value: 'https', if: '{ ssl_fc }' },
        ],
        http_response: [
          { action: 'set-header', name: 'Strict-Transport-Security', value: 'max-age=31536000; includeSubDomains', if: '{ ssl_fc }' },
          { action: 'set-header', name: 'X-Content-Type-Options', value: 'nosniff' },
          { action: 'set-header', name: 'X-Frame-Options', value: 'DENY' },
          { action: 'set-header', name: 'Referrer-Policy', value: 'no-referrer' },
          { action: 'set-header', name: 'Content-Security-Policy', value: "default-src 'self'" },
          { action: 'del-header', name: 'Server' },
        ],
        use_backend: routed.map((s) => ({ backend: s, if: `to_${s}` })),
        default_backend: fallback,
      },
    },
    backends: Object.fromEntries(services.map((s) => [s, backend(s)])),
  };
}

export function proxy(v: ProxyVars): Items {
  const pem = v.certificate ?? '/etc/haproxy/certs/site.pem';
  const dir = pem.slice(0, pem.lastIndexOf('/')) || '/';
  return [
    block({
      tags: ['proxy'],
      block: [
        // socat: the haproxy module (weights, drain) talks to the admin socket with it. update_cache
        // (valid for an hour): a check run on a fresh host (no package lists yet) can resolve them.
        task('haproxy installed', apt({ name: ['haproxy', 'socat', 'openssl'], state: 'present', update_cache: true, cache_valid_time: 3600 })),
        task('certificate directory', file({ path: dir, state: 'directory', mode: '0700' })),
        ...(v.selfSigned === false
          ? []
          : [
              task(
                'self-signed certificate',
                shell((h) => ({
                  // One PEM with the key and the certificate, as HAProxy's `crt` wants; written under a
                  // temp name in the same directory and renamed, so HAProxy never reads half of one.
                  cmd: sh`set -e; t=$(mktemp -d ${dir}/.cert.XXXXXX); openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj ${`/CN=${h.host}`} -keyout "$t/key" -out "$t/crt" 2>/dev/null; cat "$t/crt" "$t/key" > "$t/pem"; chmod 600 "$t/pem"; mv "$t/pem" ${pem}; rm -rf "$t"`,
                  creates: pem,
                })),
              ),
            ]),
        task('haproxy configuration', haproxy_config({ config: proxyConfig(v) })),
        task('haproxy running', service({ name: 'haproxy', state: 'started', enabled: true })),
      ],
    }),
  ];
}
