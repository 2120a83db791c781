/** backup_restore's parameters: what validates a call without loading the module's code (restore.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../../runner/module.js';
import { postgresRestoreSchema, type PostgresRestore } from './postgres.js';
import { JOB_PATTERN } from './series.js';

export interface BackupRestoreParams {
  /** The job whose series holds the archive. */
  job: string;
  /** An archive's file name in the series (as `backup`'s result `archive` ends). @default the newest */
  archive?: string;
  /** Directory holding the series (as given to `backup`). @default /var/backups/hostwright */
  dest?: string;
  /**
   * Archived paths to put back in their places, each exactly as it was given to `backup`.
   * `[]` restores no files (only databases).
   * @default every path in the archive
   */
  paths?: string[];
  /** Databases to restore from the archive's dumps, and where PostgreSQL is. @default none */
  postgres?: PostgresRestore;
  /**
   * The age identity file on the host that decrypts the archive (needed for an encrypted one; a
   * key it was not encrypted for is refused before anything is touched).
   * @default none
   */
  encryption_key?: string;
}

export const schema: JSONSchemaType<BackupRestoreParams> = {
  type: 'object',
  properties: {
    job: { type: 'string', pattern: JOB_PATTERN },
    archive: { type: 'string', pattern: '^[^/\\n]+$', nullable: true },
    dest: { type: 'string', pattern: '^/[^\\n]*$', nullable: true },
    paths: { type: 'array', items: { type: 'string', pattern: '^/[^\\n]*[^/\\n]$' }, nullable: true },
    postgres: { ...postgresRestoreSchema, nullable: true },
    encryption_key: { type: 'string', pattern: '^/[^\\n]*$', nullable: true },
  },
  required: ['job'],
  additionalProperties: false,
};

export function check(p: BackupRestoreParams): ParamIssue[] {
  const targets = (p.postgres?.databases ?? []).map((d) => d.target ?? d.name);
  const twice = targets.find((t, i) => targets.indexOf(t) !== i);
  return twice ? [{ field: 'postgres.databases', message: `database ${twice} is restored into twice` }] : [];
}

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const backupRestoreDefinition: ModuleDefinition<BackupRestoreParams> = { name: 'backup_restore', schema, check };
