import type { BackupParams } from '../../../../modules/index.js';

/** The kill trials' backup: a directory of random bytes and a database of 120,000 rows, gzip (slow enough to be killed mid-way). */
export const KILL_BACKUP: BackupParams = {
  job: 'killed',
  paths: ['/tmp/hw-e2e/bakkill-src'],
  postgres: { databases: ['killdb'] },
  dest: '/tmp/hw-e2e/bakkill-dest',
  compression: 'gzip',
};
