import { execFileSync } from 'node:child_process';
/** backup and backup_verify planned from probe output recorded on a Debian 12 host (dash, GNU tar). */
import { describe, expect, test } from 'vitest';
import { backup, backup_verify } from '../../../modules/index.js';
import { parseBackupProbe, planBackup, type BackupParams } from '../../../modules/backup/backup.js';
import { parseVerifyProbe, planVerify, TOC_ENTRIES, verifyProbe } from '../../../modules/backup/verify.js';

const SERIES = `now 20261205T192014Z
zstd yes
suffix abcdef0123
entry nightly-20261203T020000Z-a1b2c3d4e5.tar.gz
entry nightly-20261203T020000Z-a1b2c3d4e5.tar.gz.sha256
entry nightly-20261204T020000Z-0f0f0f0f0f.tar.gz
entry nightly-20261204T020000Z-0f0f0f0f0f.tar.gz.sha256
entry nightly-old-20261101T020000Z-1111111111.tar.gz
entry notes.txt
`;
const p: BackupParams = { job: 'nightly', paths: ['/srv/data'], dest: '/tmp/bakrec' };

describe('backup plan', () => {
  test('names the new archive from the host clock and suffix, with zstd when the host has it; non-idempotent', () => {
    const plan = planBackup(p, parseBackupProbe(SERIES));
    expect(plan.failed).toBeUndefined();
    expect(plan).toMatchObject({ changed: true, nonIdempotent: true });
    expect(plan.result).toEqual({ archive: '/tmp/bakrec/nightly/nightly-20261205T192014Z-abcdef0123.tar.zst', pruned: [], compression: 'zstd' });
    const script = (plan.actions[0] as { script: string }).script;
    expect(script).toContain('flock -n 9');
    // The archive is written under a temp name: "$tmp" is the name with a dot before and .partial after.
    expect(script).toContain('d=/tmp/bakrec/nightly\nn=nightly-20261205T192014Z-abcdef0123.tar.zst\ntmp="$d/.$n.partial"');
    // Hashed on the way in (tee into a fifo read by sha256sum): the archive is read once.
    expect(script).toContain(`{ tar -C / --create --file=- --use-compress-program='zstd -T0'  -- srv/data; echo "tar $?" >&3; } | tee "$tmp.hash" > "$tmp"`);
    // The archive gets its final name only after its checksum file is in place.
    expect(script).toContain('mv -f -- "$tmp.sha256" "$d/$n.sha256" && mv -f -- "$tmp" "$d/$n"');
  });

  test('prunes only this series: another job whose name starts the same, checksums and stray files are never candidates', () => {
    const plan = planBackup({ ...p, keep_last: 2, compression: 'gzip' }, parseBackupProbe(SERIES));
    expect(plan.result).toEqual({
      archive: '/tmp/bakrec/nightly/nightly-20261205T192014Z-abcdef0123.tar.gz',
      pruned: ['/tmp/bakrec/nightly/nightly-20261203T020000Z-a1b2c3d4e5.tar.gz'],
      compression: 'gzip',
    });
    const script = (plan.actions[0] as { script: string }).script;
    expect(script).toContain('rm -f -- /tmp/bakrec/nightly/nightly-20261203T020000Z-a1b2c3d4e5.tar.gz /tmp/bakrec/nightly/nightly-20261203T020000Z-a1b2c3d4e5.tar.gz.sha256');
    expect(script).not.toContain('nightly-old');
    expect(plan.summary).toBe('archive /tmp/bakrec/nightly/nightly-20261205T192014Z-abcdef0123.tar.gz; prune 1: nightly-20261203T020000Z-a1b2c3d4e5.tar.gz');
  });

  test('a missing source, zstd asked for without zstd, or an unreadable clock fail before anything runs', () => {
    expect(planBackup(p, parseBackupProbe(`${SERIES}missing /srv/data\n`)).failed).toBe('nothing to back up: /srv/data does not exist');
    expect(planBackup({ ...p, compression: 'zstd' }, parseBackupProbe(SERIES.replace('zstd yes\n', ''))).failed).toMatch(/has no zstd/);
    expect(planBackup(p, parseBackupProbe(SERIES.replace('now 20261205T192014Z', 'now 20261399T000000Z'))).failed).toMatch(/cannot read the host's UTC time/);
    expect(planBackup(p, parseBackupProbe(SERIES.replace('suffix abcdef0123', 'suffix '))).failed).toMatch(/cannot draw a random name/);
  });

  test('bad parameters are refused when the playbook loads, naming the field', () => {
    expect(backup({ job: '../etc', paths: ['/srv'] }).issues.map((i) => i.field)).toEqual(['job']);
    expect(backup({ job: 'a', paths: ['srv'] }).issues.map((i) => i.field)).toEqual(['paths.0']);
    expect(backup({ job: 'a', paths: ['/'] }).issues).toEqual([{ field: 'paths', message: 'must name something below / (not / itself)' }]);
    expect(backup({ job: 'a', paths: ['/srv'], keep_daily: -1 }).issues.map((i) => i.field)).toEqual(['keep_daily']);
    expect(backup_verify({ job: 'a', archive: '../x' }).issues.map((i) => i.field)).toEqual(['archive']);
  });
});

describe('backup_verify plan', () => {
  const SUM = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  test('a sound archive: never changed, result names it with its checksum and entry count', () => {
    const st = parseVerifyProbe(`archive nightly-20261204T020000Z-0f0f0f0f0f.tar.gz\nexpected ${SUM}\nactual ${SUM}\ntar 0\nentries       3\n`);
    expect(planVerify({ job: 'nightly', dest: '/b' }, st)).toMatchObject({
      changed: false,
      result: { archive: '/b/nightly/nightly-20261204T020000Z-0f0f0f0f0f.tar.gz', checksum: SUM, entries: 3 },
    });
  });

  test('a changed byte fails naming both checksums; an unreadable archive fails with tar\'s words', () => {
    const other = SUM.replace(/^e3/, '00');
    const flipped = planVerify({ job: 'nightly' }, parseVerifyProbe(`archive n.tar.gz\nexpected ${SUM}\nactual ${other}\ntar 2\ntarerr gzip: stdin: invalid compressed data--crc error\n`));
    expect(flipped.failed).toBe(`archive /var/backups/hostwright/nightly/n.tar.gz is damaged: its sha256 is ${other}, n.tar.gz.sha256 says ${SUM}`);
    // Recorded: an empty file named like an archive, without a checksum beside it.
    const rec = `archive nightly-20261204T020000Z-0f0f0f0f0f.tar.gz\nexpected \nactual ${SUM}\ntar 2\ntarerr gzip: stdin: unexpected end of file\ntarerr tar: Child returned status 1\ntarerr tar: Error is not recoverable: exiting now\n`;
    expect(planVerify({ job: 'nightly' }, parseVerifyProbe(rec)).failed).toMatch(/is damaged: it has no nightly-20261204T020000Z-0f0f0f0f0f\.tar\.gz\.sha256 beside it$/);
    const truncated = planVerify({ job: 'nightly' }, parseVerifyProbe(`archive n.tar.gz\nexpected ${SUM}\nactual ${SUM}\ntar 2\ntarerr gzip: stdin: unexpected end of file\n`));
    expect(truncated.failed).toBe('archive /var/backups/hostwright/nightly/n.tar.gz is damaged: tar cannot list it to the end (exit 2): gzip: stdin: unexpected end of file');
  });

  test('dumps read to the end by pg_restore (recorded on a lab host with postgresql-15); a host without pg_restore checks the archive only and says so', () => {
    const rec = `archive j-20261205T233033Z-d11b45f162.tar.zst\nexpected ${SUM}\nactual ${SUM}\ndump app\nglobals yes\nroot /tmp/src\nentries 6\ntar 0\ndumpcheck app 0 2 0\n`;
    const sound = planVerify({ job: 'j', dest: '/tmp/d' }, parseVerifyProbe(rec));
    expect(sound).toMatchObject({ changed: false, summary: '/tmp/d/j/j-20261205T233033Z-d11b45f162.tar.zst: sha256 ok, 6 entries listed; 1 dump read to the end by pg_restore', result: { databases: ['app'], dumps_read: true } });
    expect(sound.failed).toBeUndefined();
    const flipped = rec.replace('dumpcheck app 0 2 0\n', 'dumpcheck app 0 2 1\ndumperr app pg_restore: error: could not read from input file: end of file\n');
    expect(planVerify({ job: 'j', dest: '/tmp/d' }, parseVerifyProbe(flipped)).failed).toBe('archive /tmp/d/j/j-20261205T233033Z-d11b45f162.tar.zst is damaged: pg_restore cannot read the dump of database app to the end: pg_restore: error: could not read from input file: end of file');
    const none = planVerify({ job: 'j', dest: '/tmp/d' }, parseVerifyProbe(rec.replace('dumpcheck app 0 2 0\n', 'nopgrestore yes\n')));
    expect(none.failed).toBeUndefined();
    expect(none.summary).toBe('/tmp/d/j/j-20261205T233033Z-d11b45f162.tar.zst: sha256 ok, 6 entries listed; dumps not read (no pg_restore on the host: give postgres.container)');
    expect(none.result).toMatchObject({ dumps_read: false });
  });

  test('the probe reads each dump alone out of the archive, where backup runs pg_dump', () => {
    const host = verifyProbe({ job: 'j' });
    expect(host).toContain('dumpof() { tar -x $z -O --occurrence=1 -f "$a" -- ".hostwright-backup/postgres/$db.dump"; }');
    expect(host).toContain(`if command -v pg_restore >/dev/null 2>&1; then pgr() { pg_restore "$@"; }; else echo 'nopgrestore yes'; exit 0; fi`);
    expect(host).toContain('e=$( { dumpof | pgr -f /dev/null; } 2>&1 ); r=$?');
    expect(verifyProbe({ job: 'j', postgres: { container: 'pg' } })).toContain('pgr() { podman exec -i pg pg_restore "$@"; }');
  });

  test('an empty series or a name of another job fails clearly', () => {
    expect(planVerify({ job: 'nightly' }, parseVerifyProbe('')).failed).toBe('no archive in /var/backups/hostwright/nightly');
    expect(planVerify({ job: 'nightly', archive: 'other-20261204T020000Z-0f.tar.gz' }, parseVerifyProbe('')).failed).toBe('other-20261204T020000Z-0f.tar.gz is not an archive name of job nightly');
  });
});

describe("backup_verify's entry count (TOC_ENTRIES, run in sh)", () => {
  // pg_restore --list of a dump of an empty database (PostgreSQL 15.18, recorded from a lab host):
  // no object line, the header counts 4 entries.
  const EMPTY = [
    ';',
    '; Archive created at 2026-12-06 03:43:48 UTC',
    ';     dbname: hwemptydb',
    ';     TOC Entries: 4',
    ';     Compression: -1',
    ';     Dump Version: 1.14-0',
    ';     Format: CUSTOM',
    ';',
    ';',
    '; Selected TOC Entries:',
    ';',
  ].join('\n');
  const SUM = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  const count = (o: string) => execFileSync('sh', ['-c', `o=$(cat); ${TOC_ENTRIES}`], { input: o, encoding: 'utf8' }).trim();

  test('an empty database: the header says 4 entries, so its dump is not taken for a damaged one', () => {
    expect(count(EMPTY)).toBe('4');
    const rec = `archive j-20261205T233033Z-d11b45f162.tar.zst\nexpected ${SUM}\nactual ${SUM}\ndump app\nglobals yes\nroot /tmp/src\nentries 6\ntar 0\ndumpcheck app 0 ${count(EMPTY)} 0\n`;
    expect(planVerify({ job: 'j', dest: '/tmp/d' }, parseVerifyProbe(rec)).failed).toBeUndefined();
  });

  test('a listing with objects counts its header, and output with no header counts nothing', () => {
    expect(count(EMPTY.replace('TOC Entries: 4', 'TOC Entries: 12') + '\n215; 1259 16389 TABLE public shifts postgres\n')).toBe('12');
    expect(count('pg_restore: error: input file does not appear to be a valid archive\n::rc 1')).toBe('');
  });
});
