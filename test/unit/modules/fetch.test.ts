/** fetch: Ansible's destination rules, the probe, and the plan from recorded state. */
import { describe, expect, it } from 'vitest';
import { fetch, fetchDest, parseFetchProbe, type FetchState } from '../../../modules/fetch.js';
import type { ModuleContext } from '../../../runner/module.types.js';

const ctx = {} as ModuleContext;
const file = { kind: 'file' as const, sha1: 'a'.repeat(40), md5: 'b'.repeat(32) };

describe('fetch', () => {
  it('puts files where Ansible does', () => {
    expect(fetchDest({ src: '/etc/app.conf', dest: 'out' }, 'web1', '/pb', false)).toBe('/pb/out/web1/etc/app.conf');
    expect(fetchDest({ src: '/etc/app.conf', dest: '/x/', flat: true }, 'web1', '/pb', true)).toBe('/x/app.conf');
    expect(fetchDest({ src: '/etc/app.conf', dest: '/x/y.conf', flat: true }, 'web1', '/pb', false)).toBe('/x/y.conf');
    expect(fetchDest({ src: '/etc/app.conf', dest: '/x', flat: true }, 'web1', '/pb', true)).toEqual({ problem: 'dest is an existing directory, use a trailing slash if you want to fetch src into that directory' });
    expect(fetchDest({ src: '../../../etc/passwd', dest: '/x' }, 'web1', '/pb', false)).toMatchObject({ problem: expect.stringContaining('Detected directory traversal') });
  });
  it('reads the probe', () => {
    expect(parseFetchProbe(`file ${file.sha1} ${file.md5}\n`)).toEqual(file);
    expect(parseFetchProbe('missing\n')).toEqual({ kind: 'missing' });
    expect(parseFetchProbe('dir\n')).toEqual({ kind: 'dir' });
    expect(parseFetchProbe('sha1sum: /x: Permission denied')).toEqual({ kind: 'error', message: 'sha1sum: /x: Permission denied' });
  });
  it('plans: fetch when the checksums differ, nothing when equal, Ansible\'s messages otherwise', () => {
    const m = fetch({ src: '/a', dest: '/d' }).module;
    const state = (over: Partial<FetchState>): FetchState => ({ remote: file, dest: '/d/h/a', ...over });
    expect(m.plan({ src: '/a', dest: '/d' }, state({}), ctx)).toMatchObject({ changed: true, actions: [{ kind: 'fetch', path: '/a', dest: '/d/h/a' }], result: { checksum: file.sha1, remote_checksum: file.sha1 } });
    expect(m.plan({ src: '/a', dest: '/d' }, state({ local: { sha1: file.sha1, md5: file.md5 } }), ctx)).toEqual({ changed: false, actions: [], result: { md5sum: file.md5, file: '/a', dest: '/d/h/a', checksum: file.sha1 } });
    expect(m.plan({ src: '/a', dest: '/d' }, state({ remote: { kind: 'missing' } }), ctx).failed).toBe('the remote file does not exist, not transferring, ignored');
    expect(m.plan({ src: '/a', dest: '/d', fail_on_missing: false }, state({ remote: { kind: 'missing' } }), ctx)).toMatchObject({ changed: false, summary: 'the remote file does not exist, not transferring, ignored', result: { file: '/a' } });
    expect(m.plan({ src: '/a', dest: '/d' }, state({ remote: { kind: 'dir' } }), ctx).failed).toBe('remote file is a directory, fetch cannot work on directories');
    expect(fetch({ src: '/a' } as never).issues).toEqual([{ field: 'dest', message: 'is required' }]);
  });
});
