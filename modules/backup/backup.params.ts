/** backup's parameters: what validates a call without loading the module's code (backup.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../../runner/module.js';
import { postgresBackupSchema, type PostgresBackupSource } from './postgres.js';
import { retentionSchemaProperties, type RetentionPolicy } from './retention.js';
import { JOB_PATTERN, type Compression } from './series.js';

export interface BackupParams extends RetentionPolicy {
  /** The job's name: its series is `<dest>/<job>/`, and retention prunes only that series. */
  job: string;
  /**
   * Absolute paths to archive (owners, modes and symlinks are kept, as tar does as root).
   * At least one of `paths` and `postgres` is needed. @default []
   */
  paths?: string[];
  /**
   * PostgreSQL databases to dump into the archive (on the host, or in a podman container).
   * @default none
   */
  postgres?: PostgresBackupSource;
  /** tar `--exclude` patterns (they also apply to the dumps' members, `.hostwright-backup/postgres/<db>.dump`). @default [] */
  exclude?: string[];
  /** Directory holding one series directory per job. @default /var/backups/hostwright */
  dest?: string;
  /** `auto` uses zstd when the host has it, else gzip. @default auto */
  compression?: 'auto' | Compression;
  /**
   * Encrypt the archive with age (`<name>.age`): the path ON THE HOST of an age identity file
   * (`age-keygen -o key.txt`; the same file decrypts) or of a recipients file (`age1...` public
   * keys, one a line: the host can then write archives it cannot read; restore with the identity
   * elsewhere). The host needs the `age` package. The sha256 beside it is of the encrypted file,
   * so backup_verify checks integrity without the key.
   * @default no encryption
   */
  encryption_key?: string;
  /**
   * After the archive is written, copy it (its `.sha256` first, then the archive, each streamed,
   * checked against the host's sha256 and renamed into place) to this directory ON THE CONTROLLER,
   * over the run's own connection: `<dir>/<inventory_hostname>/<job>/<archive>`. Prune that copy of
   * the series with `backup_prune` (`delegate_to: 'localhost'`, `dest: '<dir>/<inventory_hostname>'`).
   * @default no copy
   */
  copy_to_controller?: string;
}

export const schema: JSONSchemaType<BackupParams> = {
  type: 'object',
  properties: {
    job: { type: 'string', pattern: JOB_PATTERN },
    paths: { type: 'array', items: { type: 'string', pattern: '^/[^\\n]*$' }, nullable: true },
    postgres: { ...postgresBackupSchema, nullable: true },
    exclude: { type: 'array', items: { type: 'string', pattern: '^[^\\n]+$' }, nullable: true },
    dest: { type: 'string', pattern: '^/[^\\n]*$', nullable: true },
    compression: { type: 'string', enum: ['auto', 'gzip', 'zstd'], nullable: true },
    encryption_key: { type: 'string', pattern: '^/[^\\n]*$', nullable: true },
    copy_to_controller: { type: 'string', pattern: '^/[^\\n]*$', nullable: true },
    ...retentionSchemaProperties,
  },
  required: ['job'],
  additionalProperties: false,
};

export function check(p: BackupParams): ParamIssue[] {
  if ((p.paths ?? []).some((x) => x.replace(/\/+$/, '') === '')) return [{ field: 'paths', message: 'must name something below / (not / itself)' }];
  if (!p.paths?.length && !p.postgres) return [{ field: 'paths', message: 'nothing to back up: give paths, postgres or both' }];
  return [];
}

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const backupDefinition: ModuleDefinition<BackupParams> = { name: 'backup', schema, check };
