/**
 * The repository modules' planners from probe output (apt_repository's sources files, deb822's
 * files and fetched key), deb822's stanza against the format ansible-core documents, and check
 * mode across tasks: a later repository task reads the files an earlier one would write, a later
 * apt install depends on a task that changes the sources.
 */
import { describe, expect, test } from 'vitest';
import { apt_repository, deb822_repository } from '../../../modules/index.js';
import { overlayAptRepository, parseState, planAptRepository, type AptRepositoryParams } from '../../../modules/packages/apt_repository.js';
import { overlayDeb822, parseDeb822State, planDeb822, renderStanza, slug, type Deb822RepositoryParams } from '../../../modules/packages/deb822_repository.js';
import { overlayApt } from '../../../modules/packages/predict.js';
import type { AptParams, AptState } from '../../../modules/packages/apt.js';
import { PredictedState, Unpredictable } from '../../../runner/predict.js';

const resolveRepo = (p: AptRepositoryParams) => apt_repository(p).resolve(p).params!;
const resolve822 = (p: Deb822RepositoryParams) => deb822_repository(p).resolve(p).params!;

/** apt_repository's probe output: NUL-delimited file/content records. */
const probeOut = (files: Record<string, string>) => Buffer.from(Object.entries(files).map(([f, t]) => `\0file ${f}\0\0content ${t}\0`).join(''));

const DEBIAN = 'deb http://deb.debian.org/debian bookworm main\n';
const REPO = 'deb [signed-by=/etc/apt/keyrings/hw.asc] http://10.0.0.5:8000/repo ./';

describe('apt_repository', () => {
  test('a new line: its file, the write, apt-get update with retries and the put-back, the effects', () => {
    const p = resolveRepo({ repo: REPO });
    const plan = planAptRepository(p, parseState(probeOut({ '/etc/apt/sources.list': DEBIAN })));
    expect(plan).toMatchObject({ changed: true, result: { repo: REPO, state: 'present' } });
    expect(plan.diffs).toEqual([{ before: '', after: `${REPO}\n`, before_header: '/dev/null', after_header: '/etc/apt/sources.list.d/10_0_0_5_8000_repo.list' }]);
    const [write, update] = plan.actions;
    expect(write).toEqual({ kind: 'write', path: '/etc/apt/sources.list.d/10_0_0_5_8000_repo.list', content: `${REPO}\n` });
    expect(update).toMatchObject({ kind: 'run' });
    const script = (update as { script: string }).script;
    expect(script).toContain('retries=5; max=12');
    expect(script).toContain('apt-get -q update --error-on=any');
    expect(script).toContain('rm -f -- /etc/apt/sources.list.d/10_0_0_5_8000_repo.list');
    expect(plan.effects?.map((e) => (e.kind === 'resource' ? `${e.type}` : `${e.kind} ${'path' in e ? e.path : ''}`))).toEqual(['path /etc/apt/sources.list.d/10_0_0_5_8000_repo.list', 'apt_cache', 'apt_sources']);
  });

  test('converged: the same source with other whitespace anywhere is no change', () => {
    const plan = planAptRepository(resolveRepo({ repo: REPO, filename: 'other' }), parseState(probeOut({ '/etc/apt/sources.list': DEBIAN, '/etc/apt/sources.list.d/x.list': REPO.replace(/ /g, '   ') + ' # mine\n' })));
    expect(plan).toMatchObject({ changed: false, actions: [], result: { repo: REPO, state: 'present' } });
  });

  test('mode only on the file a line is appended to; update_cache false has no update', () => {
    const plan = planAptRepository(resolveRepo({ repo: REPO, filename: 'hw', mode: '600', update_cache: false }), parseState(probeOut({})));
    expect(plan.actions).toEqual([{ kind: 'write', path: '/etc/apt/sources.list.d/hw.list', content: `${REPO}\n`, mode: '0600' }]);
  });

  test('absent empties a file: it is removed, and the update would put it back on failure', () => {
    const before = `${REPO}\n`;
    const plan = planAptRepository(resolveRepo({ repo: REPO, state: 'absent' }), parseState(probeOut({ '/etc/apt/sources.list.d/hw.list': before })));
    expect(plan.actions[0]).toMatchObject({ kind: 'run', script: 'rm -f -- /etc/apt/sources.list.d/hw.list' });
    expect((plan.actions[1] as { script: string }).script).toContain(`printf '%s' '${before}' > /etc/apt/sources.list.d/hw.list`);
    expect(plan.diffs).toEqual([{ before, after: '', before_header: '/etc/apt/sources.list.d/hw.list', after_header: '/dev/null' }]);
  });

  test('load-time refusals: ppa:, not a source line, a path as filename, a symbolic mode', () => {
    expect(apt_repository({ repo: 'ppa:nginx/stable' }).issues[0]?.message).toMatch(/not implemented/);
    expect(apt_repository({ repo: 'rpm http://x/ a b' }).issues).toEqual([{ field: 'repo', message: 'Invalid repository string: rpm http://x/ a b' }]);
    expect(apt_repository({ repo: REPO, filename: 'a/b' }).issues[0]?.field).toBe('filename');
    expect(apt_repository({ repo: REPO, mode: 'u=rw' }).issues[0]?.field).toBe('mode');
    expect(apt_repository({ repo: REPO, update_cache_retries: 0 }).issues[0]?.field).toBe('update_cache_retries');
  });

  test('check mode: a second task for the same line sees the file the first would write', () => {
    const p = resolveRepo({ repo: REPO });
    const observed = parseState(probeOut({ '/etc/apt/sources.list': DEBIAN }));
    const first = planAptRepository(p, observed);
    const store = new PredictedState();
    store.record(first.effects!, 'add it');
    const again = planAptRepository(p, overlayAptRepository(observed, store.view(undefined), p));
    expect(again.changed).toBe(false);
  });
});

describe('deb822_repository', () => {
  test("the stanza as Ansible's documentation shows it: field order, names, an inline key's block", () => {
    const key = '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEYCQjIxYJKwYBBAHaRw8BAQdAD\n=IE0r\n-----END PGP PUBLIC KEY BLOCK-----\n';
    const p = resolve822({ name: 'debian', types: 'deb', uris: 'https://deb.debian.org', suites: 'stable', components: ['main', 'contrib', 'non-free'], signed_by: key });
    expect(renderStanza(p, key)).toBe(
      'Components: main contrib non-free\nX-Repolib-Name: debian\nSigned-By:\n    -----BEGIN PGP PUBLIC KEY BLOCK-----\n    .\n    mDMEYCQjIxYJKwYBBAHaRw8BAQdAD\n    =IE0r\n    -----END PGP PUBLIC KEY BLOCK-----\nSuites: stable\nTypes: deb\nURIs: https://deb.debian.org\n',
    );
    expect(renderStanza(resolve822({ name: 'x', uris: ['a', 'b'], trusted: true, enabled: false, by_hash: true, date_max_future: 10, allow_downgrade_to_insecure: false }), undefined)).toBe(
      'Allow-Downgrade-To-Insecure: no\nBy-Hash: yes\nDate-Max-Future: 10\nEnabled: no\nX-Repolib-Name: x\nTrusted: yes\nTypes: deb\nURIs: a b\n',
    );
    expect(slug('My_Repo  v2.0!')).toBe('my-repo-v20');
  });

  test('a key URL: the fetched key written to keyrings/<slug>.asc (the directory made), Signed-By names it', () => {
    const key = '-----BEGIN PGP PUBLIC KEY BLOCK-----\nxx\n-----END PGP PUBLIC KEY BLOCK-----\n';
    const s = parseDeb822State(Buffer.from(`key ${Buffer.from(key).toString('base64')}\n`));
    const plan = planDeb822(resolve822({ name: 'HW', uris: 'http://h/repo', suites: './', signed_by: 'http://h/key.asc' }), s);
    expect(plan.actions.map((a) => (a.kind === 'write' ? `write ${a.path} ${a.mode}` : a.kind === 'run' ? a.script : a.kind))).toEqual([
      'mkdir -m 0755 -- /etc/apt/keyrings',
      'write /etc/apt/keyrings/hw.asc 0644',
      'write /etc/apt/sources.list.d/hw.sources 0644',
    ]);
    expect(plan.result).toEqual({ repo: 'X-Repolib-Name: HW\nSigned-By: /etc/apt/keyrings/hw.asc\nSuites: ./\nTypes: deb\nURIs: http://h/repo\n', dest: '/etc/apt/sources.list.d/hw.sources', key_filename: '/etc/apt/keyrings/hw.asc' });
  });

  test('converged (same files and modes) is no change; another mode alone is a chmod', () => {
    const p = resolve822({ name: 'hw', uris: 'http://h/repo', suites: './', signed_by: '/usr/share/keyrings/k.gpg' });
    const text = renderStanza(p, p.signed_by);
    const b64 = Buffer.from(text).toString('base64');
    expect(planDeb822(p, parseDeb822State(Buffer.from(`sources 644 ${b64}\nsignedbyfile yes\n`)))).toMatchObject({ changed: false, actions: [], result: { key_filename: '/usr/share/keyrings/k.gpg' } });
    const chmod = planDeb822(p, parseDeb822State(Buffer.from(`sources 600 ${b64}\n`)));
    expect(chmod).toMatchObject({ changed: true, actions: [{ kind: 'run', script: 'chmod 0644 -- /etc/apt/sources.list.d/hw.sources' }], result: { key_filename: null } });
  });

  test('a key URL that failed: the task fails with the reason, nothing planned', () => {
    const plan = planDeb822(resolve822({ name: 'hw', signed_by: 'https://h/key' }), parseDeb822State(Buffer.from('\0keyerror curl: (22) The requested URL returned error: 404\0')));
    expect(plan).toMatchObject({ changed: false, actions: [], failed: 'Could not fetch signed_by key: curl: (22) The requested URL returned error: 404' });
  });

  test('absent removes what exists; check mode then sees the files gone', () => {
    const p = resolve822({ name: 'hw', state: 'absent' });
    const s = parseDeb822State(Buffer.from(`sources 644 ${Buffer.from('x\n').toString('base64')}\nasc 644 ${Buffer.from('k').toString('base64')}\n`));
    const plan = planDeb822(p, s);
    expect(plan.actions.map((a) => (a as { script: string }).script)).toEqual(['rm -f -- /etc/apt/sources.list.d/hw.sources', 'rm -f -- /etc/apt/keyrings/hw.asc']);
    expect(plan.result).toEqual({ repo: null, dest: '/etc/apt/sources.list.d/hw.sources', key_filename: '/etc/apt/keyrings/hw.gpg' });
    const store = new PredictedState();
    store.record(plan.effects!, 'remove it');
    expect(planDeb822(p, overlayDeb822(s, store.view(undefined), p)).changed).toBe(false);
  });

  test('check mode: a key file an earlier task would write is reported as key_filename, as the run does', () => {
    const p = resolve822({ name: 'hw', uris: 'http://h/r', suites: './', signed_by: '/etc/apt/keyrings/hw.asc' });
    const store = new PredictedState();
    store.record([{ kind: 'path', path: '/etc/apt/keyrings/hw.asc', state: 'file', content: Buffer.from('k'), mode: 0o644, created: true }], 'its key');
    const s = parseDeb822State(Buffer.from('keyrings 755 root root\n'));
    expect(planDeb822(p, s).result).toMatchObject({ key_filename: null });
    expect(planDeb822(p, overlayDeb822(s, store.view(undefined), p)).result).toMatchObject({ key_filename: '/etc/apt/keyrings/hw.asc' });
  });

  test('invalid params at load', () => {
    expect(deb822_repository({ name: 'x', types: ['rpm'] as never }).issues[0]?.field).toBe('types');
    expect(deb822_repository({ name: '!!' }).issues[0]?.field).toBe('name');
    expect(deb822_repository({ name: 'x', mode: 'rw' }).issues[0]?.field).toBe('mode');
  });
});

describe('apt after a repository change, in check mode', () => {
  const state = (steps: AptState['steps'], problem?: string): AptState => ({ cacheStale: false, dpkg: new Map(), policy: new Map(), steps, ...(problem ? { problem } : {}) });
  const changedSources = () => {
    const store = new PredictedState();
    const plan = planAptRepository(resolveRepo({ repo: REPO }), parseState(probeOut({})));
    store.record(plan.effects!, 'add the repository');
    return store.view(undefined);
  };
  const p: AptParams = { name: 'hw-signed', state: 'present' };

  test('a package the host cannot see yet, or one apt would install: depends on the repository task', () => {
    expect(() => overlayApt(state([], "No package matching 'hw-signed' is available"), changedSources(), p)).toThrow(Unpredictable);
    expect(() => overlayApt(state([{ op: 'install', name: 'hw-signed', to: '1.0' }]), changedSources(), p)).toThrow(/add the repository/);
  });

  test('a package already installed (state present), or a removal: predicted as usual', () => {
    expect(overlayApt(state([]), changedSources(), p).steps).toEqual([]);
    expect(() => overlayApt(state([{ op: 'remove', name: 'hw-signed' }]), changedSources(), { name: 'hw-signed', state: 'absent' })).not.toThrow();
  });
});
