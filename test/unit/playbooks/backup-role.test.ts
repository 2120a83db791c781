/**
 * The backup role's pure parts: the backup module's parameters for the stack's vars (never the
 * database's live data volume as files), and what restore.ts does with the volumes (stop the
 * containers using them, restore, start them again).
 */
import { describe, expect, it } from 'vitest';
import { backupParams, stopUsersScript, volumePaths, type BackupVars } from '../../../playbooks/roles/backup.js';

const VARS: BackupVars = { job: 'shiftplan', postgres: { container: 'postgres', databases: ['shiftplan'], volume: 'pgdata' }, volumes: ['uploads'] };

describe('backup role', () => {
  it('archives the dumps and the named volumes\' files', () => {
    expect(backupParams(VARS)).toEqual({
      job: 'shiftplan',
      dest: '/var/backups/hostwright',
      paths: ['/var/lib/containers/storage/volumes/uploads/_data'],
      postgres: { container: 'postgres', user: 'postgres', host: '/run/postgresql', databases: ['shiftplan'] },
    });
  });

  it('refuses the running database\'s data volume, saying why and what to do', () => {
    const bad = { ...VARS, volumes: ['uploads', 'pgdata'] };
    expect(() => backupParams(bad)).toThrow(
      'backup volumes: pgdata is the data volume of the running PostgreSQL container postgres; a file copy of a live data directory is not a consistent backup (the databases are backed up by pg_dump and the roles by pg_dumpall --globals-only): remove it from backup_volumes',
    );
    expect(() => volumePaths(bad)).toThrow(/pgdata is the data volume/);
    // Another volume of the same name is fine when no database claims it.
    expect(volumePaths({ volumes: ['pgdata'] })).toEqual(['/var/lib/containers/storage/volumes/pgdata/_data']);
  });

  it('restore stops the running containers that use a restored volume and prints their names for the start afterwards', () => {
    const s = stopUsersScript(['uploads', 'media files']);
    expect(s).toContain(`for v in uploads 'media files'; do podman ps --format '{{.Names}}' --filter volume="$v"; done | sort -u`);
    expect(s).toContain('podman stop -- "$c" >/dev/null || exit 1; echo "$c"');
  });
});
