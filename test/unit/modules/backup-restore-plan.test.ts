/**
 * backup's PostgreSQL sources and backup_restore, planned from probe output of the shape recorded
 * on a Debian 12 lab host (postgresql-15 on the host and in a podman container).
 */
import { describe, expect, test } from 'vitest';
import { backup, backup_copy, backup_restore } from '../../../modules/index.js';
import { parseBackupProbe, planBackup, type BackupParams } from '../../../modules/backup/backup.js';
import { parseRestoreProbe, planRestore, swapsOf, type BackupRestoreParams } from '../../../modules/backup/restore.js';
import { planPrune } from '../../../modules/backup/prune.js';
import { parseCopyProbes, planCopy } from '../../../modules/backup/copy.js';

const script = (plan: { actions: unknown[] }) => (plan.actions[0] as { script: string }).script;

const SERIES = `now 20261205T204843Z
zstd yes
suffix 5031faac71
pgdb postgres
pgdb app
pgdb template1
pgdb template0
`;

describe('backup with PostgreSQL sources', () => {
  const p: BackupParams = { job: 'site', paths: ['/srv/app'], postgres: { databases: ['app'] }, dest: '/b' };

  test('dumps each database in custom format and the globals into the staging dir, then archives them with the paths', () => {
    const plan = planBackup(p, parseBackupProbe(SERIES));
    expect(plan.failed).toBeUndefined();
    const s = script(plan);
    expect(s).toContain('n=site-20261205T204843Z-5031faac71.tar.zst\ntmp="$d/.$n.partial"; stage="$d/.$n.stage"');
    expect(s).toContain(`hw_pg pg_dump -U postgres -Fc -d app </dev/null >"$stage"/.hostwright-backup/postgres/app.dump || fail 'pg_dump of database app on the host failed'`);
    expect(s).toContain(`hw_pg pg_dumpall -U postgres --globals-only </dev/null >"$stage"/.hostwright-backup/postgres/globals.sql`);
    expect(s).toContain('runuser -u postgres --');
    expect(s).toContain(`--use-compress-program='zstd -T0'  -C "$stage" .hostwright-backup -C / -- srv/app; echo "tar $?" >&3; }`);
    // Dumps come before tar; the stage goes before the checksum is written.
    expect(s.indexOf('pg_dump')).toBeLessThan(s.indexOf('tar -C'));
    expect(s.indexOf('rm -rf -- "$stage"\n')).toBeLessThan(s.indexOf('> "$tmp.sha256"'));
    expect(plan.actions[0]).toMatchObject({ describe: 'back up /srv/app database app to /b/site/site-20261205T204843Z-5031faac71.tar.zst' });
  });

  test('in a container: podman exec -i, never a TTY; connection options passed to every tool; no globals when asked', () => {
    const s = script(planBackup({ job: 'db', postgres: { databases: ['app'], container: 'pg', user: 'admin', host: '/run/postgresql', port: 5433, globals: false } }, parseBackupProbe(SERIES)));
    expect(s).toContain('hw_pg() { podman exec -i pg "$@"; }');
    expect(s).not.toMatch(/podman exec[^\n]* -t/);
    expect(s).toContain('hw_pg pg_dump -U admin -h /run/postgresql -p 5433 -Fc -d app');
    expect(s).not.toContain('pg_dumpall');
    expect(s).toContain('d=/var/backups/hostwright/db\n');
    expect(s).toContain(' -C "$stage" .hostwright-backup; echo "tar $?" >&3; }');
  });

  test('a database the server lacks, or a server psql cannot reach, fails before anything runs', () => {
    expect(planBackup({ ...p, postgres: { databases: ['app', 'shop'] } }, parseBackupProbe(SERIES)).failed).toBe('PostgreSQL on the host has no database shop');
    const down = SERIES.replace(/pgdb .*\n/g, '') + 'pgerr psql: error: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: No such file or directory\n';
    expect(planBackup(p, parseBackupProbe(down)).failed).toMatch(/^cannot list PostgreSQL's databases on the host: psql: error: connection to server/);
  });

  test('parameters: something to back up, database names that are file names', () => {
    expect(backup({ job: 'a' }).issues).toEqual([{ field: 'paths', message: 'nothing to back up: give paths, postgres or both' }]);
    expect(backup({ job: 'a', postgres: { databases: ['app'] } }).issues).toEqual([]);
    expect(backup({ job: 'a', postgres: { databases: ['../x'] } }).issues.map((i) => i.field)).toEqual(['postgres.databases.0']);
    expect(backup({ job: 'a', postgres: { databases: [] } }).issues.map((i) => i.field)).toEqual(['postgres.databases']);
  });
});

const SUM = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
const ARCHIVE = `suffix 0a1b2c3d4e
archive site-20261205T204843Z-5031faac71.tar.zst
expected ${SUM}
actual ${SUM}
dump app
globals yes
root /srv/app
root /etc/app.conf
entries 9
tar 0
dumpcheck app 0 2 0
existing /srv/app
pgdb postgres
pgdb app
`;

describe('backup_restore plan', () => {
  const p: BackupRestoreParams = { job: 'site', dest: '/b', postgres: { databases: [{ name: 'app' }] } };
  const A = '/b/site/site-20261205T204843Z-5031faac71.tar.zst';

  test('lists what it would replace and create (check mode shows this, non-idempotent)', () => {
    const plan = planRestore(p, parseRestoreProbe(ARCHIVE));
    expect(plan.failed).toBeUndefined();
    expect(plan).toMatchObject({ changed: true, nonIdempotent: true });
    expect(plan.result).toEqual({ archive: A, checksum: SUM, replaced: ['/srv/app'], created: ['/etc/app.conf'], databases: [{ dump: 'app', database: 'app', action: 'replace its objects' }] });
    expect(plan.summary).toBe(`restore ${A}: replace /srv/app; create /etc/app.conf; database app from app.dump (replace its objects)`);
  });

  test('extracts everything into temp dirs first, restores databases in one transaction, then swaps the files in', () => {
    const s = script(planRestore({ ...p, postgres: { databases: [{ name: 'app', target: 'app2' }, { name: 'app', drop: true }] } }, parseRestoreProbe(ARCHIVE)));
    expect(s).toContain(`[ "\${s%% *}" = ${SUM} ]`);
    expect(s).toContain('tar -C /srv/.hw-restore-0a1b2c3d4e -x -p --zstd -f site-20261205T204843Z-5031faac71.tar.zst --strip-components=1 -- srv/app');
    expect(s).toContain('tar -C /etc/.hw-restore-0a1b2c3d4e -x -p --zstd -f site-20261205T204843Z-5031faac71.tar.zst --strip-components=1 -- etc/app.conf');
    expect(s).toContain('hw_pg createdb -U postgres app2 </dev/null');
    expect(s).toContain('hw_pg pg_restore -U postgres -d app2 --single-transaction --exit-on-error < /b/site/.restore-0a1b2c3d4e/app.dump');
    expect(s).toContain('hw_pg dropdb -U postgres --if-exists --force app </dev/null');
    expect(s).toContain('hw_pg pg_restore -U postgres -d app --single-transaction --exit-on-error <');
    const order = ['tar -C /srv', 'tar -C /etc', 'pg_restore', 'exchange() {', 'elif exchange /srv/.hw-restore-0a1b2c3d4e/app /srv/app', 'else mv -- /srv/app /srv/.hw-restore-0a1b2c3d4e/.replaced', 'rm -rf -- /srv/.hw-restore-0a1b2c3d4e\n'].map((x) => s.indexOf(x));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // One renameat2(RENAME_EXCHANGE) through perl's syscall() when the host can; else two renames,
    // and the old tree goes back if the restored one cannot take its place.
    expect(s).toContain("syscall($n + 0, -100, $a, -100, $b, 2)");
    expect(s).toContain('x86_64) nr=316 ;; aarch64|riscv64) nr=276 ;;');
    expect(s).toContain("mv -- /srv/.hw-restore-0a1b2c3d4e/app /srv/app || { mv -- /srv/.hw-restore-0a1b2c3d4e/.replaced /srv/app; fail 'cannot move the restored /srv/app into place; the old one was put back'; }");
    expect(swapsOf('swap exchanged /srv/app\nswap new /etc/app.conf\nswap renamed /srv/a b\n')).toEqual({ '/srv/app': 'exchanged', '/etc/app.conf': 'new', '/srv/a b': 'renamed' });
    // Restoring into an existing database without drop replaces the dump's objects only.
    expect(script(planRestore(p, parseRestoreProbe(ARCHIVE)))).toContain('pg_restore -U postgres -d app --clean --if-exists --single-transaction --exit-on-error');
  });

  test('a damaged archive is refused; paths and dumps the archive lacks fail naming what it holds', () => {
    const flipped = ARCHIVE.replace(`actual ${SUM}`, `actual ${SUM.replace(/^9f/, '00')}`);
    expect(planRestore(p, parseRestoreProbe(flipped)).failed).toBe(`archive ${A} is damaged: its sha256 is ${SUM.replace(/^9f/, '00')}, site-20261205T204843Z-5031faac71.tar.zst.sha256 says ${SUM}; nothing restored`);
    expect(planRestore({ ...p, paths: ['/srv/other'] }, parseRestoreProbe(ARCHIVE)).failed).toBe(`${A} does not hold /srv/other (it holds: /srv/app, /etc/app.conf)`);
    expect(planRestore({ ...p, postgres: { databases: [{ name: 'shop' }] } }, parseRestoreProbe(ARCHIVE)).failed).toBe(`${A} holds no dump of database shop (it holds: app)`);
    expect(planRestore({ job: 'site', dest: '/b', paths: [] }, parseRestoreProbe(ARCHIVE)).failed).toBe(`nothing to restore from ${A}: no paths chosen and no databases`);
    expect(planRestore(p, parseRestoreProbe('suffix 0a1b2c3d4e\n')).failed).toBe('no archive in /b/site; nothing restored');
  });

  test('a dump pg_restore cannot read to the end is refused although the archive matches its sha256 (recorded: a truncated dump, re-archived, sha256 rewritten)', () => {
    const truncated = ARCHIVE.replace('dumpcheck app 0 2 0\n', 'dumpcheck app 0 2 1\ndumperr app pg_restore: error: could not read from input file: end of file\n');
    expect(planRestore(p, parseRestoreProbe(truncated)).failed).toBe(`archive ${A} is damaged: pg_restore cannot read the dump of database app to the end: pg_restore: error: could not read from input file: end of file; nothing restored`);
    const headless = ARCHIVE.replace('dumpcheck app 0 2 0\n', 'dumpcheck app 1 0 1\ndumperr app pg_restore: error: could not read from input file: end of file\n');
    expect(planRestore(p, parseRestoreProbe(headless)).failed).toBe(`archive ${A} is damaged: pg_restore --list cannot read the dump of database app: pg_restore: error: could not read from input file: end of file; nothing restored`);
    // The probe printed nothing for a dump it found: never taken as read.
    expect(planRestore(p, parseRestoreProbe(ARCHIVE.replace('dumpcheck app 0 2 0\n', ''))).failed).toBe(`archive ${A}: the dump of database app was not read (pg_restore printed nothing); nothing restored`);
  });

  test('parameters: one target restored into once; paths absolute', () => {
    expect(backup_restore({ job: 'a', postgres: { databases: [{ name: 'x' }, { name: 'y', target: 'x' }] } }).issues).toEqual([{ field: 'postgres.databases', message: 'database x is restored into twice' }]);
    expect(backup_restore({ job: 'a', paths: ['srv'] }).issues.map((i) => i.field)).toEqual(['paths.0']);
  });
});

describe('encryption with an age key file', () => {
  const p: BackupParams = { job: 'enc', paths: ['/srv/app'], dest: '/b', encryption_key: '/etc/backup.key' };

  test('tar is piped through age into the temp file; tar\'s and age\'s own exit codes are checked (no pipefail in dash)', () => {
    const plan = planBackup(p, parseBackupProbe(`${SERIES}age yes\nkey yes\n`));
    expect(plan.result).toMatchObject({ archive: '/b/enc/enc-20261205T204843Z-5031faac71.tar.zst.age', encrypted: true });
    const s = script(plan);
    expect(s).toContain("if grep -q '^AGE-SECRET-KEY-' /etc/backup.key; then kf=-i; else kf=-R; fi");
    expect(s).toContain('n=enc-20261205T204843Z-5031faac71.tar.zst.age\n');
    expect(s).toContain(`st=$( { { tar -C / --create --file=- --use-compress-program='zstd -T0'  -- srv/app; echo "tar $?" >&3; } | { age -e "$kf" /etc/backup.key; echo "age $?" >&3; } | tee "$tmp.hash" > "$tmp"; } 3>&1 )`);
    expect(s).toContain(`[ "$trc" = 0 ] || fail 'tar failed' "$trc"`);
    expect(s).toContain(`[ "$arc" = 0 ] || fail 'age could not encrypt with /etc/backup.key' "$arc"`);
  });

  test('no age on the host or an unreadable key fails before anything runs', () => {
    expect(planBackup(p, parseBackupProbe(`${SERIES}key yes\n`)).failed).toBe('encryption_key: the host has no age (install the age package)');
    expect(planBackup(p, parseBackupProbe(`${SERIES}age yes\n`)).failed).toBe('encryption_key: /etc/backup.key is not a readable file on the host');
  });

  const ENC = ARCHIVE.replace(/\.tar\.zst/g, '.tar.zst.age');
  test('restore decrypts through age; a wrong key is refused naming the archive; no key is refused', () => {
    const r: BackupRestoreParams = { job: 'site', dest: '/b', encryption_key: '/k/id' };
    const s = script(planRestore(r, parseRestoreProbe(ENC)));
    expect(s).toContain('age -d -i /k/id -- site-20261205T204843Z-5031faac71.tar.zst.age | tar -C /srv/.hw-restore-0a1b2c3d4e -x -p --zstd -f - --strip-components=1 -- srv/app');
    const wrong = ENC.replace(/dump app\n[^]*dumpcheck app 0 2 0\n/, 'entries 0\ntar 2\nageerr age: error: no identity matched any of the recipients\ntarerr /*stdin*\\ : Read error (39) : premature end\n');
    expect(planRestore(r, parseRestoreProbe(wrong)).failed).toBe('cannot decrypt /b/site/site-20261205T204843Z-5031faac71.tar.zst.age: no identity matched any of the recipients (is encryption_key the identity this archive was encrypted for?); nothing restored');
    const unkeyed = ENC.replace(/dump app\n[^]*dumpcheck app 0 2 0\n/, 'notdecrypted yes\n');
    expect(planRestore({ job: 'site', dest: '/b' }, parseRestoreProbe(unkeyed)).failed).toBe('archive /b/site/site-20261205T204843Z-5031faac71.tar.zst.age is encrypted: give encryption_key (the age identity file that decrypts it); nothing restored');
  });
});

describe('off-host copies', () => {
  test('copy_to_controller fetches the checksum, then the archive, into <dir>/<inventory host>/<job>/', () => {
    const plan = planBackup({ job: 'site', paths: ['/srv/app'], dest: '/b', copy_to_controller: '/srv/offsite/' }, parseBackupProbe(SERIES), 'web1');
    const name = 'site-20261205T204843Z-5031faac71.tar.zst';
    expect(plan.actions.slice(1)).toEqual([
      { kind: 'fetch', path: `/b/site/${name}.sha256`, dest: `/srv/offsite/web1/site/${name}.sha256` },
      { kind: 'fetch', path: `/b/site/${name}`, dest: `/srv/offsite/web1/site/${name}` },
    ]);
    expect(plan.result?.copy).toBe(`/srv/offsite/web1/site/${name}`);
  });

  test('backup_copy (recorded on two lab hosts): the newest archive to <to_dest>/<this host>/<job>/ on the target, relayed and checked there; retention there over that series only', () => {
    const SRC = 'archive j-20261205T234036Z-86ea30edc3.tar.gz\nexpected 82d55d05b4586582123d289fd0707621b30e8c807901f15fc5d68f040ac101bc\n';
    const copies = ['j-20261205T234029Z-1b1d169742.tar.gz', 'j-20261205T234029Z-1b1d169742.tar.gz.sha256', 'j-20261205T234031Z-d3ee04b568.tar.gz', 'j-20261205T234031Z-d3ee04b568.tar.gz.sha256', 'jj-20261101T000000Z-0000000000.tar.gz'].map((e) => `entry ${e}`).join('\n');
    const p = { job: 'j', to_host: 'bak202', keep_last: 2 };
    const plan = planCopy(p, parseCopyProbes(SRC, copies), 'bak201');
    const series = '/var/backups/hostwright-copies/bak201/j';
    expect(plan).toMatchObject({ changed: true, result: { copy: `${series}/j-20261205T234036Z-86ea30edc3.tar.gz`, copied: true, pruned: [`${series}/j-20261205T234029Z-1b1d169742.tar.gz`] } });
    expect(plan.summary).toBe(`copy /var/backups/hostwright/j/j-20261205T234036Z-86ea30edc3.tar.gz to bak202:${series}/j-20261205T234036Z-86ea30edc3.tar.gz; prune 1 on bak202: j-20261205T234029Z-1b1d169742.tar.gz`);
    const relay = plan.actions[0] as { kind: string; to: string; source: string; sink: string };
    expect(relay).toMatchObject({ kind: 'relay', to: 'bak202', source: 'exec cat -- /var/backups/hostwright/j/j-20261205T234036Z-86ea30edc3.tar.gz' });
    // The sink takes the series lock, writes a temp name, and renames only with the source's sha256.
    const order = ['flock -n 9', 'tee "$tmp.hash" > "$tmp"', '[ "$sum" = 82d55d05b4586582123d289fd0707621b30e8c807901f15fc5d68f040ac101bc ]', 'mv -f -- "$tmp.sha256"', 'mv -f -- "$tmp" "$d/$n"', `rm -f -- ${series}/j-20261205T234029Z-1b1d169742.tar.gz ${series}/j-20261205T234029Z-1b1d169742.tar.gz.sha256`].map((x) => relay.sink.indexOf(x));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(relay.sink).toContain(`rm -f -- "$d"/.j-*.partial "$d"/.j-*.partial.*`);

    // Already there with the same sha256: ok; only pruning left: the sink runs alone there.
    const there = `${copies}\nentry j-20261205T234036Z-86ea30edc3.tar.gz\npresent 82d55d05b4586582123d289fd0707621b30e8c807901f15fc5d68f040ac101bc\n`;
    expect(planCopy({ ...p, keep_last: 3 }, parseCopyProbes(SRC, there), 'bak201')).toMatchObject({ changed: false, actions: [], result: { copied: false, pruned: [] } });
    const pruneOnly = planCopy(p, parseCopyProbes(SRC, there), 'bak201');
    expect(pruneOnly.actions[0]).not.toHaveProperty('source');
    expect((pruneOnly.actions[0] as { sink: string }).sink).not.toContain('tee');
    // A different file under the same name there is copied over.
    expect(planCopy(p, parseCopyProbes(SRC, there.replace(/present 82/, 'present 00')), 'bak201').result).toMatchObject({ copied: true });
    // Nothing to copy, or no checksum beside it: refused.
    expect(planCopy(p, parseCopyProbes('', ''), 'bak201').failed).toBe('no archive in /var/backups/hostwright/j; nothing copied');
    expect(planCopy(p, parseCopyProbes('archive j-20261205T234036Z-86ea30edc3.tar.gz\n', ''), 'bak201').failed).toBe('/var/backups/hostwright/j/j-20261205T234036Z-86ea30edc3.tar.gz has no j-20261205T234036Z-86ea30edc3.tar.gz.sha256 beside it; nothing copied');
    expect(backup_copy({ job: 'j' } as never).issues.map((i) => i.field)).toEqual(['to_host']);
  });

  test('backup_prune: the policy over this job only, under the lock; nothing to prune is no change', () => {
    const entries = ['site-20261201T020000Z-aaaaaaaaaa.tar.gz', 'site-20261201T020000Z-aaaaaaaaaa.tar.gz.sha256', 'site-20261202T020000Z-bbbbbbbbbb.tar.gz.age', 'site-20261203T020000Z-cccccccccc.tar.zst', 'site2-20261101T020000Z-dddddddddd.tar.gz'];
    const plan = planPrune({ job: 'site', dest: '/o/web1', keep_last: 2 }, { entries });
    expect(plan.result).toEqual({ pruned: ['/o/web1/site/site-20261201T020000Z-aaaaaaaaaa.tar.gz'], kept: ['/o/web1/site/site-20261202T020000Z-bbbbbbbbbb.tar.gz.age', '/o/web1/site/site-20261203T020000Z-cccccccccc.tar.zst'] });
    expect(script(plan)).toContain('flock -n 9');
    expect(script(plan)).toContain('rm -f -- site-20261201T020000Z-aaaaaaaaaa.tar.gz site-20261201T020000Z-aaaaaaaaaa.tar.gz.sha256');
    expect(planPrune({ job: 'site', dest: '/o/web1', keep_last: 3 }, { entries })).toMatchObject({ changed: false, actions: [] });
    expect(planPrune({ job: 'site', dest: '/o/web1' }, { entries })).toMatchObject({ changed: false, summary: 'no retention rule: nothing pruned' });
  });
});
