/** backup_prune's parameters: what validates a call without loading the module's code (prune.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition } from '../../runner/module.js';
import { retentionSchemaProperties, type RetentionPolicy } from './retention.js';
import { JOB_PATTERN } from './series.js';

export interface BackupPruneParams extends RetentionPolicy {
  /** The job whose series is pruned (`<dest>/<job>/`). */
  job: string;
  /** Directory holding the series (for copy_to_controller's copies: `<dir>/<inventory_hostname>`). @default /var/backups/hostwright */
  dest?: string;
}

export const schema: JSONSchemaType<BackupPruneParams> = {
  type: 'object',
  properties: {
    job: { type: 'string', pattern: JOB_PATTERN },
    dest: { type: 'string', pattern: '^/[^\\n]*$', nullable: true },
    ...retentionSchemaProperties,
  },
  required: ['job'],
  additionalProperties: false,
};

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const backupPruneDefinition: ModuleDefinition<BackupPruneParams> = { name: 'backup_prune', schema };
