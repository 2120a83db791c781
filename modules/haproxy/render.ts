/**
 * Writes a HaproxyConfig as haproxy.cfg text. Deterministic: sections in a fixed order (global,
 * defaults, userlists, raw sections, frontends, listens, backends; proxies in the order they were
 * given), directives in a fixed order inside each, so the same data always gives the same bytes and
 * the diff shows only what was changed. Within a proxy the order is HAProxy's evaluation order
 * (tcp-request, http-request, use_backend), so it never warns about rules placed after others.
 */
import type { Acl, Backend, BackendFields, Bind, Condition, DefaultsSection, Frontend, GlobalSection, HaproxyConfig, HttpRequestRule, HttpResponseRule, Listen, LogTarget, ProxyCommon, Server, StickTable, Timeouts, Userlist } from './config.types.js';

export const MANAGED_HEADER = '# Managed by Hostwright (haproxy_config): changes made here are overwritten.';

const INDENT = '    ';

/**
 * One argument as HAProxy's parser reads it: bare when it is a plain token; otherwise in single
 * quotes (nothing inside is interpreted, `$VAR` included), or double quotes with `\` escapes when
 * it contains a single quote.
 */
export function arg(value: string | number): string {
  const s = String(value);
  if (s !== '' && /^[A-Za-z0-9_.,:;/@%+=*!?(){}[\]<>^|~-]+$/.test(s) && !s.includes('#')) return s;
  if (!s.includes("'")) return `'${s}'`;
  return `"${s.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}

function cond(c: Condition): string {
  return `${c.if !== undefined ? ` if ${c.if}` : ''}${c.unless !== undefined ? ` unless ${c.unless}` : ''}`;
}

function logLines(log: LogTarget[] | undefined): string[] {
  return (log ?? []).map((l) => ['log', l.address, ...(l.format ? ['format', l.format] : []), ...(l.facility ? [l.facility] : []), ...(l.level ? [l.level] : [])].join(' '));
}

const TIMEOUT_ORDER: (keyof Timeouts)[] = ['connect', 'client', 'server', 'http_request', 'http_keep_alive', 'queue', 'check', 'tunnel', 'client_fin', 'server_fin'];

function timeoutLines(t: Timeouts | undefined): string[] {
  if (!t) return [];
  return TIMEOUT_ORDER.filter((k) => t[k] !== undefined).map((k) => `timeout ${k.replace(/_/g, '-')} ${t[k]}`);
}

function globalLines(g: GlobalSection): string[] {
  const lines: string[] = [...logLines(g.log)];
  if (g.chroot !== undefined) lines.push(`chroot ${g.chroot}`);
  if (g.user !== undefined) lines.push(`user ${g.user}`);
  if (g.group !== undefined) lines.push(`group ${g.group}`);
  if (g.daemon) lines.push('daemon');
  if (g.master_worker) lines.push('master-worker');
  if (g.maxconn !== undefined) lines.push(`maxconn ${g.maxconn}`);
  for (const s of g.stats_socket ?? []) {
    lines.push(`stats socket ${s.path} mode ${s.mode ?? '660'} level ${s.level ?? 'admin'}${s.expose_fd_listeners ? ' expose-fd listeners' : ''}`);
  }
  if (g.stats_timeout !== undefined) lines.push(`stats timeout ${g.stats_timeout}`);
  if (g.server_state_file !== undefined) lines.push(`server-state-file ${g.server_state_file}`);
  if (g.hard_stop_after !== undefined) lines.push(`hard-stop-after ${g.hard_stop_after}`);
  if (g.ca_base !== undefined) lines.push(`ca-base ${g.ca_base}`);
  if (g.crt_base !== undefined) lines.push(`crt-base ${g.crt_base}`);
  if (g.ssl_default_bind_ciphers !== undefined) lines.push(`ssl-default-bind-ciphers ${g.ssl_default_bind_ciphers}`);
  if (g.ssl_default_bind_ciphersuites !== undefined) lines.push(`ssl-default-bind-ciphersuites ${g.ssl_default_bind_ciphersuites}`);
  if (g.ssl_default_bind_options?.length) lines.push(`ssl-default-bind-options ${g.ssl_default_bind_options.join(' ')}`);
  if (g.ssl_default_server_ciphers !== undefined) lines.push(`ssl-default-server-ciphers ${g.ssl_default_server_ciphers}`);
  if (g.ssl_default_server_options?.length) lines.push(`ssl-default-server-options ${g.ssl_default_server_options.join(' ')}`);
  if (g.ssl_dh_param_file !== undefined) lines.push(`ssl-dh-param-file ${g.ssl_dh_param_file}`);
  return [...lines, ...(g.extra ?? [])];
}

function defaultsLines(d: DefaultsSection, stateFile: boolean): string[] {
  const lines: string[] = [];
  if (d.mode !== undefined) lines.push(`mode ${d.mode}`);
  lines.push(...logLines(d.log));
  lines.push(...(d.options ?? []).map((o) => `option ${o}`));
  // After the options: `option httplog` would replace a log-format written before it.
  if (d.log_format !== undefined) lines.push(`log-format ${arg(d.log_format)}`);
  lines.push(...timeoutLines(d.timeouts));
  if (d.retries !== undefined) lines.push(`retries ${d.retries}`);
  if (d.maxconn !== undefined) lines.push(`maxconn ${d.maxconn}`);
  const load = d.load_server_state_from_file ?? (stateFile ? 'global' : undefined);
  if (load !== undefined) lines.push(`load-server-state-from-file ${load}`);
  for (const code of Object.keys(d.errorfiles ?? {}).sort()) lines.push(`errorfile ${code} ${d.errorfiles![code]}`);
  return [...lines, ...(d.extra ?? [])];
}

function bindLine(b: Bind): string {
  const parts = ['bind', b.address];
  if (b.ssl) {
    parts.push('ssl', ...b.ssl.crt.flatMap((c) => ['crt', c]));
    if (b.ssl.alpn !== undefined) parts.push('alpn', b.ssl.alpn);
    parts.push(...(b.ssl.options ?? []));
  }
  parts.push(...(b.options ?? []));
  return parts.join(' ');
}

function aclLines(acls: Acl[] | undefined): string[] {
  return (acls ?? []).map((a) => `acl ${a.name} ${a.criterion}`);
}

function stickTableLine(t: StickTable): string {
  const parts = ['stick-table', 'type', t.type];
  if (t.len !== undefined) parts.push('len', String(t.len));
  parts.push('size', t.size);
  if (t.expire !== undefined) parts.push('expire', t.expire);
  if (t.store?.length) parts.push('store', t.store.join(','));
  return parts.join(' ');
}

export function httpRequestLine(r: HttpRequestRule): string {
  const head = 'http-request';
  switch (r.action) {
    case 'deny':
    case 'tarpit':
      return `${head} ${r.action}${r.status !== undefined ? ` deny_status ${r.status}` : ''}${cond(r)}`;
    case 'return':
      return `${head} return${r.status !== undefined ? ` status ${r.status}` : ''}${cond(r)}`;
    case 'redirect':
      return `${head} redirect ${r.redirect!.type} ${arg(r.redirect!.target)}${r.redirect!.code !== undefined ? ` code ${r.redirect!.code}` : ''}${cond(r)}`;
    case 'set-header':
    case 'add-header':
      return `${head} ${r.action} ${r.name} ${arg(r.value!)}${cond(r)}`;
    case 'del-header':
      return `${head} del-header ${r.name}${cond(r)}`;
    case 'set-path':
      return `${head} set-path ${arg(r.value!)}${cond(r)}`;
    case 'set-var':
      return `${head} set-var(${r.name}) ${r.value}${cond(r)}`;
    case 'track-sc0':
    case 'track-sc1':
    case 'track-sc2':
      return `${head} ${r.action} ${r.key}${r.table !== undefined ? ` table ${r.table}` : ''}${cond(r)}`;
    case 'auth':
      return `${head} auth${r.realm !== undefined ? ` realm ${arg(r.realm)}` : ''}${cond(r)}`;
    case 'allow':
      return `${head} allow${cond(r)}`;
  }
}

export function httpResponseLine(r: HttpResponseRule): string {
  const head = 'http-response';
  switch (r.action) {
    case 'set-header':
    case 'add-header':
      return `${head} ${r.action} ${r.name} ${arg(r.value!)}${cond(r)}`;
    case 'del-header':
      return `${head} del-header ${r.name}${cond(r)}`;
    case 'deny':
      return `${head} deny${r.status !== undefined ? ` deny_status ${r.status}` : ''}${cond(r)}`;
    case 'set-status':
      return `${head} set-status ${r.status}${cond(r)}`;
  }
}

/** Directives every proxy may have, up to (not including) its routing and servers. */
function commonLines(p: ProxyCommon): string[] {
  const lines: string[] = [];
  if (p.mode !== undefined) lines.push(`mode ${p.mode}`);
  if (p.maxconn !== undefined) lines.push(`maxconn ${p.maxconn}`);
  lines.push(...logLines(p.log));
  lines.push(...(p.options ?? []).map((o) => `option ${o}`));
  lines.push(...timeoutLines(p.timeouts));
  if (p.stick_table) lines.push(stickTableLine(p.stick_table));
  lines.push(...aclLines(p.acls));
  lines.push(...(p.tcp_request ?? []).map((t) => `tcp-request ${t}`));
  lines.push(...(p.http_request ?? []).map(httpRequestLine));
  lines.push(...(p.http_response ?? []).map(httpResponseLine));
  return lines;
}

export function serverLine(s: Server): string {
  const parts = ['server', s.name, s.address];
  if (s.weight !== undefined) parts.push('weight', String(s.weight));
  if (s.check) parts.push('check');
  if (s.inter !== undefined) parts.push('inter', s.inter);
  if (s.fall !== undefined) parts.push('fall', String(s.fall));
  if (s.rise !== undefined) parts.push('rise', String(s.rise));
  if (s.maxconn !== undefined) parts.push('maxconn', String(s.maxconn));
  if (s.cookie !== undefined) parts.push('cookie', s.cookie);
  if (s.backup) parts.push('backup');
  if (s.disabled) parts.push('disabled');
  parts.push(...(s.options ?? []));
  return parts.join(' ');
}

function backendFieldLines(b: BackendFields): string[] {
  const lines: string[] = [];
  if (b.http_check) {
    const c = b.http_check;
    lines.push('option httpchk');
    const send = ['http-check send meth', c.method ?? 'GET', 'uri', c.uri ?? '/'];
    if (c.host !== undefined) send.push('hdr Host', c.host);
    lines.push(send.join(' '));
    if (c.expect !== undefined) lines.push(`http-check expect ${c.expect}`);
  }
  if (b.cookie) lines.push(['cookie', b.cookie.name, ...(b.cookie.mode ? [b.cookie.mode] : []), ...(b.cookie.options ?? [])].join(' '));
  if (b.default_server?.length) lines.push(`default-server ${b.default_server.join(' ')}`);
  lines.push(...(b.servers ?? []).map(serverLine));
  return lines;
}

function frontendLines(f: Frontend): string[] {
  return [
    ...f.binds.map(bindLine),
    ...commonLines(f),
    ...(f.use_backend ?? []).map((u) => `use_backend ${u.backend}${cond(u)}`),
    ...(f.default_backend !== undefined ? [`default_backend ${f.default_backend}`] : []),
    ...(f.extra ?? []),
  ];
}

function balanceLine(b: { balance?: string }): string[] {
  return b.balance !== undefined ? [`balance ${b.balance}`] : [];
}

function backendLines(b: Backend): string[] {
  // `mode` first, then the balance algorithm, as configs are usually read.
  const { mode, ...rest } = b;
  return [...(mode !== undefined ? [`mode ${mode}`] : []), ...balanceLine(b), ...commonLines(rest), ...backendFieldLines(b), ...(b.extra ?? [])];
}

function listenLines(l: Listen): string[] {
  return [...l.binds.map(bindLine), ...backendLines({ ...l, extra: [] }), ...(l.extra ?? [])];
}

function userlistLines(u: Userlist): string[] {
  return [
    ...(u.groups ?? []).map((g) => `group ${g}`),
    ...u.users.map((x) => `user ${x.name} password ${x.password}${x.groups?.length ? ` groups ${x.groups.join(',')}` : ''}`),
  ];
}

function section(header: string, lines: string[]): string {
  return [header, ...lines.map((l) => INDENT + l)].join('\n') + '\n';
}

export function renderConfig(c: HaproxyConfig): string {
  const out: string[] = [MANAGED_HEADER + '\n'];
  if (c.global) out.push(section('global', globalLines(c.global)));
  if (c.defaults) out.push(section('defaults', defaultsLines(c.defaults, c.global?.server_state_file !== undefined)));
  for (const [name, u] of Object.entries(c.userlists ?? {})) out.push(section(`userlist ${name}`, userlistLines(u)));
  for (const s of c.sections ?? []) out.push(section(s.header, s.lines));
  for (const [name, f] of Object.entries(c.frontends ?? {})) out.push(section(`frontend ${name}`, frontendLines(f)));
  for (const [name, l] of Object.entries(c.listens ?? {})) out.push(section(`listen ${name}`, listenLines(l)));
  for (const [name, b] of Object.entries(c.backends ?? {})) out.push(section(`backend ${name}`, backendLines(b)));
  return out.join('\n');
}
