/**
 * What the haproxy e2e tests stand on: two real HTTP backends on a lab host (python3's http.server,
 * each answering its own name, `/slow/N` after N seconds), and a bounded request loop from this
 * machine to a lab host (a fixed number of requests, a fixed concurrency, a timeout per request;
 * one new connection per request, so every request really goes through HAProxy's listener).
 */
import http from 'node:http';
import { expect } from 'vitest';
import type { LabHost } from '../../lab/state.js';
import { labState, sshOk } from '../../lab/testing.js';

const BACKEND_PY = `
import sys, time
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
name, port = sys.argv[1], int(sys.argv[2])
class H(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.0'
    def do_GET(self):
        if self.path.startswith('/slow/'):
            time.sleep(float(self.path[6:]))
        body = (name + '\\n').encode()
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
ThreadingHTTPServer(('0.0.0.0', port), H).serve_forever()
`;

/** Starts `name` on `port` for each entry, in the background on `host`, and waits until they answer. */
export async function startBackends(host: LabHost, backends: Record<string, number>): Promise<void> {
  await sshOk(host, 'cat > /root/hw-backend.py', { input: BACKEND_PY });
  const starts = Object.entries(backends).map(([name, port]) => `setsid python3 /root/hw-backend.py ${name} ${port} >/dev/null 2>&1 < /dev/null &`);
  await sshOk(host, starts.join('\n'));
  for (const [name, port] of Object.entries(backends)) {
    await eventually(async () => expect((await get(host.address, port, '/')).body).toBe(`${name}\n`));
  }
}

export interface Reply {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** One GET on a new connection; rejects on a connection error or after 10 s. */
export function get(address: string, port: number, path: string): Promise<Reply> {
  if (!labState().hosts.some((h) => h.address === address)) throw new Error(`${address} is not a lab host: requests go to lab hosts only`);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: address, port, path, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout after 10 s')));
    req.on('error', reject);
  });
}

export interface LoadResult {
  ok: number;
  failed: number;
  /** Failures by cause: an error code (ECONNREFUSED, ECONNRESET) or an HTTP status. */
  causes: Record<string, number>;
  /** Bodies of the successful replies, counted. */
  bodies: Record<string, number>;
}

/** `total` GETs, `concurrency` at a time; stops by itself when they are done. */
/** One GET of `urlPath`, counted in `r`: a 200 by its body, anything else by its status or error code. */
export async function countRequest(r: LoadResult, address: string, port: number, urlPath: string): Promise<void> {
  try {
    const reply = await get(address, port, urlPath);
    if (reply.status === 200) {
      r.ok++;
      r.bodies[reply.body.trim()] = (r.bodies[reply.body.trim()] ?? 0) + 1;
    } else {
      r.failed++;
      r.causes[reply.status] = (r.causes[reply.status] ?? 0) + 1;
    }
  } catch (e) {
    r.failed++;
    const cause = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    r.causes[cause] = (r.causes[cause] ?? 0) + 1;
  }
}

export async function load(address: string, port: number, total: number, concurrency: number): Promise<LoadResult> {
  const r: LoadResult = { ok: 0, failed: 0, causes: {}, bodies: {} };
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < total) {
      started++;
      await countRequest(r, address, port, '/');
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return r;
}

/** Retries `check` every 200 ms for up to `ms`, then throws its last error. */
export async function eventually(check: () => Promise<void>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
