/**
 * The backup modules. Lazy modules (runner/module.ts): validated from their `.params.ts`
 * definitions, their code imported when a run uses them.
 */
import { lazyModule } from '../../runner/module.js';
import { backupDefinition } from './backup.params.js';
import { backupCopyDefinition } from './copy.params.js';
import { backupPruneDefinition } from './prune.params.js';
import { backupRestoreDefinition } from './restore.params.js';
import { backupVerifyDefinition } from './verify.params.js';

export const backup: typeof import('./backup.js').backup = lazyModule(backupDefinition, async () => (await import('./backup.js')).backup);
export const backup_verify: typeof import('./verify.js').backup_verify = lazyModule(backupVerifyDefinition, async () => (await import('./verify.js')).backup_verify);
export const backup_restore: typeof import('./restore.js').backup_restore = lazyModule(backupRestoreDefinition, async () => (await import('./restore.js')).backup_restore);
export const backup_prune: typeof import('./prune.js').backup_prune = lazyModule(backupPruneDefinition, async () => (await import('./prune.js')).backup_prune);
export const backup_copy: typeof import('./copy.js').backup_copy = lazyModule(backupCopyDefinition, async () => (await import('./copy.js')).backup_copy);
export { applyRetention, isoWeek, type RetentionPolicy } from './retention.js';
export type { BackupParams } from './backup.params.js';
export type { BackupVerifyParams } from './verify.params.js';
export type { BackupRestoreParams } from './restore.params.js';
export type { BackupPruneParams } from './prune.params.js';
export type { BackupCopyParams } from './copy.params.js';
export type { PostgresBackupSource, PostgresConnection, PostgresRestore, RestoreDatabase } from './postgres.js';
