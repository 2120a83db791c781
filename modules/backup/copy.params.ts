/** backup_copy's parameters: what validates a call without loading the module's code (copy.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition } from '../../runner/module.js';
import { retentionSchemaProperties, type RetentionPolicy } from './retention.js';
import { JOB_PATTERN } from './series.js';

/** Where copies go on the target by default: beside the target's own series, never among them. */
export const DEFAULT_COPY_DEST = '/var/backups/hostwright-copies';

export interface BackupCopyParams extends RetentionPolicy {
  /** The job whose series holds the archive (on this host: `<dest>/<job>/`). */
  job: string;
  /** An archive's file name in the series. @default the newest */
  archive?: string;
  /** Directory holding the series on this host (as given to `backup`). @default /var/backups/hostwright */
  dest?: string;
  /** The inventory host that receives the copy (reached over the run's own connection to it). */
  to_host: string;
  /**
   * Directory on `to_host` holding one directory per source host: the copy goes to
   * `<to_dest>/<inventory_hostname>/<job>/<archive>`.
   * @default /var/backups/hostwright-copies
   */
  to_dest?: string;
}

export const schema: JSONSchemaType<BackupCopyParams> = {
  type: 'object',
  properties: {
    job: { type: 'string', pattern: JOB_PATTERN },
    archive: { type: 'string', pattern: '^[^/\\n]+$', nullable: true },
    dest: { type: 'string', pattern: '^/[^\\n]*$', nullable: true },
    to_host: { type: 'string', pattern: '^[^\\s]+$' },
    to_dest: { type: 'string', pattern: '^/[^\\n]*$', nullable: true },
    ...retentionSchemaProperties,
  },
  required: ['job', 'to_host'],
  additionalProperties: false,
};

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const backupCopyDefinition: ModuleDefinition<BackupCopyParams> = { name: 'backup_copy', schema };
