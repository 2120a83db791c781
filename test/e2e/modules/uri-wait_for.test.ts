/**
 * uri, get_url and wait_for end to end, against real services inside a lab host: python3's http.server
 * (JSON, a 404, a directory redirect, a 501 for POST), a port opened three seconds after the task
 * starts, a listener that never answers (request timeout), ports nobody listens on (refused, wait
 * timeouts that fail with Ansible's message), files with and without a regex. Every case runs
 * under ansible-playbook (ansible.builtin.uri / wait_for) and under Hostwright on the same host,
 * in a real run and in check mode, and the registered results are compared key by key.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { get_url, shell, uri, wait_for } from '../../../modules/index.js';
import type { GetUrlParams } from '../../../modules/get_url.js';
import { aptInstall } from '../../lab/probes.js';
import type { LabHost } from '../../lab/state.js';
import { labHosts, ssh, sshOk } from '../../lab/testing.js';
import { ansibleResults, ourResults, pick, type ParityCase } from './play-parity.js';
import type { UriParams } from '../../../modules/uri.js';
import type { WaitForParams } from '../../../modules/wait_for.js';

let web: LabHost;
const PORT = 8765;
const BASE = `http://127.0.0.1:${PORT}`;

const PIDS = '/run/hw-e2e-http.pids';
/** Starts a process in the host that outlives the ssh session (its own session, no inherited fds); its PID is kept for afterAll. */
const daemon = (h: LabHost, cmd: string) => sshOk(h, `setsid sh -c ${JSON.stringify(`exec ${cmd}`)} </dev/null >/dev/null 2>&1 & echo $! >> ${PIDS}`);
const stopDaemons = (h: LabHost) => ssh(h, `[ -f ${PIDS} ] && kill $(cat ${PIDS}) 2>/dev/null; rm -f ${PIDS}`);

beforeAll(async () => {
  web = labHosts('plain')[3]!;
  await sshOk(web, aptInstall('curl'));
  await sshOk(web, 'rm -rf /srv/hw-www && mkdir -p /srv/hw-www/dir && printf \'{"app": "shop", "ports": [80, 443]}\' > /srv/hw-www/data.json && echo hello > /srv/hw-www/dir/index.html && printf "v1\\n" > /srv/hw-www/app.txt');
  await stopDaemons(web);
  await daemon(web, `python3 -m http.server ${PORT} --bind 127.0.0.1 --directory /srv/hw-www`);
  // A listener that accepts and never answers: the request must time out.
  await daemon(web, `python3 -c 'import socket,time; s=socket.socket(); s.bind(("127.0.0.1", 8796)); s.listen(); time.sleep(600)'`);
  await sshOk(web, `for i in $(seq 50); do curl -s -o /dev/null ${BASE}/ && exit 0; sleep 0.2; done; exit 1`);
});

afterAll(async () => {
  await stopDaemons(web);
  await ssh(web, '[ -f /tmp/hw-wait/pid ] && kill $(cat /tmp/hw-wait/pid); rm -rf /srv/hw-www /tmp/hw-wait');
});

const u = (name: string, args: UriParams, ignore = false): ParityCase => ({ name, ansible: { module: 'uri', args: { ...args } }, ours: uri(args), ignore_errors: ignore });
const w = (name: string, args: WaitForParams, ignore = false): ParityCase => ({ name, ansible: { module: 'wait_for', args: { ...args } }, ours: wait_for(args), ignore_errors: ignore });
const sh = (name: string, cmd: string): ParityCase => ({ name, ansible: { module: 'shell', args: { cmd } }, ours: shell({ cmd }) });

const URI_KEYS = ['failed', 'changed', 'status', 'url', 'redirected', 'msg', 'json', 'content', 'content_type', 'content_length', 'location', 'server'];
const uriCases: ParityCase[] = [
  u('json with content', { url: `${BASE}/data.json`, return_content: true }),
  u('404 accepted', { url: `${BASE}/missing`, status_code: [200, 404] }),
  u('404 refused', { url: `${BASE}/missing` }, true),
  u('redirect followed', { url: `${BASE}/dir` }),
  u('redirect not followed', { url: `${BASE}/dir`, follow_redirects: 'none', status_code: [301] }),
  u('POST json', { url: `${BASE}/data.json`, method: 'POST', body: { a: 1 }, body_format: 'json', status_code: 501 }),
  u('HEAD', { url: `${BASE}/data.json`, method: 'HEAD' }),
];
/** Where curl's and urllib's wording differ: the status (-1) and the failure, not the text. */
const uriUnanswered: ParityCase[] = [u('refused', { url: 'http://127.0.0.1:8797/' }, true), u('times out', { url: 'http://127.0.0.1:8796/', timeout: 2 }, true)];

const WAIT_KEYS = ['failed', 'changed', 'msg', 'state', 'port', 'path', 'search_regex', 'match_groups', 'match_groupdict', 'mode', 'size', 'owner'];
const waitCases: ParityCase[] = [
  // The other tool's run left its delayed server (below) running: stop it first.
  sh('prepare', '[ -f /tmp/hw-wait/pid ] && kill $(cat /tmp/hw-wait/pid); sleep 0.5; rm -rf /tmp/hw-wait && mkdir -p /tmp/hw-wait && printf "release=2.14 build 7\\n" > /tmp/hw-wait/version'),
  w('listening port', { port: PORT, timeout: 10 }),
  w('closed port stopped', { port: 8799, state: 'stopped', timeout: 10 }),
  w('drained', { port: 8799, state: 'drained', timeout: 10 }),
  w('file present', { path: '/tmp/hw-wait/version', timeout: 10 }),
  w('file with groups', { path: '/tmp/hw-wait/version', search_regex: 'release=(?P<major>\\d+)\\.(\\d+)', timeout: 10 }),
  w('file absent', { path: '/tmp/hw-wait/nothing', state: 'absent', timeout: 10 }),
  w('port that never opens', { port: 8798, timeout: 2 }, true),
  w('regex that never matches', { path: '/tmp/hw-wait/version', search_regex: 'release=9', timeout: 2 }, true),
  w('file that never goes', { path: '/tmp/hw-wait/version', state: 'absent', timeout: 2, msg: 'version file still there' }, true),
  sh('open a port in 3 s', 'setsid sh -c "sleep 3; exec timeout 30 python3 -m http.server 8766 --bind 127.0.0.1" </dev/null >/dev/null 2>&1 & echo $! > /tmp/hw-wait/pid'),
  w('port opened after a delay', { port: 8766, timeout: 20 }),
];

describe('uri against http.server in a lab host, compared with ansible.builtin.uri', () => {
  test(`${uriCases.length + uriUnanswered.length} requests: status, failure, redirects, headers, json and content as Ansible registers them`, async () => {
    const all = [...uriCases, ...uriUnanswered];
    const [theirs, ours] = [await ansibleResults(web.name, all), await ourResults(web.name, all)];
    expect(theirs[0]!.json).toEqual({ app: 'shop', ports: [80, 443] });
    uriCases.forEach((c, i) => expect(pick(ours[i], URI_KEYS), c.name).toEqual(pick(theirs[i], URI_KEYS)));
    uriUnanswered.forEach((c, j) => {
      const i = uriCases.length + j;
      expect(pick(ours[i], ['failed', 'status', 'changed']), c.name).toEqual(pick(theirs[i], ['failed', 'status', 'changed']));
    });
    const [refused, timedOut] = ours.slice(uriCases.length);
    expect(refused!.msg).toMatch(/^Status code was -1 and not \[200\]: Request failed: curl: \(7\) .*(refused|connect)/i);
    expect(timedOut!.msg).toMatch(/^Status code was -1 and not \[200\]: Request failed: curl: \(28\) Operation timed out/);
    // A second run registers the same (never changed).
    const again = await ourResults(web.name, uriCases);
    expect(again.map((r) => r.changed)).toEqual(uriCases.map(() => false));
  });

  test('check mode skips it as Ansible does; a host without curl fails saying what it needs', async () => {
    const [theirs, ours] = [await ansibleResults(web.name, uriCases.slice(0, 2), true), await ourResults(web.name, uriCases.slice(0, 2), true)];
    expect(ours.map((r) => pick(r, ['skipped', 'msg', 'changed']))).toEqual(theirs.map((r) => pick(r, ['skipped', 'msg', 'changed'])));
    // Ansible's uri action plugin runs the module as ansible.legacy.uri, and the message says so.
    expect(ours[0]).toMatchObject({ skipped: true, msg: 'remote module (ansible.legacy.uri) does not support check mode' });
    const bare = labHosts('plain')[2]!;
    expect((await ssh(bare, 'command -v curl')).code).not.toBe(0);
    const [r] = await ourResults(bare.name, [u('needs curl', { url: BASE })]);
    expect(r).toMatchObject({ failed: true, msg: 'uri needs curl on the host (Debian: apt-get install curl)' });
  });
});

describe('wait_for in a lab host, compared with ansible.builtin.wait_for', () => {
  test(`${waitCases.length - 2} waits: ports, drained, files and regex groups, timeouts failing with Ansible's message, a port opened after a delay`, async () => {
    const theirs = await ansibleResults(web.name, waitCases);
    const ours = await ourResults(web.name, waitCases);
    expect(theirs[7]).toMatchObject({ failed: true, msg: 'Timeout when waiting for 127.0.0.1:8798' });
    waitCases.forEach((c, i) => {
      if (c.ansible.module === 'wait_for') expect(pick(ours[i], WAIT_KEYS), c.name).toEqual(pick(theirs[i], WAIT_KEYS));
    });
    // The delayed port: both waited for it (about 3 s), and a timeout takes its full time.
    const delayed = ours[waitCases.length - 1]!;
    expect(delayed).toMatchObject({ failed: false, state: 'started', port: 8766 });
    expect(delayed.elapsed).toBeGreaterThanOrEqual(2);
    // The timeout's full time at least; how much more depends on the machine's load, so no bound above.
    expect(ours[7]).toMatchObject({ failed: true });
    expect(ours[7]!.elapsed).toBeGreaterThanOrEqual(2);
  });

  test('check mode skips it as Ansible does', async () => {
    const cases = waitCases.slice(1, 3);
    const [theirs, ours] = [await ansibleResults(web.name, cases, true), await ourResults(web.name, cases, true)];
    expect(ours.map((r) => pick(r, ['skipped', 'msg']))).toEqual(theirs.map((r) => pick(r, ['skipped', 'msg'])));
    expect(ours[0]).toMatchObject({ skipped: true, msg: 'remote module (wait_for) does not support check mode' });
  });
});

const APP_SHA1 = 'sha1:e1d35a6f7182bfbac1c45f6bfdc12419e06e8d59';
const g = (name: string, args: GetUrlParams, ignore = false): ParityCase => ({ name, ansible: { module: 'get_url', args: { ...args } }, ours: get_url(args), ignore_errors: ignore });
const GET_KEYS = ['failed', 'changed', 'msg', 'response', 'status_code', 'checksum_src', 'checksum_dest', 'dest', 'url'];
const getCases: ParityCase[] = [
  sh('prepare', 'rm -rf /tmp/hw-get && mkdir -p /tmp/hw-get'),
  g('new file', { url: `${BASE}/app.txt`, dest: '/tmp/hw-get/app.txt', mode: '0640' }),
  g('not modified', { url: `${BASE}/app.txt`, dest: '/tmp/hw-get/app.txt', mode: '0640' }),
  g('checksum already there', { url: `${BASE}/app.txt`, dest: '/tmp/hw-get/app.txt', checksum: APP_SHA1 }),
  // On a new dest: Ansible writes it, sees the mismatch and removes it; Hostwright never writes it.
  g('checksum that does not match', { url: `${BASE}/app.txt`, dest: '/tmp/hw-get/bad.txt', checksum: 'sha256:0000' }, true),
  g('forced, same content, new mode', { url: `${BASE}/app.txt`, dest: '/tmp/hw-get/app.txt', force: true, mode: '0600' }),
  g('new file with its checksum', { url: `${BASE}/app.txt`, dest: '/tmp/hw-get/checked.txt', checksum: APP_SHA1 }),
  g('404', { url: `${BASE}/missing`, dest: '/tmp/hw-get/missing.txt' }, true),
  sh('content changes', 'printf "v2\\n" > /srv/hw-www/app.txt'),
  g('new content replaces the file', { url: `${BASE}/app.txt`, dest: '/tmp/hw-get/app.txt', force: true }),
  sh('content back', 'printf "v1\\n" > /srv/hw-www/app.txt'),
];
const files = () => sshOk(web, "cd /tmp/hw-get && for f in *; do printf '%s %s ' \"$f\" \"$(stat -c '%a %s' \"$f\")\"; sha1sum < \"$f\"; done");

describe('get_url against http.server in a lab host, compared with ansible.builtin.get_url', () => {
  test(`${getCases.filter((c) => c.ansible.module === 'get_url').length} downloads: registered results and the files left`, async () => {
    const theirs = await ansibleResults(web.name, getCases);
    const theirFiles = await files();
    const ours = await ourResults(web.name, getCases);
    const ourFiles = await files();
    expect(theirs[1]).toMatchObject({ changed: true, status_code: 200 });
    getCases.forEach((c, i) => {
      // Ansible's mismatch reports changed (it wrote, then removed the file); ours never wrote it.
      const keys = c.name === 'checksum that does not match' ? GET_KEYS.filter((k) => k !== 'changed') : GET_KEYS;
      if (c.ansible.module === 'get_url') expect(pick(ours[i], keys), c.name).toEqual(pick(theirs[i], keys));
    });
    expect(ourFiles).toBe(theirFiles);
    expect(ourFiles).toContain('app.txt 600 3');
  });

  test('check mode predicts the download and changes nothing; a host without curl is told what it needs', async () => {
    await sshOk(web, 'rm -rf /tmp/hw-get && mkdir -p /tmp/hw-get');
    const one = getCases.slice(1, 2);
    const [theirs, ours] = [await ansibleResults(web.name, one, true), await ourResults(web.name, one, true)];
    expect(pick(ours[0], ['changed', 'failed'])).toEqual(pick(theirs[0], ['changed', 'failed']));
    expect(ours[0]).toMatchObject({ changed: true });
    expect(await sshOk(web, 'ls -A /tmp/hw-get')).toBe('');
    const [r] = await ourResults(labHosts('plain')[2]!.name, one);
    expect(r).toMatchObject({ failed: true, msg: 'get_url needs curl on the host (Debian: apt-get install curl)' });
  });
});
