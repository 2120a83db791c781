/** get_url: parameters at load, the probe's output read back, and the plan for each of Ansible's paths. */
import { describe, expect, it } from 'vitest';
import { get_url, getUrlProbe, parseGetUrlProbe, type GetUrlParams } from '../../../modules/get_url.js';
import type { ModuleContext } from '../../../runner/module.types.js';

const ctx = {} as ModuleContext;
const p: GetUrlParams = { url: 'http://h/app.txt', dest: '/opt/app.txt' };
const SHA = 'e1d35a6f7182bfbac1c45f6bfdc12419e06e8d59';
const existing = `dest regular file|640|root|root|0|0|3|1700000000|1|5\ndestsha1 ${SHA}\ndestsum ${SHA}\n`;
const plan = (params: GetUrlParams, out: string) => get_url(params).module.plan(params, parseGetUrlProbe(out, params), ctx);

describe('get_url', () => {
  it('checks parameters when the playbook loads', () => {
    expect(get_url({ url: 'file:///etc/passwd', dest: '/x' }).issues[0]?.field).toBe('url');
    expect(get_url({ url: 'http://h/', dest: 'relative' }).issues[0]?.field).toBe('dest');
    expect(get_url({ url: 'http://h/', dest: '/x', checksum: 'crc32:00' }).issues[0]?.field).toBe('checksum');
    expect(get_url({ url: 'http://h/', dest: '/x', mode: 'bogus' }).issues[0]?.field).toBe('mode');
  });
  it('a new file: downloads, declares the path it creates, installs atomically with the hash it saw', () => {
    const r = plan({ ...p, mode: '0640' }, `dest absent\ndl 0 200 \nreason OK\nlength 3\nsize 3\nsrcsha1 ${SHA}\nsrcsum ${SHA}\n`);
    expect(r).toMatchObject({ changed: true, summary: 'OK (3 bytes)', result: { checksum_src: SHA, checksum_dest: null, status_code: 200, size: 3 } });
    expect(r.effects).toEqual([{ kind: 'path', path: '/opt/app.txt', state: 'file', created: true, mode: 0o640 }]);
    const script = (r.actions[0] as { script: string }).script;
    expect(script).toContain(`= ${SHA} ]`);
    expect(script).toContain('mv -f -- "$tmp" "$dest"');
  });
  it('unchanged: 304, equal content, checksum already there; failures with Ansible\'s messages', () => {
    expect(plan(p, `${existing}dl 0 304 \nreason Not Modified\nsize 0\n`)).toMatchObject({ changed: false, summary: 'HTTP Error 304: Not Modified', result: { status_code: 304, mode: '0640' } });
    expect(plan({ ...p, force: true }, `${existing}dl 0 200 \nlength 3\nsize 3\nsrcsha1 ${SHA}\nsrcsum ${SHA}\n`)).toMatchObject({ changed: false, actions: [] });
    expect(plan({ ...p, checksum: `sha1:${SHA}` }, existing)).toMatchObject({ changed: false, summary: 'file already exists' });
    expect(plan({ ...p, checksum: `sha1:${SHA}`, mode: '0600' }, existing)).toMatchObject({ changed: true, summary: 'file already exists but file attributes changed' });
    expect(plan({ ...p, checksum: 'sha1:00' }, `${existing}dl 0 200 \nsize 3\nsrcsha1 ${SHA}\nsrcsum ${SHA}\n`).failed).toBe(`The checksum for /opt/app.txt did not match 00; it was ${SHA}.`);
    expect(plan(p, 'dest absent\ndl 0 404 \nreason File not found\n')).toMatchObject({ failed: 'Request failed', result: { status_code: 404, response: 'HTTP Error 404: File not found' } });
    expect(plan(p, "dest absent\ndl 7 000 curl: (7) Failed to connect to h port 80: Connection refused \n")).toMatchObject({ failed: 'Request failed', result: { status_code: -1, response: 'Request failed: curl: (7) Failed to connect to h port 80: Connection refused' } });
    expect(plan(p, 'dest absent\nnocurl\n').failed).toBe('get_url needs curl on the host (Debian: apt-get install curl)');
  });
  it('the probe skips the download when dest has the checksum, and asks If-Modified-Since only without one', () => {
    expect(getUrlProbe({ ...p, checksum: `sha256:${'a'.repeat(64)}` })).toContain('sha256sum');
    expect(getUrlProbe(p)).toContain('-z "$dest"');
    expect(getUrlProbe({ ...p, checksum: `sha1:${SHA}` })).not.toContain('-z "$dest"');
    expect(getUrlProbe({ ...p, force: true })).not.toContain('-z "$dest"');
  });
});
