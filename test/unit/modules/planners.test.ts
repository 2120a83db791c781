/** Planners on synthetic and recorded host state: changed vs unchanged, actions, Ansible-shaped diffs. */
import { describe, expect, it } from 'vitest';
import { parseTarget, type TargetState } from '../../../modules/_lib/target.js';
import { planContentFile } from '../../../modules/_lib/contentfile.js';
import { parseFileProbe, planFile, type FileModuleState } from '../../../modules/file.js';
import { parseServiceProbe, planService, type ServiceState } from '../../../modules/service.js';
import { parseStatOutput } from '../../../modules/stat.js';
import { commandScript } from '../../../modules/command.js';
import { expandingWord, parseCommandProbe, planCommand } from '../../../modules/_lib/command.js';
import { shlexSplit } from '../../../runner/shlex.js';
import type { FileInfo } from '../../../modules/_lib/probe.js';
import { MASK } from '../../../runner/secret.js';

const fileInfo = (over: Partial<FileInfo> = {}): FileInfo => ({
  type: 'file', mode: 0o644, owner: 'root', group: 'root', uid: 0, gid: 0, size: 6, mtime: 1, nlink: 1, inode: 10, ...over,
});
const target = (over: Partial<TargetState> = {}): TargetState => ({ path: '/etc/motd', parentExists: true, umask: 0o022, ids: {}, ...over });

describe('recorded probe output', () => {
  it('parses a target probe: stat line, ids, umask and raw content bytes', () => {
    const out = Buffer.concat([
      Buffer.from('path /etc/motd\nstat regular file|640|root|adm|0|4|6|1700000000|1|1234\nparent yes\numask 0022\nuid 1000\ngid\n::content::\n'),
      Buffer.from([0x68, 0x69, 0x00, 0x0a]),
    ]);
    const t = parseTarget(out, { owner: 'deploy', group: 'nogroup' });
    expect(t.info).toMatchObject({ type: 'file', mode: 0o640, group: 'adm', gid: 4, inode: 1234 });
    expect(t.ids).toEqual({ uid: 1000, gid: null });
    expect(t.umask).toBe(0o022);
    expect(t.content).toEqual(Buffer.from([0x68, 0x69, 0x00, 0x0a]));
  });
  it('parses an absent target and a large file by sha1', () => {
    expect(parseTarget(Buffer.from('path /x\nstat absent\nparent no\numask 0077\n'), {})).toEqual({ path: '/x', parentExists: false, umask: 0o077, ids: {} });
    const big = parseTarget(Buffer.from('path /x\nstat regular file|644|a|a|1|1|200000|1|1|5\nparent yes\numask 0022\nsha1 da39a3ee5e6b4b0d3255bfef95601890afd80709\n'), {});
    expect(big.sha1).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
    expect(big.content).toBeUndefined();
  });
  it('parses stat output into Ansible keys', () => {
    const out = 'stat 81a4|0|0|1234|2147913|65024|1|1795469166.327274039|1795469166.5|1795469167.0|root|root|8|4096|0|0\naccess_r 1\naccess_w 1\naccess_x 0\nchecksum 0123abcd\nmimetype text/plain\ncharset us-ascii\n';
    const s = parseStatOutput(out, { path: '/etc/passwd' });
    expect(s).toMatchObject({ exists: true, path: '/etc/passwd', mode: '0644', isreg: true, isdir: false, islnk: false, uid: 0, size: 1234, pw_name: 'root', gr_name: 'root', checksum: '0123abcd', mtime: 1795469166.5, readable: true, executable: false, rusr: true, xusr: false, woth: false, mimetype: 'text/plain' });
    expect(parseStatOutput('absent\n', { path: '/nope' })).toEqual({ exists: false });
    // One `file -b --mime` line gives both mimetype and charset.
    expect(parseStatOutput('stat 41ed|0|0|0|5|6|1|0|0|0|root|root|0|4096|0|0\nmime inode/directory; charset=binary\n', { path: '/etc' })).toMatchObject({ isdir: true, mimetype: 'inode/directory', charset: 'binary' });
    expect(parseStatOutput('stat 21b6|0|0|0|5|6|1|0|0|0|root|root|0|4096|1|3\n', { path: '/dev/null' })).toMatchObject({ ischr: true, device_type: 259, mode: '0666' });
  });
  it('parses service probes for both backends', () => {
    // Recorded on lab hosts (systemd and SysV under tini).
    expect(parseServiceProbe('Id cron.service\nLoadState loaded\nActiveState active\nSubState running\nUnitFileState enabled\nInitScript yes\nSysvEnabled yes\n', 'systemd')).toMatchObject({ found: true, running: true, enabled: true, status: { UnitFileState: 'enabled', SubState: 'running' } });
    expect(parseServiceProbe('Id cron.service\nLoadState loaded\nActiveState inactive\nSubState dead\nUnitFileState disabled\nInitScript yes\nSysvEnabled yes\n', 'systemd')).toMatchObject({ found: true, running: false, enabled: false });
    expect(parseServiceProbe('Id x.service\nLoadState not-found\nActiveState inactive\nSubState dead\nUnitFileState \nSysvEnabled no\n', 'systemd')).toMatchObject({ found: false, running: false, enabled: false });
    // A unit generated from a SysV script is enabled by its start links (systemd-sysv-install).
    expect(parseServiceProbe('Id foo.service\nLoadState loaded\nActiveState active\nUnitFileState generated\nInitScript yes\nSysvEnabled no\n', 'systemd')).toMatchObject({ found: true, enabled: false });
    expect(parseServiceProbe('UnitFileState static\nLoadState loaded\nSysvEnabled no\n', 'systemd')).toMatchObject({ enabled: true });
    expect(parseServiceProbe('found yes\nstatus 3\npidfile /var/run/crond.pid\ntool update-rc.d\nslinks yes\nlinks yes\n', 'sysv')).toMatchObject({ found: true, running: false, enabled: true, enableTool: 'update-rc.d', hasLinks: true });
    expect(parseServiceProbe('found yes\nstatus 0\ntool chkconfig\nchkconfig off\nslinks yes\nlinks yes\n', 'sysv')).toMatchObject({ running: true, enabled: false, enableTool: 'chkconfig' });
  });
});

describe('copy/template plan', () => {
  const input = (content: string) => ({ content: Buffer.from(content), secret: false, afterHeader: '/etc/motd', makeParents: false, result: {} });
  it('new file: one write, diff from empty with the dest as headers', () => {
    const plan = planContentFile({ dest: '/etc/motd', mode: '0600' }, target(), input('hi\n'));
    expect(plan.changed).toBe(true);
    expect(plan.actions).toEqual([{ kind: 'write', path: '/etc/motd', content: Buffer.from('hi\n'), mode: '0600' }]);
    expect(plan.diffs).toEqual([{ before: '', after: 'hi\n', before_header: '/etc/motd', after_header: '/etc/motd' }]);
    expect(plan.result).toMatchObject({ mode: '0600', state: 'file' });
  });
  it('same content and attributes: no change', () => {
    const plan = planContentFile({ dest: '/etc/motd' }, target({ info: fileInfo(), content: Buffer.from('hi\n') }), input('hi\n'));
    expect(plan).toMatchObject({ changed: false, actions: [] });
  });
  it('same content, other mode: chmod only, no diff (as Ansible copy)', () => {
    const plan = planContentFile({ dest: '/etc/motd', mode: 'go-r' }, target({ info: fileInfo(), content: Buffer.from('hi\n') }), input('hi\n'));
    expect(plan.changed).toBe(true);
    expect(plan.actions).toEqual([{ kind: 'run', script: 'chmod 0600 -- /etc/motd', describe: 'chmod 0600 /etc/motd' }]);
    expect(plan.diffs).toBeUndefined();
  });
  it('changed content with backup and validate', () => {
    const plan = planContentFile({ dest: '/etc/motd', backup: true, validate: 'check %s' }, target({ info: fileInfo(), content: Buffer.from('old\n') }), input('new\n'));
    expect(plan.actions).toEqual([{ kind: 'write', path: '/etc/motd', content: Buffer.from('new\n'), backup: true, validate: 'check %s' }]);
    expect(plan.diffs?.[0]).toMatchObject({ before: 'old\n', after: 'new\n' });
  });
  it('large file compared by sha1', () => {
    const same = planContentFile({ dest: '/x' }, target({ info: fileInfo(), sha1: '55ca6286e3e4f4fba5d0448333fa99fc5a404a73' }), input('hi\n'));
    expect(same.changed).toBe(false);
  });
  it('force=false keeps an existing file', () => {
    expect(planContentFile({ dest: '/x', force: false }, target({ info: fileInfo(), content: Buffer.from('a') }), input('b'))).toMatchObject({ changed: false, actions: [] });
  });
  it('secret content: diff masked', () => {
    const plan = planContentFile({ dest: '/x' }, target({ info: fileInfo(), content: Buffer.from('old') }), { ...input('pw'), secret: true });
    expect(plan.diffs?.[0]?.after).toBe(`${MASK}\n`);
    expect(JSON.stringify(plan.diffs)).not.toContain('old');
  });
  it('binary content: placeholder instead of bytes', () => {
    const plan = planContentFile({ dest: '/x' }, target(), { ...input(''), content: Buffer.from([0, 1, 2]) });
    expect(plan.diffs?.[0]?.after).toMatch(/^\(binary content not shown: 3 bytes, sha1 /);
  });
  it('fails on a directory dest, a missing parent, an unknown owner', () => {
    expect(planContentFile({ dest: '/x' }, target({ info: fileInfo({ type: 'directory' }) }), input('a')).failed).toMatch(/is a directory/);
    expect(planContentFile({ dest: '/no/x' }, target({ path: '/no/x', parentExists: false }), input('a')).failed).toBe('Destination directory /no does not exist');
    expect(planContentFile({ dest: '/x', owner: 'ghost' }, target({ ids: { uid: null } }), input('a')).failed).toBe('chown failed: failed to look up user ghost');
  });
});

describe('file plan', () => {
  const state = (over: Partial<FileModuleState> = {}): FileModuleState => ({ path: '/srv/x', missing: [], recurseEntries: [], umask: 0o022, ids: {}, ...over });
  const diffOf = (p: ReturnType<typeof planFile>) => p.diffs?.map((d) => [JSON.parse(d.before), JSON.parse(d.after)]);
  it('directory: create with {path,state} diff and mode on each created component', () => {
    const plan = planFile({ path: '/srv/x', state: 'directory', mode: '0750' }, state({ missing: ['/srv/x', '/srv'] }));
    expect(plan.changed).toBe(true);
    expect(plan.actions.map((a) => (a.kind === 'run' ? a.script : ''))).toEqual(['mkdir -p -- /srv/x && chmod 0750 -- /srv /srv/x']);
    expect(diffOf(plan)).toEqual([[{ path: '/srv/x', state: 'absent' }, { path: '/srv/x', state: 'directory' }]]);
  });
  it('directory exists with the right mode: unchanged; wrong mode: diff of mode', () => {
    expect(planFile({ path: '/srv/x', state: 'directory', mode: '0755' }, state({ info: fileInfo({ type: 'directory', mode: 0o755 }) })).changed).toBe(false);
    const plan = planFile({ path: '/srv/x', state: 'directory', mode: '0700' }, state({ info: fileInfo({ type: 'directory', mode: 0o755 }) }));
    expect(diffOf(plan)).toEqual([[{ path: '/srv/x', mode: '0755' }, { path: '/srv/x', mode: '0700' }]]);
  });
  it('owner change diffs uids like Ansible', () => {
    const plan = planFile({ path: '/srv/x', owner: 'deploy' }, state({ info: fileInfo(), ids: { uid: 1000 } }));
    expect(diffOf(plan)).toEqual([[{ path: '/srv/x', owner: 0 }, { path: '/srv/x', owner: 1000 }]]);
    expect(plan.actions[0]).toMatchObject({ script: 'chown deploy -- /srv/x' });
  });
  it('state defaults to the current state; a missing path with state=file fails', () => {
    expect(planFile({ path: '/srv/x' }, state({ info: fileInfo({ type: 'directory', mode: 0o755 }) })).changed).toBe(false);
    expect(planFile({ path: '/srv/x', state: 'file' }, state()).failed).toBe('file (/srv/x) is absent, cannot continue');
    expect(planFile({ path: '/srv/x', state: 'directory' }, state({ info: fileInfo() })).failed).toBe('/srv/x already exists as a file');
  });
  it('absent: rm with {state} diff, nothing when already absent', () => {
    const plan = planFile({ path: '/srv/x', state: 'absent' }, state({ info: fileInfo({ type: 'directory' }) }));
    expect(plan.actions[0]).toMatchObject({ script: 'rm -rf -- /srv/x' });
    expect(diffOf(plan)).toEqual([[{ path: '/srv/x', state: 'directory' }, { path: '/srv/x', state: 'absent' }]]);
    expect(planFile({ path: '/srv/x', state: 'absent' }, state()).changed).toBe(false);
  });
  it('link: create, keep, retarget (src diff), refuse to replace a file without force', () => {
    expect(planFile({ path: '/srv/x', state: 'link', src: '/etc/hosts' }, state({ srcInfo: fileInfo() })).actions[0]).toMatchObject({ script: 'ln -sfn -- /etc/hosts /srv/x' });
    expect(planFile({ path: '/srv/x', state: 'link', src: '/etc/hosts' }, state({ info: fileInfo({ type: 'link', linkTarget: '/etc/hosts' }), srcInfo: fileInfo() })).changed).toBe(false);
    const re = planFile({ path: '/srv/x', state: 'link', src: '/etc/b' }, state({ info: fileInfo({ type: 'link', linkTarget: '/etc/a' }), srcInfo: fileInfo() }));
    expect(diffOf(re)).toEqual([[{ path: '/srv/x', src: '/etc/a' }, { path: '/srv/x', src: '/etc/b' }]]);
    expect(planFile({ path: '/srv/x', state: 'link', src: '/etc/b' }, state({ info: fileInfo(), srcInfo: fileInfo() })).failed).toBe('refusing to convert from file to symlink for /srv/x');
    expect(planFile({ path: '/srv/x', state: 'link', src: 'nope' }, state()).failed).toMatch(/^src file does not exist, use "force=yes"/);
    // The message names the src as Ansible resolves it: relative to the link's directory, an absolute one as is.
    expect(planFile({ path: '/srv/x', state: 'link', src: 'nope' }, state()).failed).toBe('src file does not exist, use "force=yes" if you really want to create the link: /srv/nope');
    expect(planFile({ path: '/srv/x', state: 'link', src: '/opt/nope' }, state()).failed).toBe('src file does not exist, use "force=yes" if you really want to create the link: /opt/nope');
  });
  it('hard: same inode unchanged, other inode needs force', () => {
    expect(planFile({ path: '/srv/x', state: 'hard', src: '/a' }, state({ info: fileInfo({ nlink: 2, inode: 7 }), srcInfo: fileInfo({ nlink: 2, inode: 7 }) })).changed).toBe(false);
    expect(planFile({ path: '/srv/x', state: 'hard', src: '/a' }, state({ info: fileInfo({ nlink: 2, inode: 7 }), srcInfo: fileInfo({ inode: 8 }) })).failed).toBe('Cannot link, different hard link exists at destination');
  });
  it('touch always changes (timestamps), like Ansible', () => {
    const plan = planFile({ path: '/srv/x', state: 'touch' }, state({ info: fileInfo() }));
    expect(plan.changed).toBe(true);
    expect(plan.actions[0]).toMatchObject({ script: 'touch -- /srv/x' });
  });
  it('recurse: chmod -R only when an entry differs', () => {
    const entries = [{ mode: 0o755, uid: 0, gid: 0, isDir: true }, { mode: 0o644, uid: 0, gid: 0, isDir: false }];
    const dir = fileInfo({ type: 'directory', mode: 0o755 });
    expect(planFile({ path: '/srv/x', state: 'directory', recurse: true, mode: 'u=rwX,go=rX' }, state({ info: dir, recurseEntries: entries })).changed).toBe(false);
    const plan = planFile({ path: '/srv/x', state: 'directory', recurse: true, mode: 'go-rwx' }, state({ info: dir, recurseEntries: entries }));
    expect(plan.actions.map((a) => (a.kind === 'run' ? a.script : ''))).toEqual(['chmod 0700 -- /srv/x', 'chmod -R go-rwx -- /srv/x']);
  });
  it('parses its probe output (link, missing ancestors, recurse entries)', () => {
    const s = parseFileProbe(Buffer.from('path /srv/l\nstat symbolic link|777|root|root|0|0|5|1|1|9\nstat.target /etc/x\nreal /etc/x\nrealstat regular file|600|root|root|0|0|1|1|1|3\nentry 41ed|0|0\nentry 81a4|1000|0\numask 0022\n'), { path: '/srv/l' });
    expect(s.info).toMatchObject({ type: 'link', linkTarget: '/etc/x' });
    expect(s.realInfo).toMatchObject({ mode: 0o600 });
    expect(s.recurseEntries).toEqual([{ mode: 0o755, uid: 0, gid: 0, isDir: true }, { mode: 0o644, uid: 1000, gid: 0, isDir: false }]);
    expect(parseFileProbe(Buffer.from('path /a/b\nstat absent\nmissing /a/b\nmissing /a\numask 0022\n'), { path: '/a/b' }).missing).toEqual(['/a/b', '/a']);
  });
});

describe('command/shell plan', () => {
  it('no creates/removes: non-idempotent run with capture', () => {
    const plan = planCommand({}, {}, 'exec echo hi', 'echo hi');
    expect(plan).toMatchObject({ changed: true, nonIdempotent: true, actions: [{ kind: 'run', script: 'exec echo hi', capture: true }] });
  });
  it('creates found: skipped with Ansible message; not found: runs, and is not "would run"', () => {
    expect(planCommand({ creates: '/x' }, parseCommandProbe('creates yes\n'), 's', 's')).toMatchObject({ changed: false, actions: [], result: { msg: "Did not run command since '/x' exists", stdout: 'skipped, since /x exists' } });
    expect(planCommand({ creates: '/x' }, parseCommandProbe('creates no\n'), 's', 's')).toMatchObject({ changed: true, nonIdempotent: false });
    expect(planCommand({ removes: '/x' }, parseCommandProbe('removes no\n'), 's', 's').changed).toBe(false);
  });
  it('chdir and stdin (with the newline Ansible adds)', () => {
    const plan = planCommand({ chdir: '/srv/my app', stdin: 'data' }, {}, 'exec cat', 'cat');
    expect(plan.actions[0]).toMatchObject({ script: "cd -- '/srv/my app' || exit 1\nexec cat", stdin: 'data\n' });
    expect(planCommand({ chdir: '/nope', creates: 'x' }, parseCommandProbe('chdir missing\n'), 's', 's').failed).toMatch(/Unable to change directory/);
  });
  it('shlex split and per-word expansion like Ansible command', () => {
    expect(shlexSplit(`echo "a b" 'c d' e\\ f "q\\"x"`)).toEqual(['echo', 'a b', 'c d', 'e f', 'q"x']);
    expect(() => shlexSplit('echo "x')).toThrow(/No closing quotation/);
    expect(expandingWord('~/x')).toBe('"$HOME"/x');
    expect(expandingWord('a$HOME;b')).toBe(`a"\${HOME-\\$HOME}"';b'`);
    expect(commandScript({ argv: ['printf', '%s', '*; rm -rf /'] })).toBe("exec printf %s '*; rm -rf /'");
  });
});

describe('service plan', () => {
  const sysv = (over: Partial<ServiceState> = {}): ServiceState => ({ backend: 'sysv', found: true, running: false, enabled: false, enableTool: 'update-rc.d', hasLinks: true, ...over });
  const scripts = (p: ReturnType<typeof planService>) => p.actions.map((a) => (a.kind === 'run' ? a.script : ''));
  it('started when stopped, nothing when running', () => {
    const started = planService({ name: 'cron', state: 'started' }, sysv(), 'h');
    expect(scripts(started)).toEqual(['service cron start', '']);
    // A SysV script may return before its daemon is up: the plan waits for the probe's status.
    expect(started.actions[1]).toMatchObject({ kind: 'wait', describe: 'service cron to be running', timeoutMs: 15_000 });
    expect(planService({ name: 'cron', state: 'stopped' }, sysv({ running: true }), 'h').actions[1]).toMatchObject({ kind: 'wait', describe: 'service cron to be stopped' });
    expect(planService({ name: 'cron', state: 'started' }, sysv({ running: true }), 'h').changed).toBe(false);
  });
  it('enabled via update-rc.d (defaults first when there are no links) and systemctl', () => {
    expect(scripts(planService({ name: 'cron', enabled: true }, sysv({ hasLinks: false }), 'h'))).toEqual(['update-rc.d cron defaults', 'update-rc.d cron enable']);
    expect(scripts(planService({ name: 'cron', enabled: false, state: 'stopped' }, { backend: 'systemd', found: true, running: true, enabled: true }, 'h'))).toEqual(['systemctl disable -- cron', 'systemctl stop -- cron']);
  });
  it('restarted always acts and is non-idempotent; reloaded starts a stopped service', () => {
    expect(planService({ name: 'cron', state: 'restarted' }, sysv({ running: true }), 'h')).toMatchObject({ changed: true, nonIdempotent: true });
    expect(scripts(planService({ name: 'x', state: 'reloaded' }, { backend: 'systemd', found: true, running: false, enabled: false }, 'h'))).toEqual(['systemctl start -- x']);
  });
  it('unknown service fails', () => {
    expect(planService({ name: 'nope', state: 'started' }, sysv({ found: false }), 'web1').failed).toBe('Could not find the requested service nope: web1');
  });
});
