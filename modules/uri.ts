/**
 * uri: an HTTP request made FROM THE HOST (as Ansible's uri module runs on the target), with the
 * host's `curl` — the host needs curl (Debian: `apt-get install curl`); without it the task fails
 * saying so. Ansible's parameters, defaults and result keys: status, url, redirected, msg
 * ("OK (N bytes)"), elapsed, every response header lower-cased with `-` → `_` (content_type,
 * server, ...), cookies/cookies_string, `json` for a JSON body, `content` with return_content.
 * A status not in `status_code` fails with "Status code was N and not [..]: ..."; a request that
 * never got an answer has status -1 and curl's own reason (refused, timed out, bad certificate).
 *
 * Never "changed" (as Ansible without `dest`). Check mode skips it, as Ansible does: the module
 * does not support check mode, because a request may act on the remote service.
 *
 * Not implemented: dest, src, creates/removes, form-multipart, url_username/url_password,
 * client_cert/key, unix_socket, ca_path, decompress, use_proxy, http_agent.
 */
import { defineModule } from '../runner/module.js';
import type { ExecResult } from '../runner/connection/types.js';
import type { TaskResult } from '../runner/module.types.js';
import { raw, sh } from '../runner/shell.js';
import { nothingToObserve } from './_lib/controller.js';
import { uriDefinition, type UriParams } from './uri.params.js';

export type { UriParams } from './uri.params.js';

export interface UriResult extends TaskResult {
  status: number;
  url: string;
  redirected: boolean;
  elapsed: number;
  content?: string;
  json?: unknown;
  content_type?: string;
  location?: string;
  cookies?: Record<string, string>;
  cookies_string?: string;
}

/** Markers between the parts of the script's output. */
const HEADERS = '::hostwright-uri-headers::';
const BODY = '::hostwright-uri-body::';
const NO_CURL = 'hostwright-uri: no curl';

/** The request body as sent, and the Content-Type it implies (Ansible's body_format rules). */
export function encodeBody(p: UriParams): { body?: string; contentType?: string } {
  if (p.body === undefined || p.body === null) return {};
  const format = p.body_format ?? 'raw';
  if (format === 'json') return { body: typeof p.body === 'string' ? p.body : JSON.stringify(p.body), contentType: 'application/json' };
  if (format === 'form-urlencoded') {
    const body = typeof p.body === 'string' ? p.body : new URLSearchParams(Object.entries(p.body as Record<string, unknown>).map(([k, v]): [string, string] => [k, String(v)])).toString();
    return { body, contentType: 'application/x-www-form-urlencoded' };
  }
  return { body: typeof p.body === 'string' ? p.body : JSON.stringify(p.body) };
}

function follows(p: UriParams, method: string): boolean {
  const f = p.follow_redirects ?? 'safe';
  if (f === 'all' || f === 'yes') return true;
  if (f === 'none' || f === 'no') return false;
  return method === 'GET' || method === 'HEAD';
}

/** One sh script: curl writes headers and body to a temp dir; the script prints them between markers. */
export function uriScript(p: UriParams, hasBody: boolean, headers: Record<string, string>): string {
  const method = p.method ?? 'GET';
  const args: string[] = ['-sS', '--max-time', String(p.timeout ?? 30)];
  if (method === 'HEAD') args.push('--head');
  else args.push('-X', method);
  if (p.validate_certs === false) args.push('-k');
  if (follows(p, method)) args.push('-L', '--max-redirs', '50');
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  if (hasBody) args.push('--data-binary', '@-');
  return [
    sh`command -v curl >/dev/null 2>&1 || { echo ${NO_CURL}; exit 0; }`,
    `d=$(mktemp -d) || exit 1`,
    `trap 'rm -rf -- "$d"' EXIT`,
    sh`curl ${args} -D "$d/h" -o "$d/b" -w '%{http_code} %{time_total} %{url_effective}' -- ${p.url} >"$d/w" 2>"$d/e"${raw(hasBody ? '' : ' </dev/null')}`,
    `echo "rc $?"`,
    `printf 'w '; cat "$d/w"; echo`,
    `printf 'e '; tr '\\n' ' ' <"$d/e"; echo`,
    sh`echo ${HEADERS}; cat "$d/h" 2>/dev/null`,
    sh`echo ${BODY}; cat "$d/b" 2>/dev/null`,
  ].join('\n') + '\n';
}

interface Response {
  rc: number;
  status: number;
  elapsed: number;
  url: string;
  error: string;
  reason: string;
  headers: [string, string][];
  body: string;
}

/** The script's output: curl's exit code, -w line, stderr, the LAST header block (after redirects), the body. */
export function parseResponse(out: string): Response | undefined {
  const h = out.indexOf(`${HEADERS}\n`);
  const b = out.indexOf(`${BODY}\n`, h);
  if (h < 0 || b < 0) return undefined;
  const head = out.slice(0, h).split('\n');
  const rc = Number(/^rc (\d+)/.exec(head[0] ?? '')?.[1] ?? -1);
  const w = /^w (\d+) ([\d.]+) (.*)$/.exec(head[1] ?? '');
  const error = (head[2] ?? '').replace(/^e /, '').trim();
  const blocks = out.slice(h + HEADERS.length + 1, b).split(/\r?\n\r?\n/).filter((x) => x.trim() !== '');
  const last = (blocks[blocks.length - 1] ?? '').split(/\r?\n/);
  const reason = /^HTTP\/[\d.]+ \d+ ?(.*)$/.exec(last[0] ?? '')?.[1]?.trim() ?? '';
  const headers = last.slice(1).flatMap((l): [string, string][] => {
    const i = l.indexOf(':');
    return i > 0 ? [[l.slice(0, i).trim(), l.slice(i + 1).trim()]] : [];
  });
  return {
    rc,
    status: w ? Number(w[1]) : 0,
    elapsed: w ? Math.floor(Number(w[2])) : 0,
    url: w?.[3] ?? '',
    error,
    reason,
    headers,
    body: out.slice(b + BODY.length + 1),
  };
}

const JSON_CANDIDATES = new Set(['json', 'javascript']);

/** Ansible's uri result from the response (module_utils/urls fetch_url + modules/uri.py). */
export function uriResult(p: UriParams, r: Response): { result: Record<string, unknown>; failed?: string } {
  const codes = Array.isArray(p.status_code) ? p.status_code : [p.status_code ?? 200];
  const codesText = `[${codes.join(', ')}]`;
  if (r.status === 0) {
    // No answer at all: urllib's status -1 with the reason.
    const result = { status: -1, url: p.url, redirected: false, elapsed: r.elapsed };
    const msg = `Status code was -1 and not ${codesText}: Request failed: ${r.error || `curl exit code ${r.rc}`}`;
    return codes.includes(-1) ? { result: { ...result, msg } } : { result, failed: msg };
  }
  const result: Record<string, unknown> = {};
  const cookies: Record<string, string> = {};
  for (const [name, value] of r.headers) {
    const key = name.toLowerCase().replace(/-/g, '_');
    result[key] = key in result ? `${String(result[key])}, ${value}` : value;
    if (key === 'set_cookie') {
      const [pair] = value.split(';');
      const eq = pair!.indexOf('=');
      if (eq > 0) cookies[pair!.slice(0, eq).trim()] = pair!.slice(eq + 1).trim();
    }
  }
  if (typeof result.location === 'string') result.location = new URL(result.location, r.url || p.url).toString();
  // urllib raises HTTPError for anything outside 2xx (redirects it did not follow too).
  const ok = r.status >= 200 && r.status < 300;
  const length = typeof result.content_length === 'string' ? result.content_length : 'unknown';
  const msg = ok ? `OK (${length} bytes)` : `HTTP Error ${r.status}: ${r.reason}`;
  Object.assign(result, { status: r.status, url: r.url || p.url, redirected: (r.url || p.url) !== p.url, elapsed: r.elapsed, msg });
  if (ok) Object.assign(result, { cookies, cookies_string: Object.entries(cookies).map(([k, v]) => `${k}=${v}`).join('; ') });
  const subtype = String(result.content_type ?? '').split(';')[0]!.split('/')[1]?.toLowerCase() ?? '';
  if (JSON_CANDIDATES.has(subtype.includes('+') ? subtype.split('+')[1]! : subtype)) {
    try {
      result.json = JSON.parse(r.body);
    } catch {
      // Not JSON after all: Ansible leaves `json` out too.
    }
  }
  if (p.return_content) result.content = r.body;
  if (!codes.includes(r.status)) return { result, failed: `Status code was ${r.status} and not ${codesText}: ${msg}` };
  return { result };
}

export const uri = defineModule<UriParams, undefined, UriResult>({
  ...uriDefinition,
  gather: nothingToObserve,
  plan(p) {
    const { body, contentType } = encodeBody(p);
    const headers = { ...(p.headers ?? {}) };
    if (contentType && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = contentType;
    return {
      changed: false,
      queries: true,
      actions: [
        {
          kind: 'run',
          script: uriScript(p, body !== undefined, headers),
          ...(body !== undefined ? { stdin: body } : {}),
          capture: true,
          describe: `${p.method ?? 'GET'} ${p.url}`,
          // curl's --max-time bounds the request; this only catches a host that stops answering.
          timeoutMs: ((p.timeout ?? 30) + 30) * 1000,
        },
      ],
    };
  },
  interpret(p, captured: ExecResult) {
    if (captured.stdout.startsWith(NO_CURL)) return { result: {}, failed: 'uri needs curl on the host (Debian: apt-get install curl)' };
    const r = parseResponse(captured.stdout);
    if (!r) return { result: {}, failed: `uri: the request script failed (rc=${captured.rc}): ${captured.stderr.trim()}` };
    return uriResult(p, r);
  },
});
