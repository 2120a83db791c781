/** backup_verify's parameters: what validates a call without loading the module's code (verify.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition } from '../../runner/module.js';
import { dumpReaderSchema, type DumpReader } from './postgres.js';
import { JOB_PATTERN } from './series.js';

export interface BackupVerifyParams {
  /** The job whose series is read. */
  job: string;
  /** An archive's file name in the series. @default the newest */
  archive?: string;
  /** @default /var/backups/hostwright */
  dest?: string;
  /**
   * The age identity file on the host that decrypts the series' encrypted archives. Without it an
   * encrypted archive is checked against its sha256 only (not decrypted, not listed).
   * @default none
   */
  encryption_key?: string;
  /**
   * Where the dumps are read with pg_restore: `container` names the podman container holding it
   * (as backup's `postgres.container`; `podman exec -i`, never a TTY). Without it the host's own
   * pg_restore reads them; a host without one checks the archive only (the summary says so).
   * @default the host's pg_restore, when it has one
   */
  postgres?: DumpReader;
}

export const schema: JSONSchemaType<BackupVerifyParams> = {
  type: 'object',
  properties: {
    job: { type: 'string', pattern: JOB_PATTERN },
    archive: { type: 'string', pattern: '^[^/\\n]+$', nullable: true },
    dest: { type: 'string', pattern: '^/[^\\n]*$', nullable: true },
    encryption_key: { type: 'string', pattern: '^/[^\\n]*$', nullable: true },
    postgres: { ...dumpReaderSchema, nullable: true },
  },
  required: ['job'],
  additionalProperties: false,
};

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const backupVerifyDefinition: ModuleDefinition<BackupVerifyParams> = { name: 'backup_verify', schema };
