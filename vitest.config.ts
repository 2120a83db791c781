import { defineConfig } from 'vitest/config';

// Three projects: `unit` is pure code, `compat` compares against the real Ansible (Debian's
// ansible-core) without hosts, `e2e` runs against real sshd hosts that the lab starts once per run.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'compat',
          include: ['test/compat/**/*.test.ts'],
          testTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/lab/global-setup.ts'],
          // Files share the lab's hosts, so they run one after another.
          fileParallelism: false,
          // After unit and compat, not beside them: the compat files start ~200 ansible and node
          // processes, and e2e tests that kill and time real processes (reliability's kill trials)
          // must not compete with them for the CPU.
          sequence: { groupOrder: 1 },
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
