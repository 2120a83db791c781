/**
 * What e2e tests do to and from lab hosts besides running Hostwright: install packages inside a
 * host the way a user would (apt, through the lab's apt proxy), and check from the machine whether
 * a port answers. Failures are values, never exceptions, so a test can assert "closed".
 */
import http from 'node:http';
import net from 'node:net';

/** A shell command for a lab host that installs `packages` with apt and prints apt's tail on failure. */
export const aptInstall = (...packages: string[]): string =>
  `DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=120 install ${packages.join(' ')} >/tmp/apt.log 2>&1 || { apt-get -q update >/tmp/apt.log 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=120 install ${packages.join(' ')} >/tmp/apt.log 2>&1; } || { tail -20 /tmp/apt.log; exit 1; }`;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One HTTP GET from the machine on a new TCP connection; a failure is a value, not an exception. */
export function httpGet(address: string, port: number, timeoutMs = 2000): Promise<{ ok: boolean; status?: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host: address, port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ ok: res.statusCode === 200, status: res.statusCode, body }));
      res.on('error', (e) => resolve({ ok: false, body: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, body: e.code ?? e.message }));
  });
}

/** Whether a TCP connection from the machine to address:port is accepted. */
export function tcpOpen(address: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port, timeout: timeoutMs });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.on('connect', () => done(true));
    socket.on('error', () => done(false));
    socket.on('timeout', () => done(false));
  });
}

/** Polls `fn` until `ok` holds, failing with the last value after `timeoutMs`. */
export async function eventually<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v)} after ${timeoutMs} ms`);
    await sleep(200);
  }
}
