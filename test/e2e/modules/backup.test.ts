import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { connect } from '../../../runner/connection/index.js';
import { gatherFacts } from '../../../runner/facts.js';
import { runCallOn } from '../../../runner/module-run.js';
import { backup, backup_prune, backup_verify } from '../../../modules/index.js';
import { backupSchedule } from '../../../playbooks/roles/backup-schedule.js';
import { play } from '../../../runner/index.js';
import { playStatuses } from './play-parity.js';
import { isoWeek } from '../../../modules/backup/retention.js';
import { labHosts } from '../../lab/testing.js';
import { remote, run, scratch, session } from './harness.js';

describe('backup and backup_verify on a lab host', () => {
  // Later test files get the host as the lab made it (the 40 MB source and the series go).
  afterAll(async () => {
    const s = await session(labHosts('plain')[0]!);
    await remote(s, 'rm -rf /tmp/hw-e2e/bak-src /tmp/hw-e2e/bak-src2 /tmp/hw-e2e/bak-src3 /tmp/hw-e2e/bak-dest /tmp/hw-e2e/bak-dest2 /tmp/hw-e2e/bak-dest3 /tmp/hw-e2e/bak-x /tmp/hw-e2e/bak-src4 /tmp/hw-e2e/bak-dest4 /tmp/hw-e2e/bak-src5 /tmp/hw-e2e/bak-dest5 /tmp/hw-e2e/bak5.log');
  });

  test('a directory is archived with owners, modes and links; verify passes, then reports a flipped byte; a held lock refuses a second run until its holder is killed', async () => {
    const s = await session(labHosts('plain')[0]!);
    const src = await scratch(s, 'bak-src');
    const dest = await scratch(s, 'bak-dest');
    await remote(s, `cd ${src} && head -c 200000 /dev/urandom > data.bin && echo secret > key && chmod 0600 key && chown nobody:nogroup key && ln -s data.bin link && mkdir skip && echo x > skip/y`);
    const call = backup({ job: 'files', paths: [src], exclude: [`${src.slice(1)}/skip`], dest, compression: 'gzip' });

    const check = await run(s, call, true);
    expect(check).toMatchObject({ changed: true, failed: false });
    expect(check.plan?.nonIdempotent).toBe(true);
    const archive = check.plan?.result?.archive as string;
    expect(archive).toMatch(new RegExp(`^${dest}/files/files-\\d{8}T\\d{6}Z-[0-9a-f]{10}\\.tar\\.gz$`));
    expect(await remote(s, `ls -A ${dest}`)).toBe(''); // check mode wrote nothing

    const first = await run(s, call);
    expect(first.failed, first.msg).toBe(false);
    const made = first.plan?.result?.archive as string;
    const name = made.slice(made.lastIndexOf('/') + 1);
    expect(first.result.checksum).toBe((await remote(s, `sha256sum < ${made}`)).split(' ')[0]);
    expect(await remote(s, `cd ${dest}/files && sha256sum -c ${name}.sha256 && ls -A`)).toBe(`${name}: OK\n.lock\n${name}\n${name}.sha256`);
    // Restored by hand into a temp dir: same bytes, owner, mode and link; the excluded dir is absent.
    expect(await remote(s, `rm -rf /tmp/hw-e2e/bak-x && mkdir /tmp/hw-e2e/bak-x && tar -C /tmp/hw-e2e/bak-x -xpf ${made} && cd /tmp/hw-e2e/bak-x${src} && cmp data.bin ${src}/data.bin && stat -c '%U %a' key && readlink link && ls`)).toBe('nobody 600\ndata.bin\ndata.bin\nkey\nlink');

    const ok = await run(s, backup_verify({ job: 'files', dest }));
    expect(ok, ok.msg).toMatchObject({ changed: false, failed: false });
    expect(ok.plan?.result).toMatchObject({ archive: made, entries: 4 });

    // One byte in the middle of the archive replaced by another value (never by itself).
    await remote(s, `b=$(od -An -tu1 -j100000 -N1 ${made}); printf "\\\\$(printf %o $(( (b + 1) % 256 )))" | dd of=${made} bs=1 seek=100000 conv=notrunc status=none`);
    expect(await remote(s, `cd ${dest}/files && sha256sum -c ${name}.sha256 >/dev/null 2>&1 || echo changed`)).toBe('changed');
    const bad = await run(s, backup_verify({ job: 'files', dest, archive: name }));
    expect(bad.failed).toBe(true);
    expect(bad.msg).toMatch(new RegExp(`^archive ${made.replace(/\./g, '\\.')} is damaged: its sha256 is [0-9a-f]{64}, ${name.replace(/\./g, '\\.')}\\.sha256 says ${first.result.checksum}$`));

    // A run killed while holding the lock: refused while it lives, free once it is killed (-9).
    const holder = await remote(s, `sh -c 'exec 9>>${dest}/files/.lock; flock 9; exec sleep 60' >/dev/null 2>&1 & echo $!`);
    await remote(s, `for i in $(seq 50); do flock -n ${dest}/files/.lock true || exit 0; sleep 0.1; done; exit 1`);
    const refused = await run(s, call);
    expect(refused.failed).toBe(true);
    expect(refused.msg).toContain(`another backup of series files is running (${dest}/files/.lock is held)`);
    await remote(s, `kill -9 ${holder}`);
    const after = await run(s, call);
    expect(after.failed, after.msg).toBe(false);
    expect(await remote(s, `ls ${dest}/files | grep -c '\\.tar\\.gz$'; ls -A ${dest}/files | grep -c partial || true`)).toBe('2\n0');
  });

  test('retention over 14 months of nightly archives keeps exactly the policy\'s set; another job\'s archives are untouched', async () => {
    const s = await session(labHosts('plain')[0]!);
    const src = await scratch(s, 'bak-src2');
    const dest = await scratch(s, 'bak-dest2');
    await remote(s, `echo hello > ${src}/f`);
    // 430 nights before the host's today, each a real (empty) gzip'd tar with its checksum.
    const today = Date.parse((await remote(s, 'date -u +%Y-%m-%dT00:00:00Z')));
    const stamp = (t: number) => new Date(t).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const nights = Array.from({ length: 430 }, (_, i) => today - (430 - i) * 86_400_000 + 2 * 3_600_000);
    const old = nights.map((t) => `nightly-${stamp(t)}-0000000000.tar.gz`);
    const mk = (job: string, names: string[]) =>
      `mkdir -p ${dest}/${job} && cd ${dest}/${job} && tar -czf empty.tgz -T /dev/null && for n in ${names.join(' ')}; do cp empty.tgz $n && sha256sum $n > $n.sha256; done && rm empty.tgz`;
    await remote(s, mk('nightly', old));
    await remote(s, mk('other', old.slice(0, 40).map((n) => n.replace(/^nightly/, 'other'))));
    const otherBefore = await remote(s, `ls -la --time-style=+%s ${dest}/other | sha256sum`);

    const policy = { keep_daily: 7, keep_weekly: 13, keep_monthly: 12 };
    const call = backup({ job: 'nightly', paths: [src], dest, compression: 'gzip', ...policy });
    const check = await run(s, call, true);
    const first = await run(s, call);
    expect(first.failed, first.msg).toBe(false);
    const made = (first.plan?.result?.archive as string).split('/').pop()!;

    // The policy's definition, computed independently of the planner: per rule, the newest archive
    // of each period, for the n newest periods that have one.
    const all = [...nights, Date.parse(made.replace(/^nightly-(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z.*$/, '$1-$2-$3T$4:$5:$6Z'))];
    const keepBy = (period: (t: number) => string, n: number) => {
      const newest = new Map<string, number>();
      for (const t of all) if ((newest.get(period(t)) ?? -1) < t) newest.set(period(t), t);
      return [...newest.values()].sort((a, b) => b - a).slice(0, n);
    };
    const kept = new Set([
      ...keepBy((t) => new Date(t).toISOString().slice(0, 10), policy.keep_daily),
      ...keepBy((t) => { const w = isoWeek(new Date(t)); return `${w.year}-${w.week}`; }, policy.keep_weekly),
      ...keepBy((t) => new Date(t).toISOString().slice(0, 7), policy.keep_monthly),
    ]);
    const expectedArchives = old.filter((_, i) => kept.has(nights[i]!)).concat(made).sort();
    expect(expectedArchives.length).toBeGreaterThanOrEqual(26);

    const left = (await remote(s, `ls ${dest}/nightly`)).split('\n');
    expect(left.filter((n) => n.endsWith('.tar.gz'))).toEqual(expectedArchives);
    expect(left.filter((n) => n.endsWith('.sha256'))).toEqual(expectedArchives.map((n) => `${n}.sha256`));
    expect((first.plan?.result?.pruned as string[]).length).toBe(430 + 1 - expectedArchives.length);
    // Check mode named the same prunes (the new archive's suffix differs per run).
    expect(check.plan?.result?.pruned).toEqual(first.plan?.result?.pruned);
    expect(await remote(s, `ls -la --time-style=+%s ${dest}/other | sha256sum`)).toBe(otherBefore);
    expect(await remote(s, `ls ${dest}/other | wc -l`)).toBe('80');
  });
  test('a run killed with -9 mid-archive (its shell and tar) leaves nothing that looks complete, and the next run succeeds (3 trials)', async () => {
    const s = await session(labHosts('plain')[0]!);
    const src = await scratch(s, 'bak-src3');
    const dest = await scratch(s, 'bak-dest3');
    await remote(s, `head -c 40000000 /dev/urandom > ${src}/big`);
    const call = backup({ job: 'kill', paths: [src], dest, compression: 'gzip' });
    for (let trial = 0; trial < 3; trial++) {
      const running = run(s, call);
      // Once tar writes the temp file: kill -9 the script's shell, then tar (by their pids).
      const killed = await remote(s, [
        `for i in $(seq 200); do ls ${dest}/kill/.kill-*.partial >/dev/null 2>&1 && break; sleep 0.05; done`,
        `t=$(pgrep -n -x tar) || exit 1`, // the newest tar: this run's
        // The script's own shell: the oldest process running it (tar's parent is a subshell of the pipeline).
        `p=$(pgrep -o -f 'flock -n [9]') || exit 1`,
        `kill -9 $p $t && echo killed`,
      ].join('; '));
      expect(killed).toBe('killed');
      const r = await running;
      expect(r.failed).toBe(true);
      expect(await remote(s, `ls ${dest}/kill | grep -c '\\.tar\\.gz$' || true`), `trial ${trial}`).toBe('0');
    }
    // The last killed run's temp file is still there, under a name no reader takes for an archive.
    expect(await remote(s, `ls -A ${dest}/kill | grep -c '^\\.kill-.*\\.tar\\.gz\\.partial$'`)).toBe('1');
    const after = await run(s, call);
    expect(after.failed, after.msg).toBe(false);
    // The next run removed the killed runs' temp files under the lock; its archive is sound.
    expect(await remote(s, `ls -A ${dest}/kill | grep -c partial || true; ls ${dest}/kill | grep -c '\\.tar\\.gz$'`)).toBe('0\n1');
    expect((await run(s, backup_verify({ job: 'kill', dest }))).failed).toBe(false);
  });

  test('copy_to_controller: each new archive is copied over the run\'s connection, checksum first, byte for byte; backup_prune applies the retention to the controller\'s copy', async () => {
    const s = await session(labHosts('plain')[0]!);
    const src = await scratch(s, 'bak-src4');
    const dest = await scratch(s, 'bak-dest4');
    const offsite = mkdtempSync('/tmp/hw-bak-offsite-');
    try {
      await remote(s, `head -c 50000 /dev/urandom > ${src}/f`);
      const made: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await run(s, backup({ job: 'off', paths: [src], dest, copy_to_controller: offsite }));
        expect(r.failed, r.msg).toBe(false);
        const copy = r.plan?.result?.copy as string;
        expect(copy).toBe(`${offsite}/${s.host.name}/off/${(r.plan?.result?.archive as string).split('/').pop()}`);
        made.push(copy);
        // The controller's copy has the host's bytes, and its .sha256 checks it.
        expect(execFileSync('sha256sum', [copy], { encoding: 'utf8' }).split(' ')[0]).toBe(r.result.checksum);
        expect(execFileSync('sha256sum', ['-c', `${copy.split('/').pop()}.sha256`], { cwd: `${offsite}/${s.host.name}/off`, encoding: 'utf8' })).toMatch(/: OK\n$/);
      }
      const series = `${offsite}/${s.host.name}/off`;
      expect(readdirSync(series).filter((n) => !n.startsWith('.')).sort()).toEqual(made.flatMap((m) => [m.split('/').pop()!, `${m.split('/').pop()}.sha256`]).sort());

      // The controller as a host of its own (what delegate_to: 'localhost' runs on).
      const local = await connect({ connection: 'local', name: 'localhost' } as Parameters<typeof connect>[0]);
      try {
        const facts = await gatherFacts(local);
        const prune = backup_prune({ job: 'off', dest: `${offsite}/${s.host.name}`, keep_last: 2 });
        const pruned = await runCallOn(local, prune, { facts, check: false });
        expect(pruned.result.failed, pruned.result.msg).toBe(false);
        // The oldest: names sort by their UTC stamp, then (runs in the same second) by suffix, as retention orders them.
        expect(pruned.plan?.result?.pruned).toEqual([[...made].sort()[0]]);
        expect(readdirSync(series).filter((n) => n.endsWith('.sha256')).length).toBe(2);
        const again = await runCallOn(local, prune, { facts, check: false });
        expect(again.result.changed).toBe(false);
      } finally {
        await local.close();
      }
      // The host's own series is untouched by the controller's retention.
      expect(await remote(s, `ls ${dest}/off | grep -c '\\.tar\\.[a-z]*$'`)).toBe('3');
    } finally {
      rmSync(offsite, { recursive: true, force: true });
    }
  });

  test('backupSchedule installs a script and a cron.d entry (check predicts, then converged); the script backs up, prunes, logs one line per run and exits with the run\'s status', async () => {
    const s = await session(labHosts('plain')[0]!);
    const src = await scratch(s, 'bak-src5');
    const dest = await scratch(s, 'bak-dest5');
    await remote(s, `echo one > ${src}/f; rm -f /tmp/hw-e2e/bak5.log`);
    const schedule = (state?: 'absent') => [play({ hosts: 'all', gather_facts: false, tasks: backupSchedule({ backup: { job: 'cronjob', paths: [src], dest, keep_last: 2 }, hour: '2', minute: '30', log: '/tmp/hw-e2e/bak5.log', ...(state ? { state } : {}) }) })];
    expect(await playStatuses(s.host.name, schedule(), true)).toEqual(['changed', 'changed']);
    expect(await playStatuses(s.host.name, schedule(), false)).toEqual(['changed', 'changed']);
    expect(await playStatuses(s.host.name, schedule(), false)).toEqual(['ok', 'ok']);
    expect(await remote(s, 'cat /etc/cron.d/hostwright-backup')).toBe('#Ansible: hostwright backup cronjob\n30 2 * * * root /usr/local/sbin/hostwright-backup-cronjob');
    expect(await remote(s, 'stat -c %a /usr/local/sbin/hostwright-backup-cronjob')).toBe('700');

    // What cron runs: three good runs (retention keeps two), then one whose source is gone. A
    // second apart: archives of the same second are ordered by their random suffix.
    for (let i = 0; i < 3; i++) expect(await remote(s, 'sleep 1; /usr/local/sbin/hostwright-backup-cronjob >/dev/null 2>&1; echo $?')).toBe('0');
    const archives = (await remote(s, `ls ${dest}/cronjob`)).split('\n').filter((n) => /\.tar\.(gz|zst)$/.test(n));
    expect(archives.length).toBe(2);
    expect(await remote(s, `cd ${dest}/cronjob && sha256sum -c --quiet *.sha256 && echo sound`)).toBe('sound');
    await remote(s, `mv ${src} ${src}.away`);
    expect(await remote(s, '/usr/local/sbin/hostwright-backup-cronjob >/dev/null 2>&1; echo $?')).toBe('1');
    await remote(s, `mv ${src}.away ${src}`);
    const log = (await remote(s, 'cat /tmp/hw-e2e/bak5.log')).split('\n');
    expect(log.length).toBe(4);
    log.slice(0, 3).forEach((line, i) => expect(line).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ job=cronjob status=ok archive=${dest}/cronjob/cronjob-\\S+ sha256=[0-9a-f]{64} pruned=${i < 2 ? 0 : 1} seconds=\\d+$`)));
    expect(log[2]).toContain(archives.sort()[1]);
    expect(log[3]).toMatch(/ job=cronjob status=failed exit=1 error="tar failed \(exit 2\); no archive was written" seconds=\d+$/);
    expect((await remote(s, `ls ${dest}/cronjob`)).split('\n').filter((n) => /\.tar\.(gz|zst)$/.test(n))).toEqual(archives);
    // backup_verify reads what the scheduled run wrote.
    expect((await run(s, backup_verify({ job: 'cronjob', dest }))).failed).toBe(false);

    expect(await playStatuses(s.host.name, schedule('absent'), false)).toEqual(['changed', 'changed']);
    expect(await remote(s, 'test -e /etc/cron.d/hostwright-backup || test -e /usr/local/sbin/hostwright-backup-cronjob || echo removed')).toBe('removed');
  });
});
