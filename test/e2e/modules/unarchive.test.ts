/**
 * unarchive end to end on a lab host: a controller tar.gz (uploaded) and host archives of every
 * kind (tar, gz, bz2, xz, zst, zip) converge (check predicts, the run unpacks, the next run does
 * not); a changed file in dest is a change, keep_newer, creates, include/exclude, extra_opts,
 * mode/owner/group; clear failures; a check-mode chain (directory, then unpack into it); and parity
 * with ansible.builtin.unarchive on the same host (changed, failed, msg, handler, files, the
 * files left in dest).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { file, unarchive, type UnarchiveParams } from '../../../modules/index.js';
import { play, task } from '../../../runner/dsl.js';
import type { LabHost } from '../../lab/state.js';
import { labHosts, ssh, sshOk } from '../../lab/testing.js';
import { aptInstall } from '../../lab/probes.js';
import { converge, remote, run, session, type HostSession } from './harness.js';
import { ansibleResults, ourResults, pick, playStatuses, type ParityCase } from './play-parity.js';

let host: LabHost;
let s: HostSession;
let local: string;
const H = '/tmp/hw-unarchive';

/** The tree every archive holds: app/ with two files, a subdirectory and a link. */
const TREE = [
  'mkdir -p app/conf app/bin',
  "printf 'port 80\\n' > app/conf/app.conf",
  "printf '#!/bin/sh\\necho hi\\n' > app/bin/run && chmod 755 app/bin/run",
  'ln -s conf/app.conf app/current.conf',
  'touch -d 2024-01-02T03:04:05Z app/conf/app.conf app/bin/run',
].join(' && ');

beforeAll(async () => {
  host = labHosts('plain')[0]!;
  await sshOk(host, aptInstall('unzip', 'zip', 'zstd', 'bzip2', 'xz-utils'));
  await sshOk(host, [
    `rm -rf ${H} && mkdir -p ${H}/src && cd ${H}/src && ${TREE}`,
    'tar -cf ../app.tar app && tar -czf ../app.tar.gz app && tar -cjf ../app.tar.bz2 app && tar -cJf ../app.tar.xz app && tar --zstd -cf ../app.tar.zst app',
    'zip -qry ../app.zip app',
    "printf 'not an archive\\n' > ../junk.tgz && : > ../empty.tar",
  ].join(' && '));
  // The controller's archive, built with the controller's own tar and gzip.
  local = mkdtempSync(path.join(tmpdir(), 'hw-unarchive-'));
  mkdirSync(path.join(local, 'tree'));
  execFileSync('sh', ['-c', `cd tree && ${TREE} && tar -czf ../site.tar.gz app`], { cwd: local });
  s = await session(host);
});
afterAll(async () => {
  rmSync(local, { recursive: true, force: true });
  await ssh(host, `rm -rf ${H}`);
});

async function freshDest(name: string): Promise<string> {
  const dest = `${H}/dest-${name}`;
  await sshOk(host, `rm -rf ${dest} && mkdir -p ${dest}`);
  return dest;
}

describe('unarchive', () => {
  test('a controller tar.gz: check predicts, the run unpacks, the next run changes nothing; no upload left behind', async () => {
    const dest = await freshDest('controller');
    const c = await converge(s, unarchive({ src: path.join(local, 'site.tar.gz'), dest, list_files: true }));
    expect(c.first.result).toMatchObject({ handler: 'TgzArchive', dest });
    expect((c.first.result.files as string[]).sort()).toEqual(['app/', 'app/bin/', 'app/bin/run', 'app/conf/', 'app/conf/app.conf', 'app/current.conf']);
    expect(await remote(s, `cat ${dest}/app/conf/app.conf; readlink ${dest}/app/current.conf; stat -c %a ${dest}/app/bin/run`)).toBe('port 80\nconf/app.conf\n755');
    expect(await remote(s, 'ls -a /tmp | grep -c hostwright-unarchive || true')).toBe('0');
  });

  test.each(['app.tar', 'app.tar.gz', 'app.tar.bz2', 'app.tar.xz', 'app.tar.zst', 'app.zip'])('remote_src %s converges', async (name) => {
    const dest = await freshDest(name);
    const c = await converge(s, unarchive({ src: `${H}/${name}`, dest, remote_src: true }));
    expect(c.first.result.handler).toBe(name === 'app.zip' ? 'ZipArchive' : name === 'app.tar.gz' ? 'TgzArchive' : 'TarArchive');
    expect(await remote(s, `cat ${dest}/app/conf/app.conf; readlink ${dest}/app/current.conf`)).toBe('port 80\nconf/app.conf');
  });

  test.each(['app.tar.gz', 'app.zip'])('%s: a file changed in dest is a change, put back; keep_newer keeps a newer one', async (name) => {
    const dest = await freshDest(`changed-${name}`);
    const call = (p: Partial<UnarchiveParams> = {}) => unarchive({ src: `${H}/${name}`, dest, remote_src: true, ...p });
    await run(s, call());
    await sshOk(host, `printf 'port 8080\\n' > ${dest}/app/conf/app.conf && touch -d 2024-01-02T03:04:05Z ${dest}/app/conf/app.conf`);
    const check = await run(s, call(), true);
    expect(check.changed).toBe(true);
    expect(check.plan?.diffs?.[0]?.before).toMatch(/app\/conf\/app.conf: (Contents|Size) differs?/);
    expect((await run(s, call())).changed).toBe(true);
    expect(await remote(s, `cat ${dest}/app/conf/app.conf`)).toBe('port 80');
    await sshOk(host, `printf 'local edit\\n' > ${dest}/app/conf/app.conf`);
    await run(s, call({ keep_newer: true }));
    expect(await remote(s, `cat ${dest}/app/conf/app.conf`)).toBe('local edit');
  });

  test('creates, include, exclude, extra_opts, mode/owner/group', async () => {
    const dest = await freshDest('options');
    const skipped = await run(s, unarchive({ src: `${H}/app.tar.gz`, dest, remote_src: true, creates: `${H}/src` }));
    expect(skipped.result).toMatchObject({ changed: false, skipped: true, msg: `skipped, since ${H}/src exists` });
    await converge(s, unarchive({ src: `${H}/app.tar.gz`, dest: `${dest}`, remote_src: true, include: ['app/conf/app.conf'] }));
    expect(await remote(s, `cd ${dest} && find . | sort`)).toBe('.\n./app\n./app/conf\n./app/conf/app.conf');
    const stripped = await freshDest('strip');
    await converge(s, unarchive({ src: `${H}/app.tar.gz`, dest: stripped, remote_src: true, extra_opts: ['--strip-components=1'], exclude: ['app/bin'] }));
    expect(await remote(s, `cd ${stripped} && find . | sort`)).toBe('.\n./conf\n./conf/app.conf\n./current.conf');
    const owned = await freshDest('owned');
    await converge(s, unarchive({ src: `${H}/app.zip`, dest: owned, remote_src: true, owner: 'nobody', group: 'nogroup', mode: 'u=rwX,g=rX,o=' }));
    expect(await remote(s, `cd ${owned} && stat -c '%n %U %G %a' app app/conf app/conf/app.conf app/bin/run`)).toBe('app nobody nogroup 750\napp/conf nobody nogroup 750\napp/conf/app.conf nobody nogroup 640\napp/bin/run nobody nogroup 750');
    // Attributes changed by hand are put back without unpacking again.
    await sshOk(host, `chmod 644 ${owned}/app/bin/run`);
    const fix = await run(s, unarchive({ src: `${H}/app.zip`, dest: owned, remote_src: true, owner: 'nobody', group: 'nogroup', mode: 'u=rwX,g=rX,o=' }));
    expect(fix.changed).toBe(true);
    expect(fix.plan?.actions).toHaveLength(1);
    expect(await remote(s, `stat -c %a ${owned}/app/bin/run`)).toBe('640');
  });

  test('clear failures, nothing changed: dest missing, src missing, not an archive, empty, bad params', async () => {
    const dest = await freshDest('fail');
    const failed = async (p: UnarchiveParams) => (await run(s, unarchive(p))).msg;
    expect(await failed({ src: `${H}/app.tar`, dest: `${H}/nope`, remote_src: true })).toBe(`dest '${H}/nope' must be an existing dir`);
    expect(await failed({ src: `${H}/nope.tar`, dest, remote_src: true })).toBe(`Source '${H}/nope.tar' does not exist`);
    expect(await failed({ src: `${H}/empty.tar`, dest, remote_src: true })).toBe(`Invalid archive '${H}/empty.tar', the file is 0 bytes`);
    expect(await failed({ src: `${H}/junk.tgz`, dest, remote_src: true })).toMatch(/^Failed to find handler for ".*junk.tgz"/);
    expect(await failed({ src: path.join(local, 'missing.tgz'), dest })).toMatch(/^Could not find or access/);
    expect(unarchive({ src: 'a.tgz', dest: 'relative' }).issues.map((i) => i.field)).toEqual(['dest']);
    expect(unarchive({ src: 'a.tgz', dest: '/x', include: ['a'], exclude: ['b'] }).issues.map((i) => i.message)).toEqual(['parameters are mutually exclusive: include|exclude']);
    expect(await remote(s, `find ${dest} | wc -l`)).toBe('1');
  });

  test('check mode: a directory an earlier task creates, then an archive unpacked into it and the same again', async () => {
    const dest = `${H}/chain`;
    await ssh(host, `rm -rf ${dest}`);
    const plays = [play({ hosts: 'all', gather_facts: false, tasks: [
      task('dir', file({ path: dest, state: 'directory' })),
      task('unpack', unarchive({ src: `${H}/app.tar.gz`, dest, remote_src: true })),
      task('unpack again', unarchive({ src: `${H}/app.tar.gz`, dest, remote_src: true })),
    ] })];
    const check = await playStatuses(host.name, plays, true);
    const real = await playStatuses(host.name, plays, false);
    expect(check).toEqual(['changed', 'changed', 'ok']);
    expect(real).toEqual(check);
  });
});

describe('unarchive compared with ansible.builtin.unarchive', () => {
  /** Each tool unpacks into its own directory tree: `${H}/<tool>/<n>`. */
  function cases(tool: string): ParityCase[] {
    const c = (name: string, args: UnarchiveParams, ignore = false): ParityCase => ({ name, ansible: { module: 'unarchive', args: { ...args } }, ours: unarchive(args), ignore_errors: ignore });
    const d = (n: number) => `${H}/${tool}/${n}`;
    return [
      c('controller tar.gz', { src: path.join(local, 'site.tar.gz'), dest: d(1), list_files: true }),
      c('remote tar.xz', { src: `${H}/app.tar.xz`, dest: d(2), remote_src: true }),
      c('remote zip, list_files', { src: `${H}/app.zip`, dest: d(3), remote_src: true, list_files: true }),
      c('include one file', { src: `${H}/app.tar.bz2`, dest: d(4), remote_src: true, include: ['app/conf/app.conf'] }),
      c('exclude and strip', { src: `${H}/app.tar`, dest: d(5), remote_src: true, exclude: ['app/bin'], extra_opts: ['--strip-components=1'] }),
      c('creates exists', { src: `${H}/app.tar`, dest: d(6), remote_src: true, creates: `${H}/src` }),
      c('dest missing', { src: `${H}/app.tar`, dest: `${H}/${tool}/missing`, remote_src: true }, true),
      c('src missing', { src: `${H}/nope.tar`, dest: d(6), remote_src: true }, true),
      c('empty archive', { src: `${H}/empty.tar`, dest: d(6), remote_src: true }, true),
    ];
  }
  const KEYS = ['changed', 'failed', 'skipped', 'handler', 'files', 'state', 'mode', 'owner', 'group'];
  const shown = (r: Parameters<typeof pick>[0], tool: string) => ({ ...pick(r, KEYS), msg: typeof r?.msg === 'string' ? r.msg.replaceAll(`/${tool}/`, '/TOOL/') : r?.msg });

  test('9 cases, run twice: registered results and the trees left in dest', async () => {
    await sshOk(host, `for t in ansible ours; do rm -rf ${H}/$t && mkdir -p ${H}/$t/1 ${H}/$t/2 ${H}/$t/3 ${H}/$t/4 ${H}/$t/5 ${H}/$t/6; done`);
    const theirs = [await ansibleResults(host.name, cases('ansible')), await ansibleResults(host.name, cases('ansible'))];
    const ours = [await ourResults(host.name, cases('ours')), await ourResults(host.name, cases('ours'))];
    expect(theirs[0]![0]).toMatchObject({ changed: true, handler: 'TgzArchive' });
    for (const r of [0, 1]) {
      cases('ours').forEach((c, i) => expect(shown(ours[r]![i], 'ours'), `${c.name} (run ${r + 1})`).toEqual(shown(theirs[r]![i], 'ansible')));
    }
    const tree = (t: string) => remote(s, `cd ${H}/${t} && find . -printf '%p %y %m %s %l\\n' | sort`);
    expect(await tree('ours')).toBe(await tree('ansible'));
  });
});
