import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { git } from '../../../modules/index.js';
import { labHosts, labState, resetHost } from '../../lab/testing.js';
import { parseRun, REPO_ROOT, runTool, TSX } from '../playbooks/parity/output.js';
import { CLIENT_KEY, makeRepo, pushCommit, sshAccess } from './git-fixture.js';
import { converge, remote, run, scratch, session } from './harness.js';

const BARE = '/srv/git/app.git';

// Repositories, the lab key and a known_hosts with a wrong key were left on the first two hosts:
// the next test files get them as the lab made them.
afterAll(async () => {
  for (const h of labHosts('plain').slice(0, 2)) await resetHost(h.name);
});

describe('git on a lab host', () => {
  test('file:// remote: clone, converged, check predicted; a remote that moved elsewhere is no change, a moved branch is', async () => {
    const s = await session(labHosts('plain')[0]!);
    const c = await makeRepo(s.host, BARE);
    const dir = await scratch(s, 'git-clone');
    const { check, first } = await converge(s, git({ repo: BARE, dest: `${dir}/app`, version: 'main' }));
    expect(check.plan?.result).toMatchObject({ before: null, after: c.two });
    expect(check.plan?.diffs).toEqual([{ before: '', after: `${c.two}\n`, before_header: `${dir}/app (commit)`, after_header: `${dir}/app (commit)` }]);
    expect([first.result.after, first.result.changed_files]).toEqual([c.two, ['README', 'bin/app.sh', 'conf/app.conf']]);
    expect(await remote(s, `git -C ${dir}/app rev-parse HEAD; git -C ${dir}/app symbolic-ref --short HEAD; stat -c %a ${dir}/app/bin/app.sh`)).toBe(`${c.two}\nmain\n755`);

    // New commits on another branch: the checkout does not move, so nothing changes.
    await pushCommit(s.host, BARE, 'dev', 'OTHER', 'x');
    expect((await run(s, git({ repo: BARE, dest: `${dir}/app`, version: 'main' }))).changed).toBe(false);

    // main moved: check predicts the new commit, the run checks it out and lists the changed file.
    const moved = await pushCommit(s.host, BARE, 'main', 'conf/app.conf', 'version=3', 5);
    const again = await converge(s, git({ repo: BARE, dest: `${dir}/app`, version: 'main' }));
    expect(again.check.plan?.result).toMatchObject({ before: c.two, after: moved, remote_url_changed: false });
    expect([again.first.result.after, again.first.result.changed_files]).toEqual([moved, ['conf/app.conf']]);
    expect(await remote(s, `cat ${dir}/app/conf/app.conf`)).toBe('version=3');
  });

  test('versions: annotated tag, branch, a commit id, and depth with a commit id (ansible#21316)', async () => {
    const s = await session(labHosts('plain')[0]!);
    const c = await makeRepo(s.host, BARE);
    const dir = await scratch(s, 'git-versions');
    await converge(s, git({ repo: BARE, dest: `${dir}/app`, version: 'v1a' }));
    expect(await remote(s, `git -C ${dir}/app rev-parse HEAD`)).toBe(c.one);
    // From a tag to a branch: the checkout moves and follows the branch.
    const dev = await converge(s, git({ repo: BARE, dest: `${dir}/app`, version: 'dev' }));
    expect([dev.first.result.after, dev.first.result.changed_files]).toEqual([c.three, ['DEV', 'conf/app.conf']]);
    expect(await remote(s, `git -C ${dir}/app symbolic-ref --short HEAD; git -C ${dir}/app rev-parse --abbrev-ref @{upstream}`)).toBe('dev\norigin/dev');
    // A short commit id the checkout already has resolves without a fetch.
    const back = await converge(s, git({ repo: BARE, dest: `${dir}/app`, version: c.one.slice(0, 10) }));
    expect(back.check.plan?.result).toMatchObject({ after: c.one });
    // A full commit id with depth: only that commit is fetched.
    await converge(s, git({ repo: BARE, dest: `${dir}/shallow`, version: c.two, depth: 1 }));
    expect(await remote(s, `git -C ${dir}/shallow rev-parse HEAD; git -C ${dir}/shallow rev-list --count HEAD; git -C ${dir}/shallow rev-parse --is-shallow-repository`)).toBe(`${c.two}\n1\ntrue`);
  });

  test('local modifications: refused with the list and left alone, discarded with force', async () => {
    const s = await session(labHosts('plain')[0]!);
    await makeRepo(s.host, BARE);
    const dir = await scratch(s, 'git-mods');
    await run(s, git({ repo: BARE, dest: `${dir}/app`, version: 'v1' }));
    await remote(s, `cd ${dir}/app && echo local >> conf/app.conf && rm README && touch untracked`);
    const refused = await run(s, git({ repo: BARE, dest: `${dir}/app`, version: 'main' }));
    expect(refused.failed).toBe(true);
    expect(refused.msg).toBe(`Local modifications exist in the destination: ${dir}/app (force=no): D README, M conf/app.conf`);
    expect(await remote(s, `cd ${dir}/app && git status --porcelain`)).toBe(' D README\n M conf/app.conf\n?? untracked');
    const forced = await converge(s, git({ repo: BARE, dest: `${dir}/app`, version: 'main', force: true }));
    expect(forced.check.plan?.summary).toBe(`Local modifications exist in the destination: ${dir}/app`);
    // Untracked files are not local modifications (as in ansible-core) and stay.
    expect(await remote(s, `cd ${dir}/app && git status --porcelain; cat conf/app.conf`)).toBe('?? untracked\nversion=2');
  });

  test('an unreachable remote: a clear message, and the host as it was', async () => {
    const s = await session(labHosts('plain')[0]!);
    const c = await makeRepo(s.host, BARE);
    const dir = await scratch(s, 'git-unreachable');
    const none = await run(s, git({ repo: 'ssh://root@nohost.invalid/srv/x.git', dest: `${dir}/new` }));
    expect(none.failed).toBe(true);
    expect(none.msg).toMatch(/^Failed to reach the repository ssh:\/\/root@nohost\.invalid\/srv\/x\.git: ssh: Could not resolve hostname nohost\.invalid/);
    expect(await remote(s, `ls -A ${dir}`)).toBe('');

    await run(s, git({ repo: BARE, dest: `${dir}/app`, version: 'v1' }));
    const gone = await run(s, git({ repo: '/srv/git/missing.git', dest: `${dir}/app`, version: 'main' }));
    expect(gone.msg).toMatch(/^Failed to reach the repository \/srv\/git\/missing\.git: fatal: '\/srv\/git\/missing\.git' does not appear to be a git repository/);
    expect(await remote(s, `git -C ${dir}/app rev-parse HEAD; git -C ${dir}/app config remote.origin.url`)).toBe(`${c.one}\nfile://${BARE}`);
  });

  test('an ssh remote on another lab host: host key checked, key_file, accept_newhostkey', async () => {
    const [client, server] = labHosts('plain');
    const s = await session(client!);
    const c = await makeRepo(server!, BARE);
    const dir = await scratch(s, 'git-ssh');
    const repo = `ssh://root@${server!.name}${BARE}`;

    // No known_hosts entry: refused, nothing made.
    await sshAccess(client!, server!, false);
    const unknown = await run(s, git({ repo, dest: `${dir}/app`, key_file: CLIENT_KEY }));
    expect(unknown.msg).toMatch(/^Failed to reach the repository .*Host key verification failed\./s);
    expect(await remote(s, `ls -A ${dir}`)).toBe('');

    // The lab's known_hosts entry: cloned over SSH with the key.
    await sshAccess(client!, server!, true);
    await converge(s, git({ repo, dest: `${dir}/app`, version: 'dev', key_file: CLIENT_KEY }));
    expect(await remote(s, `git -C ${dir}/app rev-parse HEAD`)).toBe(c.three);

    // accept_newhostkey: a host not yet known is accepted and recorded; a changed key would not be.
    await sshAccess(client!, server!, false);
    await converge(s, git({ repo, dest: `${dir}/new`, key_file: CLIENT_KEY, accept_newhostkey: true }));
    expect(await remote(s, `ssh-keygen -F ${server!.name} -f /root/.ssh/known_hosts >/dev/null && echo known`)).toBe('known');
    await remote(s, `sed -i 's/ssh-ed25519 .*/ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl/' /root/.ssh/known_hosts`);
    const changedKey = await run(s, git({ repo, dest: `${dir}/third`, key_file: CLIENT_KEY, accept_newhostkey: true }));
    expect(changedKey.msg).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  test('bad params: load-time issues naming the field', async () => {
    const s = await session(labHosts('plain')[0]!);
    const fields = (p: Record<string, unknown>) => run(s, git(p as never)).then((r) => r.issues.map((i) => i.field));
    expect(await fields({ repo: BARE, dest: '/tmp/x', depth: 0 })).toEqual(['depth']);
    expect(await fields({ repo: BARE })).toEqual(['dest']);
    expect(await fields({ repo: BARE, dest: '/tmp/x', verison: 'main' })).toEqual(['verison']);
    expect(await fields({ repo: BARE, dest: '/tmp/x', umask: '999' })).toEqual(['umask']);
    expect(await fields({ repo: BARE, dest: '/tmp/x', accept_hostkey: true, accept_newhostkey: true })).toEqual(['accept_newhostkey']);
  });
});

describe('git and deploy in check mode predict for later tasks', () => {
  test('a fresh host: the checkout is changed, a file inside it is predicted from the remote\'s commit, the current link of the deploy is predicted; the run then does it', async () => {
    const host = labHosts('plain')[0]!;
    const s = await session(host);
    const c = await makeRepo(host, BARE);
    const dir = await scratch(s, 'git-predict');
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'hw-git-predict-'));
    const playbook = path.join(tmp, 'predict.ts');
    await writeFile(
      playbook,
      [
        `import { play, playbook, task } from ${JSON.stringify(path.join(REPO_ROOT, 'runner/index.js'))};`,
        `import { deploy, file, git } from ${JSON.stringify(path.join(REPO_ROOT, 'modules/index.js'))};`,
        `export default playbook(import.meta, [play({ name: 'predict', hosts: 'all', gather_facts: false, tasks: [`,
        `  task('clone app', git({ repo: '${BARE}', dest: '${dir}/app', version: 'main' })),`,
        `  task('app script mode', file({ path: '${dir}/app/bin/app.sh', mode: '0700' })),`,
        `  task('deploy', deploy({ path: '${dir}/srv', repo: '${BARE}', version: 'v1' })),`,
        `  task('the live release', file({ path: '${dir}/srv/current', src: 'releases/${c.one.slice(0, 12)}', state: 'link' })),`,
        ']})]);',
        '',
      ].join('\n'),
    );
    const argv = [TSX, playbook, '-i', labState().inventoryFile, '-l', host.name];
    const check = parseRun((await runTool([...argv, '--check'])).stdout);
    expect(check.tasks.map((t) => `${t.banner} ${t.statuses.join()}`)).toEqual([
      `TASK [clone app] changed: [${host.name}]`,
      // Check mode read the commit's tree: the script's mode as the clone leaves it (0755 under the umask).
      `TASK [app script mode] changed: [${host.name}]`,
      `TASK [deploy] changed: [${host.name}]`,
      `TASK [the live release] ok: [${host.name}]`,
    ]);
    expect(await remote(s, `ls -A ${dir}`)).toBe('');
    const real = parseRun((await runTool(argv)).stdout);
    expect(real.tasks.map((t) => t.statuses.join().split(':')[0])).toEqual(['changed', 'changed', 'changed', 'ok']);
    await rm(tmp, { recursive: true, force: true });
  });
});
