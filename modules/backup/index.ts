export { backup, type BackupParams } from './backup.js';
export { backup_verify, type BackupVerifyParams } from './verify.js';
export { applyRetention, isoWeek, type RetentionPolicy } from './retention.js';
export { backup_restore, type BackupRestoreParams } from './restore.js';
export type { PostgresBackupSource, PostgresConnection, PostgresRestore, RestoreDatabase } from './postgres.js';
export { backup_prune, type BackupPruneParams } from './prune.js';
export { backup_copy, type BackupCopyParams } from './copy.js';
