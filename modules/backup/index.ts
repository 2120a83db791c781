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

export const backup: typeof import('./backup.js').backup = lazyModule(backupDefinition, import.meta.url, './backup.js', 'backup');
export const backup_verify: typeof import('./verify.js').backup_verify = lazyModule(backupVerifyDefinition, import.meta.url, './verify.js', 'backup_verify');
export const backup_restore: typeof import('./restore.js').backup_restore = lazyModule(backupRestoreDefinition, import.meta.url, './restore.js', 'backup_restore');
export const backup_prune: typeof import('./prune.js').backup_prune = lazyModule(backupPruneDefinition, import.meta.url, './prune.js', 'backup_prune');
export const backup_copy: typeof import('./copy.js').backup_copy = lazyModule(backupCopyDefinition, import.meta.url, './copy.js', 'backup_copy');
export { applyRetention, isoWeek, type RetentionPolicy } from './retention.js';
export type { BackupParams } from './backup.params.js';
export type { BackupVerifyParams } from './verify.params.js';
export type { BackupRestoreParams } from './restore.params.js';
export type { BackupPruneParams } from './prune.params.js';
export type { BackupCopyParams } from './copy.params.js';
export type { PostgresBackupSource, PostgresConnection, PostgresRestore, RestoreDatabase } from './postgres.js';
