/**
 * backup with PostgreSQL sources and backup_restore, on a lab host with Debian's postgresql-15
 * (installed with apt here) and with the same PostgreSQL in a podman container (its image made
 * from the host's own files: podman-lab.ts). A directory and a database are backed up, damaged
 * (files deleted, a table dropped), restored; the files' checksums and a query equal what they were.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { backup, backup_restore, backup_verify, podman_container, podman_import } from '../../../modules/index.js';
import type { LabHost } from '../../lab/state.js';
import { labHosts, resetHost, sshOk } from '../../lab/testing.js';
import { KILL_BACKUP } from '../playbooks/backup/kill-params.js';
import { installPodman, inventoryFile, postgresTarball } from './podman-lab.js';
import { remote, run, scratch, session, type HostSession } from './harness.js';

let host: LabHost;
let s: HostSession;

/** A query's rows on the host's cluster (as postgres, through its socket). */
const psql = (db: string, sql: string) => remote(s, `cd / && runuser -u postgres -- psql -X -At -d ${db} -c "${sql}"`);
const inContainer = (db: string, sql: string) => remote(s, `podman exec hw-bak-pg psql -h /run/postgresql -U postgres -X -At -d ${db} -c "${sql}"`);
/** sha256 of every file below dir, with owner and mode, in name order: the tree as a checksum list. */
const treeSums = (dir: string) => remote(s, `cd ${dir} && find . -type f -o -type l | sort | while read -r f; do printf '%s %s ' "$f" "$(stat -c '%U:%G %a' "$f")"; if [ -L "$f" ]; then readlink "$f"; else sha256sum < "$f"; fi; done`);

const SEED = `CREATE TABLE orders (id int PRIMARY KEY, item text, qty int);
INSERT INTO orders SELECT g, 'item-' || g, g % 7 FROM generate_series(1, 500) g;
CREATE TABLE notes (t text); INSERT INTO notes VALUES ('kept');
CREATE ROLE app_reader LOGIN;`;
const QUERY = 'SELECT count(*), sum(qty), max(item) FROM orders';

beforeAll(async () => {
  const hosts = labHosts('plain');
  expect(hosts.length, 'the e2e lab needs two plain hosts').toBeGreaterThanOrEqual(2);
  host = hosts[1]!;
  // One apt run for everything: PostgreSQL on the host (its cluster starts on install) and podman
  // for the container case, whose image is built from the same package's files.
  await installPodman(host, ['postgresql-15', 'zstd', 'age']);
  await sshOk(host, `set -e; service postgresql start >/dev/null 2>&1 || true
cd / && runuser -u postgres -- psql -X -q -c 'CREATE DATABASE app' && runuser -u postgres -- psql -X -q -d app <<'EOF'
${SEED}
EOF
${postgresTarball('/tmp/hw-postgres.tar')}`, { timeoutMs: 300_000 });
  s = await session(host);
}, 600_000);

afterAll(async () => {
  if (host) await resetHost(host.name);
});

describe('backup of PostgreSQL and files, then backup_restore', () => {
  test('a directory and a host database are backed up, damaged, and restored to the same checksums and query result; check mode lists and changes nothing', async () => {
    const src = await scratch(s, 'bakpg-src');
    const dest = await scratch(s, 'bakpg-dest');
    await remote(s, `cd ${src} && head -c 300000 /dev/urandom > data.bin && echo conf > app.conf && chown nobody:nogroup app.conf && chmod 640 app.conf && ln -s data.bin current && mkdir sub && echo deep > sub/f`);
    const sumsBefore = await treeSums(src);
    const rowsBefore = await psql('app', QUERY);
    expect(rowsBefore).toBe('500|1497|item-99');

    const made = await run(s, backup({ job: 'site', paths: [src], postgres: { databases: ['app'] }, dest }));
    expect(made.failed, made.msg).toBe(false);
    const archive = made.plan?.result?.archive as string;
    const name = archive.slice(archive.lastIndexOf('/') + 1);
    // The custom-format dump is an archive member pg_restore reads; the globals hold the role.
    expect(await remote(s, `tar -xOf ${archive} .hostwright-backup/postgres/app.dump | pg_restore --list | grep -c 'TABLE DATA public orders'`)).toBe('1');
    expect(await remote(s, `tar -xOf ${archive} .hostwright-backup/postgres/globals.sql | grep -c 'CREATE ROLE app_reader'`)).toBe('1');
    const verified = await run(s, backup_verify({ job: 'site', dest }));
    expect(verified.failed, verified.msg).toBe(false);
    expect(verified.plan?.result).toMatchObject({ archive, paths: [src], databases: ['app'] });

    // Damage: files deleted and changed, a table dropped, a row changed.
    await remote(s, `rm -rf ${src}/sub ${src}/current && echo changed > ${src}/app.conf && echo new > ${src}/extra`);
    await psql('app', 'DROP TABLE orders; UPDATE notes SET t = \'lost\'');

    const call = backup_restore({ job: 'site', dest, postgres: { databases: [{ name: 'app' }] } });
    const check = await run(s, call, true);
    expect(check.failed, check.msg).toBe(false);
    expect(check.plan?.nonIdempotent).toBe(true);
    expect(check.plan?.result).toMatchObject({ archive, replaced: [src], created: [], databases: [{ dump: 'app', database: 'app', action: 'replace its objects' }] });
    expect(check.plan?.summary).toBe(`restore ${archive}: replace ${src}; database app from app.dump (replace its objects)`);
    expect(await remote(s, `cat ${src}/extra`)).toBe('new'); // check mode changed nothing

    const restored = await run(s, call);
    expect(restored.failed, restored.msg).toBe(false);
    // The restored tree and the old one exchanged places in one renameat2 (perl-base's syscall()).
    expect(restored.result.swapped).toEqual({ [src]: 'exchanged' });
    expect(await treeSums(src)).toBe(sumsBefore);
    expect(await remote(s, `test -e ${src}/extra || echo gone; ls -A /tmp/hw-e2e | grep -c hw-restore || true`)).toBe('gone\n0');
    expect(await psql('app', QUERY)).toBe(rowsBefore);
    expect(await psql('app', 'SELECT t FROM notes')).toBe('kept');

    // The same dump into another database, dropped first when it exists; files left alone.
    const copy = backup_restore({ job: 'site', dest, archive: name, paths: [], postgres: { databases: [{ name: 'app', target: 'app_copy', drop: true }] } });
    expect((await run(s, copy)).failed).toBe(false);
    await psql('app_copy', 'INSERT INTO notes VALUES (\'extra row\')');
    const again = await run(s, copy);
    expect(again.failed, again.msg).toBe(false);
    expect(again.plan?.result?.databases).toEqual([{ dump: 'app', database: 'app_copy', action: 'drop and create' }]);
    expect(await psql('app_copy', `${QUERY}; SELECT count(*) FROM notes`)).toBe(`${rowsBefore}\n1`);
  });

  test('an empty database (its dump lists no object) verifies and restores like any other', async () => {
    const dest = await scratch(s, 'bakpg-empty');
    await psql('postgres', 'CREATE DATABASE hw_empty');
    const made = await run(s, backup({ job: 'empty', postgres: { databases: ['hw_empty'], globals: false }, dest }));
    expect(made.failed, made.msg).toBe(false);
    const verified = await run(s, backup_verify({ job: 'empty', dest }));
    expect(verified.failed, verified.msg).toBe(false);
    expect(verified.plan?.result).toMatchObject({ databases: ['hw_empty'], dumps_read: true });
    const restored = await run(s, backup_restore({ job: 'empty', dest, postgres: { databases: [{ name: 'hw_empty', drop: true }] } }));
    expect(restored.failed, restored.msg).toBe(false);
    expect(await psql('hw_empty', 'SELECT count(*) FROM pg_tables WHERE schemaname = \'public\'')).toBe('0');
  });

  test('a flipped byte: verify reports it and restore refuses the archive, touching nothing', async () => {
    const src = await scratch(s, 'bakpg-src2');
    const dest = await scratch(s, 'bakpg-dest2');
    await remote(s, `head -c 200000 /dev/urandom > ${src}/f`);
    const made = await run(s, backup({ job: 'flip', paths: [src], postgres: { databases: ['app'], globals: false }, dest, compression: 'zstd' }));
    expect(made.failed, made.msg).toBe(false);
    const archive = made.plan?.result?.archive as string;
    await remote(s, `b=$(od -An -tu1 -j100000 -N1 ${archive}); printf "\\\\$(printf %o $(( (b + 1) % 256 )))" | dd of=${archive} bs=1 seek=100000 conv=notrunc status=none`);
    await remote(s, `echo after > ${src}/f`);
    await psql('app', 'CREATE TABLE after_backup (x int)');

    const verify = await run(s, backup_verify({ job: 'flip', dest }));
    expect(verify.failed).toBe(true);
    expect(verify.msg).toMatch(/is damaged: its sha256 is [0-9a-f]{64}, .*\.sha256 says /);
    const refused = await run(s, backup_restore({ job: 'flip', dest, postgres: { databases: [{ name: 'app', drop: true }] } }));
    expect(refused.failed).toBe(true);
    expect(refused.msg).toMatch(new RegExp(`^archive ${archive.replace(/\./g, '\\.')} is damaged: its sha256 is .*; nothing restored$`));
    expect(await remote(s, `cat ${src}/f`)).toBe('after');
    expect(await psql('app', "SELECT count(*) FROM pg_tables WHERE tablename = 'after_backup'")).toBe('1');
    await psql('app', 'DROP TABLE after_backup');
  });

  test('a dump truncated or damaged inside an archive whose sha256 was rewritten to match: verify fails with pg_restore\'s reason, restore refuses it; without perl the swap falls back to two renames', async () => {
    const src = await scratch(s, 'bakpg-src5');
    const dest = await scratch(s, 'bakpg-dest5');
    await remote(s, `echo kept > ${src}/f`);
    const made = await run(s, backup({ job: 'dump', paths: [src], postgres: { databases: ['app'] }, dest }));
    expect(made.failed, made.msg).toBe(false);
    const good = await run(s, backup_verify({ job: 'dump', dest }));
    expect(good.plan?.summary).toMatch(/: sha256 ok, \d+ entries listed; 1 dump read to the end by pg_restore$/);
    expect(good.plan?.result).toMatchObject({ databases: ['app'], dumps_read: true });

    // The archive unpacked, its dump damaged, packed again as the newest of the series, and a
    // .sha256 written for it: only reading the dump can tell.
    const damaged = async (damage: string, n: number): Promise<string> => {
      const name = `dump-20991231T00000${n}Z-000000000${n}.tar.zst`;
      await remote(s, `set -e; cd ${dest}/dump; rm -rf x; mkdir x; tar -C x -xf ${made.plan?.result?.archive as string}; cd x; ${damage}; tar --zstd -cf ../${name} .hostwright-backup ${src.slice(1)}; cd ..; rm -rf x; sha256sum ${name} > ${name}.sha256`);
      return name;
    };
    await psql('app', 'CREATE TABLE after_backup (x int)');
    const truncated = await damaged('truncate -s -100 .hostwright-backup/postgres/app.dump', 1);
    const verify = await run(s, backup_verify({ job: 'dump', dest }));
    expect(verify.failed).toBe(true);
    expect(verify.msg).toBe(`archive ${dest}/dump/${truncated} is damaged: pg_restore cannot read the dump of database app to the end: pg_restore: error: could not read from input file: end of file`);
    const refused = await run(s, backup_restore({ job: 'dump', dest, postgres: { databases: [{ name: 'app', drop: true }] } }));
    expect(refused.msg).toBe(`${verify.msg}; nothing restored`);
    expect(await psql('app', "SELECT count(*) FROM pg_tables WHERE tablename = 'after_backup'")).toBe('1');
    await psql('app', 'DROP TABLE after_backup');
    await remote(s, `rm ${dest}/dump/${truncated}*`);
    // A header cut short: pg_restore --list itself fails.
    const headless = await damaged('truncate -s 40 .hostwright-backup/postgres/app.dump', 2);
    expect((await run(s, backup_verify({ job: 'dump', dest }))).msg).toBe(`archive ${dest}/dump/${headless} is damaged: pg_restore --list cannot read the dump of database app: pg_restore: error: could not read from input file: end of file`);
    await remote(s, `rm ${dest}/dump/${headless}*`);

    // No perl on the host: the restored tree goes into place with two renames. (A files-only
    // archive: Debian's pg_restore is pg_wrapper, a perl script, so no dump is read without perl.)
    expect((await run(s, backup({ job: 'noperl', paths: [src], dest }))).failed).toBe(false);
    await remote(s, `echo changed > ${src}/f && mv /usr/bin/perl /usr/bin/perl.hidden`);
    try {
      const renamed = await run(s, backup_restore({ job: 'noperl', dest }));
      expect(renamed.failed, renamed.msg).toBe(false);
      expect(renamed.result.swapped).toEqual({ [src]: 'renamed' });
    } finally {
      await remote(s, 'mv /usr/bin/perl.hidden /usr/bin/perl');
    }
    expect(await remote(s, `cat ${src}/f; ls -A ${src}/.. | grep -c hw-restore || true`)).toBe('kept\n0');
  });

  test('encrypted with an age key file: verify without the key checks the sha256 only; a wrong key is refused clearly; the right one restores; a recipients file encrypts without being able to decrypt', async () => {
    const src = await scratch(s, 'bakpg-src4');
    const dest = await scratch(s, 'bakpg-dest4');
    const keys = await scratch(s, 'bakpg-keys');
    await remote(s, `cd ${keys} && age-keygen -o right.key 2>/dev/null && age-keygen -o wrong.key 2>/dev/null && age-keygen -y right.key > right.pub && chmod 600 *.key`);
    await remote(s, `head -c 100000 /dev/urandom > ${src}/secret.bin && echo 'plain words' > ${src}/notes`);
    const sums = await treeSums(src);
    const made = await run(s, backup({ job: 'enc', paths: [src], postgres: { databases: ['app'] }, dest, encryption_key: `${keys}/right.key` }));
    expect(made.failed, made.msg).toBe(false);
    const archive = made.plan?.result?.archive as string;
    expect(archive).toMatch(/\.tar\.zst\.age$/);
    expect(made.plan?.result?.encrypted).toBe(true);
    expect(await remote(s, `head -c 21 ${archive}; echo; grep -c 'plain words' ${archive} || true`)).toBe('age-encryption.org/v1\n0');

    const unkeyed = await run(s, backup_verify({ job: 'enc', dest }));
    expect(unkeyed.failed, unkeyed.msg).toBe(false);
    expect(unkeyed.plan?.summary).toBe(`${archive}: sha256 ok; encrypted, not decrypted (no encryption_key given)`);
    const keyed = await run(s, backup_verify({ job: 'enc', dest, encryption_key: `${keys}/right.key` }));
    expect(keyed.failed, keyed.msg).toBe(false);
    expect(keyed.plan?.result).toMatchObject({ paths: [src], databases: ['app'] });
    const wrongVerify = await run(s, backup_verify({ job: 'enc', dest, encryption_key: `${keys}/wrong.key` }));
    expect(wrongVerify.msg).toBe(`cannot decrypt ${archive}: no identity matched any of the recipients (is encryption_key the identity this archive was encrypted for?)`);

    await remote(s, `rm ${src}/notes`);
    const wrong = await run(s, backup_restore({ job: 'enc', dest, encryption_key: `${keys}/wrong.key` }));
    expect(wrong.failed).toBe(true);
    expect(wrong.msg).toBe(`cannot decrypt ${archive}: no identity matched any of the recipients (is encryption_key the identity this archive was encrypted for?); nothing restored`);
    const none = await run(s, backup_restore({ job: 'enc', dest }));
    expect(none.msg).toBe(`archive ${archive} is encrypted: give encryption_key (the age identity file that decrypts it); nothing restored`);
    expect(await remote(s, `test -e ${src}/notes || echo still-gone`)).toBe('still-gone');
    const right = await run(s, backup_restore({ job: 'enc', dest, encryption_key: `${keys}/right.key`, postgres: { databases: [{ name: 'app', target: 'app_enc' }] } }));
    expect(right.failed, right.msg).toBe(false);
    expect(await treeSums(src)).toBe(sums);
    expect(await psql('app_enc', QUERY)).toBe(await psql('app', QUERY));

    // Only the public recipient on the host: it writes archives the identity (kept elsewhere) reads.
    const pub = await run(s, backup({ job: 'enc', paths: [src], dest, encryption_key: `${keys}/right.pub` }));
    expect(pub.failed, pub.msg).toBe(false);
    expect((await run(s, backup_verify({ job: 'enc', dest, encryption_key: `${keys}/right.key` }))).plan?.result).toMatchObject({ archive: pub.plan?.result?.archive, paths: [src], databases: [] });
  });

  test('PostgreSQL in a podman container: dumped through podman exec without a TTY, damaged, restored', async () => {
    const imported = await run(s, podman_import({
      src: '/tmp/hw-postgres.tar',
      repository: 'localhost/hw-postgres',
      change: ['ENV PATH=/usr/lib/postgresql/15/bin:/usr/bin TZ=UTC', 'USER postgres', 'CMD ["/usr/bin/pg-start"]'],
    }));
    expect(imported.failed, imported.msg).toBe(false);
    const started = await run(s, podman_container({
      name: 'hw-bak-pg',
      image: 'localhost/hw-postgres',
      healthcheck: 'pg_isready -h /run/postgresql -q',
      healthcheck_interval: '2s',
      wait_healthy: 90,
      stop_timeout: 5,
    }));
    expect(started.failed, started.msg).toBe(false);
    await inContainer('postgres', 'CREATE DATABASE shop');
    await remote(s, `podman exec -i hw-bak-pg psql -h /run/postgresql -U postgres -X -q -d shop <<'EOF'\n${SEED}\nEOF`);
    const rowsBefore = await inContainer('shop', QUERY);
    expect(rowsBefore).toBe('500|1497|item-99');

    const dest = await scratch(s, 'bakpg-dest3');
    const pg = { container: 'hw-bak-pg', user: 'postgres', host: '/run/postgresql' };
    const made = await run(s, backup({ job: 'shop', postgres: { ...pg, databases: ['shop'] }, dest }));
    expect(made.failed, made.msg).toBe(false);
    const archive = made.plan?.result?.archive as string;
    // Byte for byte what pg_dump writes in the container (no TTY: no \r added); the host's own
    // pg_restore reads it to the end.
    expect(await remote(s, `tar -xOf ${archive} .hostwright-backup/postgres/shop.dump | pg_restore --list >/dev/null && echo readable`)).toBe('readable');
    expect(await remote(s, `tar -xOf ${archive} .hostwright-backup/postgres/shop.dump | head -c 5`)).toBe('PGDMP');

    // verify reads the dump with the container's pg_restore, as backup ran pg_dump there.
    const verified = await run(s, backup_verify({ job: 'shop', dest, postgres: { container: 'hw-bak-pg' } }));
    expect(verified.failed, verified.msg).toBe(false);
    expect(verified.plan?.result).toMatchObject({ databases: ['shop'], dumps_read: true });

    await inContainer('shop', 'DROP TABLE orders');
    const restored = await run(s, backup_restore({ job: 'shop', dest, postgres: { ...pg, databases: [{ name: 'shop', drop: true }] } }));
    expect(restored.failed, restored.msg).toBe(false);
    expect(restored.plan?.result?.databases).toEqual([{ dump: 'shop', database: 'shop', action: 'drop and create' }]);
    expect(await inContainer('shop', QUERY)).toBe(rowsBefore);

    // A database that is not there fails the backup before anything is written.
    const missing = await run(s, backup({ job: 'shop', postgres: { ...pg, databases: ['nope'] }, dest }));
    expect(missing.failed).toBe(true);
    expect(missing.msg).toBe('PostgreSQL in container hw-bak-pg has no database nope');
  });

  test('kill -9 mid-backup, 10 trials (the runner, tar, pg_dump, the script\'s shell): no archive looks complete unless it is, and the next run succeeds', async () => {
    const { job, dest } = KILL_BACKUP;
    const series = `${dest}/${job}`;
    await remote(s, `rm -rf ${dest} ${KILL_BACKUP.paths![0]} && mkdir -p ${KILL_BACKUP.paths![0]} && head -c 48000000 /dev/urandom > ${KILL_BACKUP.paths![0]}/big`);
    await psql('postgres', 'DROP DATABASE IF EXISTS killdb');
    await psql('postgres', 'CREATE DATABASE killdb');
    await psql('killdb', 'CREATE TABLE t AS SELECT g, md5(g::text) AS h FROM generate_series(1, 120000) g');
    // Every name that looks like an archive has its .sha256, matches it, and tar lists it to the end.
    const sound = () => remote(s, `cd ${series} 2>/dev/null || { echo 'complete 0'; exit 0; }; n=0; for a in ${job}-*.tar.gz; do [ -e "$a" ] || continue; n=$((n + 1)); { sha256sum -c --quiet "$a.sha256" && tar -tzf "$a" >/dev/null; } 2>/dev/null || echo "BROKEN $a"; done; echo "complete $n"`);
    // Waits (on the host, 20 ms steps) until pg_dump or tar of the run is working.
    const working = `for i in $(seq 1000); do if pgrep -x pg_dump >/dev/null || pgrep -x tar >/dev/null; then break; fi; sleep 0.02; done`;
    const killOnHost: Record<string, string> = {
      tar: `for i in $(seq 1000); do p=$(pgrep -x tar) && break; sleep 0.02; done; kill -9 $p && echo killed`,
      pg_dump: `for i in $(seq 1000); do p=$(pgrep -x pg_dump) && break; sleep 0.02; done; kill -9 $p && echo killed`,
      // The script's own shell: the oldest process running it (its subshells share its command line).
      shell: `${working}; p=$(pgrep -o -f 'flock -n [9]') && kill -9 $p && echo killed`,
    };
    // On a quiet machine pg_dump is done with 120,000 rows before a kill command reaches the host:
    // a session holding a lock on the table keeps it waiting (alive) until the trial has killed.
    const holdDump = () => remote(s, `cd / && { runuser -u postgres -- psql -X -q -d killdb -c 'BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(120)' >/dev/null 2>&1 & }
for i in $(seq 500); do [ "$(runuser -u postgres -- psql -X -At -d killdb -c "SELECT count(*) FROM pg_locks WHERE relation = 't'::regclass AND mode = 'AccessExclusiveLock' AND granted")" = 1 ] && break; sleep 0.02; done; echo held`);
    const releaseDump = () => psql('killdb', "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(120)%' AND pid <> pg_backend_pid()");
    const modes = ['runner', 'tar', 'pg_dump', 'shell', 'runner', 'tar', 'pg_dump', 'shell', 'runner', 'tar'];
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    for (const [trial, mode] of modes.entries()) {
      const before = await sound();
      if (mode !== 'tar') expect(await holdDump()).toBe('held');
      if (mode === 'runner') {
        const child = spawn(process.execPath, ['--import', 'tsx', 'test/e2e/playbooks/backup/kill.ts', '-i', inventoryFile(), '-l', host.name], { cwd: root, stdio: 'ignore' });
        const exited = new Promise((resolve) => child.on('close', resolve));
        const ready = await remote(s, `${working}; pgrep -x pg_dump >/dev/null || pgrep -x tar >/dev/null && echo ready`);
        child.kill('SIGKILL');
        await exited;
        await releaseDump();
        expect(ready, `trial ${trial}`).toBe('ready');
        // Without its runner the host's part may go on (no TTY, so no SIGHUP) or die on a closed
        // pipe: either way it lets go of the lock.
        await remote(s, `flock -w 60 ${series}/.lock true`);
      } else {
        const running = run(s, backup(KILL_BACKUP));
        expect(await remote(s, killOnHost[mode]!), `trial ${trial} (${mode})`).toBe('killed');
        if (mode !== 'tar') await releaseDump();
        const r = await running;
        expect(r.failed, `trial ${trial} (${mode})`).toBe(true);
        // A killed run adds no archive.
        expect(await sound(), `trial ${trial} (${mode})`).toBe(before);
      }
      expect(await sound(), `trial ${trial} (${mode})`).not.toContain('BROKEN');
    }
    const complete = Number((await sound()).split(' ')[1]);
    const after = await run(s, backup(KILL_BACKUP));
    expect(after.failed, after.msg).toBe(false);
    expect(await sound()).toBe(`complete ${complete + 1}`);
    // The next run removed what killed runs left (temp archives, staged dumps) under the lock.
    expect(await remote(s, `ls -A ${series} | grep -c -E 'partial|stage' || true`)).toBe('0');
    expect((await run(s, backup_verify({ job, dest }))).failed).toBe(false);
  });
});
