/**
 * backup_copy between two lab hosts: archives written by `backup` on one host are copied to the
 * other over the run's own two connections (relayed through the controller), pruned there with
 * the job's retention (that series only), and a copy killed at any point — the runner, the
 * source's cat, the receiving tee or the receiving shell — leaves no complete-looking archive on
 * the target; the next copy succeeds. Also through a real playbook run (execute.ts's peer lookup):
 * a copy, and an unknown target host failing the task clearly.
 */
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { backup, backup_copy, backup_verify } from '../../../modules/index.js';
import { labHosts } from '../../lab/testing.js';
import { COPY_JOB } from '../playbooks/backup/copy-params.js';
import { inventoryFile } from './podman-lab.js';
import { remote, run, runAcross, session, type HostSession } from './harness.js';

let a: HostSession;
let b: HostSession;
const { job, dest, to_dest } = COPY_JOB;
const root = fileURLToPath(new URL('../../../', import.meta.url));
const playbook = 'test/e2e/playbooks/backup/copy.ts';
/** The copy's series on b: one directory per source host. */
const copies = () => `${to_dest}/${a.host.name}/${job}`;
/** Names in the copy's series that look complete (archive names, no temp files), sorted. */
const complete = async () => (await remote(b, `ls -A ${copies()} 2>/dev/null | grep -E '^${job}-[0-9]{8}T[0-9]{6}Z-[a-z0-9]+\\.tar\\.(gz|zst)$' || true`)).split('\n').filter(Boolean);
/** Every complete-looking copy has its .sha256 and matches it. */
const sound = () => remote(b, `cd ${copies()} 2>/dev/null || exit 0; for f in ${job}-*.tar.gz; do [ -e "$f" ] || continue; sha256sum -c --quiet "$f.sha256" 2>/dev/null || echo "BROKEN $f"; done; echo checked`);
const backupNow = async (): Promise<string> => {
  const r = await run(a, backup({ job, dest, paths: ['/tmp/hw-e2e/bakcopy-src'], compression: 'gzip' }));
  expect(r.failed, r.msg).toBe(false);
  return (r.plan?.result?.archive as string).split('/').pop()!;
};

beforeAll(async () => {
  const hosts = labHosts('plain');
  expect(hosts.length, 'the e2e lab needs two plain hosts').toBeGreaterThanOrEqual(2);
  [a, b] = await Promise.all([session(hosts[0]!), session(hosts[1]!)]);
  await remote(a, `rm -rf /tmp/hw-e2e/bakcopy-* && mkdir -p /tmp/hw-e2e/bakcopy-src && head -c 24000000 /dev/urandom > /tmp/hw-e2e/bakcopy-src/big`);
  await remote(b, `rm -rf ${to_dest}`);
}, 120_000);

describe('backup_copy to another inventory host', () => {
  test('the newest archive is copied byte for byte with its sha256; check mode lists it and touches nothing; again is ok; retention prunes only that series there', async () => {
    const first = await backupNow();
    // The target already holds another job's series and another source host's copies of this job.
    await remote(b, `mkdir -p ${to_dest}/${a.host.name}/other ${to_dest}/elsewhere/${job} && for d in ${to_dest}/${a.host.name}/other/other ${to_dest}/elsewhere/${job}/${job}; do for t in 20250101T000000Z 20250102T000000Z 20250103T000000Z; do echo x > $d-$t-0000000000.tar.gz; done; done`);
    const others = await remote(b, `cd ${to_dest} && find ${a.host.name}/other elsewhere -type f | sort`);

    const call = backup_copy({ ...COPY_JOB, to_host: b.host.name });
    const check = await runAcross(a, call, [b], true);
    expect(check.failed, check.msg).toBe(false);
    expect(check.changed).toBe(true);
    expect(check.result).toMatchObject({ copy: `${copies()}/${first}`, to_host: b.host.name, copied: true, pruned: [] });
    expect(check.msg).toBe(`copy ${dest}/${job}/${first} to ${b.host.name}:${copies()}/${first}`);
    expect(await remote(b, `test -e ${copies()} || echo absent`)).toBe('absent');

    const copied = await runAcross(a, call, [b]);
    expect(copied.failed, copied.msg).toBe(false);
    expect(copied.changed).toBe(true);
    expect(await remote(b, `sha256sum < ${copies()}/${first}`)).toBe(await remote(a, `sha256sum < ${dest}/${job}/${first}`));
    expect(await remote(b, `cd ${copies()} && sha256sum -c ${first}.sha256`)).toBe(`${first}: OK`);
    // The copy is a series like any other there: verify reads it where it is.
    const verified = await run(b, backup_verify({ job, dest: `${to_dest}/${a.host.name}` }));
    expect(verified.failed, verified.msg).toBe(false);
    const again = await runAcross(a, call, [b]);
    expect(again.failed, again.msg).toBe(false);
    expect(again.changed).toBe(false);
    expect(again.msg).toBe(`${b.host.name}:${copies()}/${first} is there with the same sha256; none to prune`);

    // Two more backups, each copied: keep_last 2 prunes the oldest copy there, never the source's.
    const second = await backupNow();
    expect((await runAcross(a, call, [b])).failed).toBe(false);
    const third = await backupNow();
    const pruning = await runAcross(a, call, [b], true);
    expect(pruning.result).toMatchObject({ copied: true, pruned: [`${copies()}/${first}`] });
    expect(pruning.msg).toBe(`copy ${dest}/${job}/${third} to ${b.host.name}:${copies()}/${third}; prune 1 on ${b.host.name}: ${first}`);
    expect(await complete()).toEqual([first, second].sort());
    expect((await runAcross(a, call, [b])).failed).toBe(false);
    expect(await complete()).toEqual([second, third].sort());
    expect(await remote(b, `ls ${copies()} | grep -c sha256`)).toBe('2');
    expect(await remote(a, `ls ${dest}/${job} | grep -c -v sha256`)).toBe('3');
    expect(await remote(b, `cd ${to_dest} && find ${a.host.name}/other elsewhere -type f | sort`)).toBe(others);
    // A named archive the target already holds with the same sha256: nothing to do.
    const named = await runAcross(a, backup_copy({ ...COPY_JOB, to_host: b.host.name, archive: second }), [b]);
    expect(named.changed).toBe(false);
    expect(named.result).toMatchObject({ copy: `${copies()}/${second}`, copied: false });
  });

  test('an unknown host, the task\'s own host, or an archive not in the series fails clearly and copies nothing', async () => {
    const before = await remote(b, `ls -A ${copies()} 2>/dev/null | sort`);
    const unknown = await runAcross(a, backup_copy({ ...COPY_JOB, to_host: 'no-such-host' }), [b]);
    expect(unknown.failed).toBe(true);
    expect(unknown.msg).toBe('to_host no-such-host: no-such-host is not a host of the inventory; nothing copied');
    const self = await runAcross(a, backup_copy({ ...COPY_JOB, to_host: a.host.name }), [a, b]);
    expect(self.msg).toBe(`to_host ${a.host.name}: ${a.host.name} is the task's own host; nothing copied`);
    const missing = await runAcross(a, backup_copy({ ...COPY_JOB, to_host: b.host.name, archive: `${job}-20200101T000000Z-0000000000.tar.gz` }), [b]);
    expect(missing.msg).toBe(`no archive ${dest}/${job}/${job}-20200101T000000Z-0000000000.tar.gz; nothing copied`);
    expect(await remote(b, `ls -A ${copies()} 2>/dev/null | sort`)).toBe(before);
  });

  test('killed mid-copy (the runner, the source\'s cat, the receiving tee, the receiving shell): no complete-looking archive on the target; the next copy succeeds and clears what was left', async () => {
    const pexec = promisify(execFile);
    // Through a real playbook run: execute.ts gives the module the inventory's other host.
    const fresh = await backupNow();
    const ran = await pexec(process.execPath, ['--import', 'tsx', playbook, '-i', inventoryFile(), '-l', a.host.name, '-e', `to_host=${b.host.name}`], { cwd: root });
    expect(ran.stdout).toMatch(new RegExp(`changed: \\[${a.host.name}\\]`));
    expect(await complete()).toContain(fresh);
    const wrong = await pexec(process.execPath, ['--import', 'tsx', playbook, '-i', inventoryFile(), '-l', a.host.name, '-e', 'to_host=nope'], { cwd: root }).then(
      () => ({ code: 0, stdout: '' }),
      (e: { code: number; stdout: string }) => e,
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stdout).toContain('to_host nope: nope is not a host of the inventory; nothing copied');

    // A watcher on the target, started before the copy, stops the receiving tee as soon as it
    // runs, so every kill lands mid-copy (a 24 MB copy can be over in 0.2 s). It waits for the tee
    // itself: the temp file appears before the tee starts, and a pgrep right after it found none.
    const flag = '/tmp/hw-e2e/bakcopy-stopped';
    const watch = () =>
      remote(b, `rm -f ${flag}; nohup sh -c 'i=0; until p=$(pgrep -f "[t]ee .*partial[.]hash"); do sleep 0.01; i=$((i + 1)); [ $i -lt 12000 ] || exit 1; done; kill -STOP $p && echo $p > ${flag}' >/dev/null 2>&1 &`);
    const stopped = () => remote(b, `for i in $(seq 6000); do [ -s ${flag} ] && break; sleep 0.02; done; cat ${flag}`);
    const modes = ['runner', 'cat', 'tee', 'shell'] as const;
    for (const mode of modes) {
      const archive = await backupNow();
      const before = await complete();
      await watch();
      const copying = mode === 'runner'
        ? undefined
        : runAcross(a, backup_copy({ ...COPY_JOB, to_host: b.host.name }), [b]);
      const child = mode === 'runner' ? spawn(process.execPath, ['--import', 'tsx', playbook, '-i', inventoryFile(), '-l', a.host.name, '-e', `to_host=${b.host.name}`], { cwd: root, stdio: 'ignore' }) : undefined;
      const exited = child ? new Promise((resolve) => child.on('close', resolve)) : undefined;
      const tee = await stopped();
      expect(tee, mode).toMatch(/^\d+$/);
      if (mode === 'runner') {
        child!.kill('SIGKILL');
        await exited;
      } else if (mode === 'cat') {
        await remote(a, `kill -9 $(pgrep -f '[c]at -- ${dest}/${job}/${archive}')`);
      } else if (mode === 'tee') {
        await remote(b, `kill -9 ${tee}`);
      } else {
        await remote(b, `kill -9 $(pgrep -o -f 'flock -n [9]')`);
      }
      await remote(b, `kill -CONT ${tee} 2>/dev/null; true`);
      if (copying) {
        const r = await copying;
        expect(r.failed, mode).toBe(true);
        expect(r.msg, mode).toMatch(new RegExp(`^copy of ${dest}/${job}/${archive} to ${b.host.name} failed`));
        // A source killed mid-way only looks like an end of input: the checksum tells.
        if (mode === 'cat') expect(r.msg).toMatch(/received \d+ bytes with sha256 [0-9a-f]{64}, not the source's [0-9a-f]{64} \(the copy was cut short or changed on its way\); nothing copied \(on .*: rc=137\)$/);
      }
      // Whatever is left of the receiving end lets go of the series' lock.
      await remote(b, `flock -w 60 ${copies()}/.lock true`);
      expect(await complete(), mode).toEqual(before);
      expect(await sound(), mode).toBe('checked');
    }
    const next = await runAcross(a, backup_copy({ ...COPY_JOB, to_host: b.host.name }), [b]);
    expect(next.failed, next.msg).toBe(false);
    expect(next.result.copied).toBe(true);
    expect(await sound()).toBe('checked');
    expect(await remote(b, `ls -A ${copies()} | grep -c partial || true`)).toBe('0');
    expect((await complete()).length).toBe(2);
  });
});
