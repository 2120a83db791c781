/** uri and wait_for: load-time parameter checks, and their results read from recorded host output. */
import { describe, expect, it } from 'vitest';
import { encodeBody, parseResponse, uri, uriResult } from '../../../modules/uri.js';
import { attemptScript, interpretWaitFor, timeoutMessage, wait_for } from '../../../modules/wait_for.js';

const exec = (stdout: string, rc = 0) => ({ rc, stdout, stderr: '', stdoutBytes: Buffer.from(stdout) });

describe('invalid parameters are load-time errors', () => {
  it('uri', () => {
    expect(uri({ url: 'ftp://x' }).issues[0]?.field).toBe('url');
    expect(uri({ url: 'http://x', method: 'get' }).issues[0]?.field).toBe('method');
    expect(uri({ url: 'http://x', body_format: 'form-multipart' as 'json' }).issues[0]?.field).toBe('body_format');
    expect(uri({ url: 'http://x', status_code: ['200'] as never }).issues.length).toBeGreaterThan(0);
    expect(uri({ url: 'http://x', follow_redirects: 'safe', headers: { A: 'b' }, status_code: 201 }).issues).toEqual([]);
  });
  it('wait_for, with Ansible\'s own messages', () => {
    expect(wait_for({ port: 80, path: '/x' }).issues[0]?.message).toBe('port and path parameter can not both be passed to wait_for');
    expect(wait_for({ path: '/x', state: 'drained' }).issues[0]?.message).toBe('state=drained should only be used for checking a port in the wait_for module');
    expect(wait_for({ port: 70000 }).issues[0]?.field).toBe('port');
    expect(wait_for({ path: '/x', search_regex: '(' }).issues[0]?.field).toBe('search_regex');
    expect(wait_for({ port: 80, active_connection_states: ['LISTEN' as 'ESTABLISHED'] }).issues[0]?.field).toMatch(/^active_connection_states/);
  });
});

describe('uri reads the response the host script printed', () => {
  // Recorded from curl against python3 -m http.server on a lab host (a redirect followed).
  const recorded = [
    'rc 0',
    'w 200 0.004 http://127.0.0.1:8765/dir/',
    'e ',
    '::hostwright-uri-headers::',
    'HTTP/1.0 301 Moved Permanently\r\nServer: SimpleHTTP/0.6 Python/3.11.2\r\nLocation: /dir/\r\nContent-Length: 0\r\n\r\nHTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11.2\r\nContent-type: application/json\r\nContent-Length: 8\r\nSet-Cookie: sid=abc; Path=/\r\n\r\n',
    '::hostwright-uri-body::',
    '{"a": 1}',
  ].join('\n');
  it('takes the last header block, lower-cases headers, parses JSON, names the final URL', () => {
    const r = parseResponse(recorded)!;
    const { result, failed } = uriResult({ url: 'http://127.0.0.1:8765/dir', return_content: true }, r);
    expect(failed).toBeUndefined();
    expect(result).toMatchObject({
      status: 200, url: 'http://127.0.0.1:8765/dir/', redirected: true, msg: 'OK (8 bytes)', content_type: 'application/json',
      json: { a: 1 }, content: '{"a": 1}', cookies: { sid: 'abc' }, cookies_string: 'sid=abc', elapsed: 0,
    });
    expect(result).not.toHaveProperty('location');
  });
  it('a status outside status_code fails with Ansible\'s message; no answer is status -1', () => {
    const notFound = parseResponse('rc 0\nw 404 0.1 http://h/x\ne \n::hostwright-uri-headers::\nHTTP/1.0 404 File not found\r\nContent-Length: 3\r\n\r\n::hostwright-uri-body::\nno\n')!;
    expect(uriResult({ url: 'http://h/x', status_code: [200, 201] }, notFound).failed).toBe('Status code was 404 and not [200, 201]: HTTP Error 404: File not found');
    expect(uriResult({ url: 'http://h/x', status_code: 404 }, notFound)).toEqual({ result: expect.objectContaining({ status: 404, msg: 'HTTP Error 404: File not found' }) });
    const refused = parseResponse("rc 7\nw 000 0.0 http://h:1/\ne curl: (7) Failed to connect to h port 1: Connection refused \n::hostwright-uri-headers::\n::hostwright-uri-body::\n")!;
    expect(uriResult({ url: 'http://h:1/' }, refused)).toEqual({
      result: { status: -1, url: 'http://h:1/', redirected: false, elapsed: 0 },
      failed: 'Status code was -1 and not [200]: Request failed: curl: (7) Failed to connect to h port 1: Connection refused',
    });
  });
  it('a host without curl and bodies as Ansible encodes them', () => {
    expect(uri({ url: 'http://h/' }).module.interpret!({ url: 'http://h/' }, exec('hostwright-uri: no curl\n'))).toEqual({ result: {}, failed: 'uri needs curl on the host (Debian: apt-get install curl)' });
    expect(encodeBody({ url: 'x', body: { a: [1] }, body_format: 'json' })).toEqual({ body: '{"a":[1]}', contentType: 'application/json' });
    expect(encodeBody({ url: 'x', body: { q: 'a b', n: 1 }, body_format: 'form-urlencoded' })).toEqual({ body: 'q=a+b&n=1', contentType: 'application/x-www-form-urlencoded' });
    expect(encodeBody({ url: 'x' })).toEqual({});
  });
});

describe('wait_for', () => {
  it('elapsed, timeouts with Ansible\'s messages, path info and regex groups', () => {
    const p = { path: '/v', search_regex: 'r=(?P<major>\\d+)\\.(\\d+)' };
    const out = 'hostwright-wait_for-elapsed 3 0\nhostwright-wait_for-stat 0|0|root|root|644|10|1|regular file\n::hostwright-wait_for-content::\nx r=2.14\n';
    expect(interpretWaitFor(p, exec(out)).result).toEqual({
      state: 'file', uid: 0, gid: 0, owner: 'root', group: 'root', mode: '0644', size: 10, port: null, path: '/v',
      search_regex: p.search_regex, match_groups: ['2', '14'], match_groupdict: { major: '2' }, elapsed: 3,
    });
    expect(interpretWaitFor({ port: 81, timeout: 2 }, exec('hostwright-wait_for-elapsed 2 1\n'))).toEqual({ result: { elapsed: 2 }, failed: 'Timeout when waiting for 127.0.0.1:81' });
    expect(interpretWaitFor({ port: 81 }, exec('hostwright-wait_for: needs bash or nc on the host to check a port\n')).failed).toBe('wait_for needs bash or nc on the host to check a port');
    expect(timeoutMessage({ port: 81, state: 'drained', host: '10.0.0.1' })).toBe('Timeout when waiting for 10.0.0.1:81 to drain');
    expect(timeoutMessage({ path: '/x', state: 'absent' })).toBe('Timeout when waiting for /x to be absent.');
    expect(timeoutMessage({ port: 81, state: 'stopped', msg: 'mine' })).toBe('mine');
  });
  it('drained counts the configured states on the port (hex), ipv4 and ipv6', () => {
    const script = attemptScript({ port: 8080, state: 'drained', active_connection_states: ['ESTABLISHED', 'TIME_WAIT'] });
    expect(script).toContain('/proc/net/tcp /proc/net/tcp6');
    expect(script).toContain("port=1F90 -v states=' 01 06 '");
  });
});
