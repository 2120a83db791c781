/** haproxy_config: rendering the typed configuration, its parameter checks, and the plan from recorded probes. */
import { describe, expect, it } from 'vitest';
import { haproxy_config, overlayHaproxyConfig, parseConfigProbe, planHaproxyConfig, type HaproxyConfigParams, type HaproxyConfigState } from '../../../modules/haproxy/config.js';
import type { HaproxyConfig } from '../../../modules/haproxy/config.types.js';
import { FRONT_DOOR } from '../../fixtures/haproxy/front-door.js';
import { arg, renderConfig } from '../../../modules/haproxy/render.js';
import type { RunAction, WriteAction } from '../../../runner/module.types.js';
import { PredictedState } from '../../../runner/predict.js';

const EXPECTED = `# Managed by Hostwright (haproxy_config): changes made here are overwritten.

global
    log /dev/log local0
    chroot /var/lib/haproxy
    user haproxy
    group haproxy
    master-worker
    maxconn 20000
    stats socket /run/haproxy/admin.sock mode 660 level admin
    server-state-file /var/lib/haproxy/server-state
    hard-stop-after 30s
    ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets

defaults
    mode http
    log global
    option dontlognull
    option forwardfor
    log-format '%ci:%cp [%tr] %ft %b/%s %ST %B'
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    timeout http-request 10s
    load-server-state-from-file global
    errorfile 403 /etc/haproxy/errors/403.http
    errorfile 503 /etc/haproxy/errors/503.http

userlist ops
    group admin
    user alice password $6$salt$hash groups admin

resolvers dns
    nameserver ns1 10.0.0.2:53

frontend https
    bind :80
    bind :443 ssl crt /etc/haproxy/certs/site.pem alpn h2,http/1.1
    stick-table type ip size 100k expire 30s store http_req_rate(10s)
    acl is_api path_beg /api
    http-request redirect scheme https code 301 unless { ssl_fc }
    http-request track-sc0 src
    http-request deny deny_status 429 if { sc_http_req_rate(0) gt 100 }
    http-request set-header X-Forwarded-Proto https if { ssl_fc }
    http-response set-header Strict-Transport-Security 'max-age=31536000; includeSubDomains'
    http-response set-header X-Content-Type-Options nosniff
    http-response del-header Server
    use_backend api if is_api
    default_backend web

listen stats
    bind 127.0.0.1:8404
    stats enable
    stats uri /stats

backend web
    balance roundrobin
    option httpchk
    http-check send meth GET uri /health
    http-check expect status 200
    cookie SRV insert indirect nocache
    server blue 10.0.0.11:8080 weight 100 check inter 2s fall 3 rise 2 cookie b
    server green 10.0.0.12:8080 weight 0 check cookie g
    server sorry 10.0.0.13:8080 backup disabled

backend api
    mode http
    balance leastconn
    server a1 10.0.0.21:9000 check slowstart 30s
`;

describe('rendering', () => {
  it('writes every modelled section and directive in a fixed order', () => {
    expect(renderConfig(FRONT_DOOR)).toBe(EXPECTED);
  });
  it('is deterministic: the same data gives the same bytes', () => {
    expect(renderConfig(structuredClone(FRONT_DOOR))).toBe(renderConfig(FRONT_DOOR));
  });
  it('quotes arguments the way HAProxy reads them', () => {
    expect(arg('nosniff')).toBe('nosniff');
    expect(arg('a b')).toBe("'a b'");
    expect(arg("it's $HOME")).toBe(`"it's \\$HOME"`);
    expect(arg('')).toBe("''");
    expect(arg('x#y')).toBe("'x#y'");
  });
});

describe('parameters', () => {
  it('the front door validates', () => {
    expect(haproxy_config({ config: FRONT_DOOR }).issues).toEqual([]);
  });
  it('names the field: rule fields an action needs, multi-line text, unknown keys, bad durations', () => {
    const bad = haproxy_config({
      config: {
        frontends: { web: { binds: [{ address: ':80' }], http_request: [{ action: 'set-header', name: 'X-A' }], extra: ['ok', 'two\nlines'] } },
      },
    });
    expect(bad.issues).toEqual([
      { field: 'config.frontends.web.extra.1', message: 'must be one line (no newline or NUL)' },
      { field: 'config.frontends.web.http_request.0.value', message: 'is required for set-header' },
    ]);
    expect(haproxy_config({ config: { backends: { b: { servers: [{ name: 's', address: 'x:1', wieght: 3 } as never] } } } }).issues).toEqual([
      { field: 'config.backends.b.servers.0.wieght', message: 'is not a parameter of this module' },
    ]);
    expect(haproxy_config({ config: { defaults: { timeouts: { client: '30 s' } } } }).issues.map((i) => i.field)).toEqual(['config.defaults.timeouts.client']);
    expect(haproxy_config({ config: { frontends: { web: { binds: [] } } } }).issues.map((i) => i.field)).toEqual(['config.frontends.web.binds']);
    expect(haproxy_config({ config: { defaults: { options: ['httplog'], log_format: '%ci' } } }).issues).toEqual([
      { field: 'config.defaults.log_format', message: "replaces option httplog (HAProxy warns that one overrides the other): give one of them" },
    ]);
  });
});

const CONFIG: HaproxyConfig = {
  global: { master_worker: true, stats_socket: [{ path: '/run/haproxy/admin.sock' }], server_state_file: '/var/lib/haproxy/server-state' },
  frontends: { web: { binds: [{ address: ':80' }], default_backend: 'app' } },
  backends: { app: { servers: [{ name: 'a', address: '10.0.0.1:80' }] } },
};

/** A probe as recorded on a plain lab host: daemon lines, then the target's (content last). */
function probe(daemon: string, content?: string): HaproxyConfigState {
  const target = content === undefined ? 'path /etc/haproxy/haproxy.cfg\nstat absent\nparent yes\numask 0022\n' : `path /etc/haproxy/haproxy.cfg\nstat regular file|644|root|root|0|0|${content.length}|1|1|2\nparent yes\numask 0022\n::content::\n${content}`;
  return parseConfigProbe(Buffer.from(daemon + target), 'sysv');
}
const MASTER = 'hw.installed yes\nhw.socat yes\nhw.active active\nhw.children 761\n';
const params = (over: Partial<HaproxyConfigParams> = {}): HaproxyConfigParams => ({ config: CONFIG, ...over });

describe('plan', () => {
  it('same text: nothing to do', () => {
    expect(planHaproxyConfig(params(), probe(MASTER, renderConfig(CONFIG)))).toMatchObject({ changed: false, actions: [] });
  });
  it('a change under a running master: validated write, state saved, SIGUSR2 and wait for the new worker', () => {
    const p = planHaproxyConfig(params(), probe(MASTER, 'old\n'));
    expect(p.changed).toBe(true);
    const [write, save, reload] = p.actions as [WriteAction, RunAction, RunAction];
    expect(write).toMatchObject({ kind: 'write', path: '/etc/haproxy/haproxy.cfg', validate: 'haproxy -c -f %s' });
    expect(save.script).toContain("printf 'show servers state\\n' | socat -t 10 stdio \"unix-connect:$s\" > \"$f.hostwright\"");
    expect(reload.describe).toBe('reload haproxy (master-worker)');
    expect(reload.script).toContain('kill -USR2 "$pid"');
    expect(p.diffs).toEqual([{ before: 'old\n', after: renderConfig(CONFIG), before_header: '/etc/haproxy/haproxy.cfg', after_header: '/etc/haproxy/haproxy.cfg' }]);
  });
  it('not master-worker yet: the init script reloads (-sf); not running: started; reload false: only the write', () => {
    const old = planHaproxyConfig(params(), probe('hw.installed yes\nhw.socat yes\nhw.active active\nhw.children \n', 'old\n'));
    expect(old.actions.map((a) => (a as RunAction).describe ?? a.kind)).toEqual(['write', "save the servers' state into /var/lib/haproxy/server-state", 'reload haproxy']);
    const stopped = planHaproxyConfig(params(), probe('hw.installed yes\nhw.socat no\nhw.active no\n'));
    expect(stopped.actions.map((a) => (a as RunAction).describe ?? a.kind)).toEqual(['write', 'start haproxy']);
    expect(planHaproxyConfig(params({ reload: false }), probe(MASTER, 'old\n')).actions.map((a) => a.kind)).toEqual(['write']);
  });
  it('systemd: systemctl reload, then the same wait for a new worker', () => {
    const s = parseConfigProbe(Buffer.from('hw.installed yes\nhw.socat yes\nhw.active active\npath /etc/haproxy/haproxy.cfg\nstat absent\nparent yes\numask 0022\n'), 'systemd');
    const reload = planHaproxyConfig(params(), s).actions[2] as RunAction;
    expect(reload.script).toContain('systemctl reload -- haproxy.service');
    expect(reload.script).toContain('pid=$(systemctl show -p MainPID --value -- haproxy.service)');
  });
  it('fails clearly without haproxy, or without socat when the state must be saved', () => {
    expect(planHaproxyConfig(params(), probe('hw.installed no\nhw.socat no\nhw.active no\n')).failed).toBe('haproxy is not installed on the host (install the haproxy package first)');
    expect(planHaproxyConfig(params(), probe('hw.installed yes\nhw.socat no\nhw.active active\nhw.children 9\n', 'old\n')).failed).toMatch(/socat is needed .* saves the servers' state before the reload/);
  });
});

describe('check mode predicts through earlier tasks (effects and overlay)', () => {
  it('declares the file it writes and the service it leaves running', () => {
    const p = planHaproxyConfig(params(), probe(MASTER, 'old\n'));
    expect(p.effects).toEqual([
      { kind: 'path', path: '/etc/haproxy/haproxy.cfg', state: 'file', content: Buffer.from(renderConfig(CONFIG)) },
      { kind: 'service', name: 'haproxy', running: true },
    ]);
  });
  it('HAProxy installed by an earlier task: the write and a reload of the daemon its package starts', () => {
    const predicted = new PredictedState();
    predicted.record([{ kind: 'package', name: 'haproxy', state: 'present' }, { kind: 'package', name: 'socat', state: 'present' }], 'install');
    const absent = probe('hw.installed no\nhw.socat no\nhw.active no\n');
    expect(planHaproxyConfig(params(), absent).failed).toMatch(/not installed/);
    const seen = overlayHaproxyConfig(absent, predicted.view(undefined), params());
    expect(planHaproxyConfig(params(), seen).actions.map((a) => (a as RunAction).describe ?? a.kind)).toEqual(['write', "save the servers' state into /var/lib/haproxy/server-state", 'reload haproxy']);
  });
  it('the same config written by an earlier task: no change predicted for this one', () => {
    const predicted = new PredictedState();
    const first = planHaproxyConfig(params(), probe(MASTER, 'old\n'));
    predicted.record(first.effects!, 'haproxy config');
    const seen = overlayHaproxyConfig(probe(MASTER, 'old\n'), predicted.view(undefined), params());
    expect(planHaproxyConfig(params(), seen)).toMatchObject({ changed: false, actions: [] });
  });
});
