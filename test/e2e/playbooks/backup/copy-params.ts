/** The series test/e2e/modules/backup-copy.test.ts copies, and where the copies go. */
export const COPY_JOB = {
  job: 'site',
  dest: '/tmp/hw-e2e/bakcopy-dest',
  to_dest: '/tmp/hw-e2e/bakcopy-copies',
  keep_last: 2,
};
