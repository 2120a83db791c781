/**
 * What the baseline playbook (bench/playbooks/site.yml and its twin site.ts) expects on each host
 * before it is timed: the .debs of tree and jq available to apt without a download, python3-apt
 * for Ansible's apt module, and a bare
 * git repository at /srv/repo.git whose main branch holds an executable bin/app.sh. Done through
 * Hostwright's own connection, a few hosts at a time (apt-get update is the lab hosts' heaviest
 * work and they share the machine's cores); never timed.
 */
import { connect } from '../runner/connection/index.js';
import { labConnectSpecFor } from '../test/lab/connect-spec.js';
import { bareRepoScript } from '../test/lab/git-repo.js';
import type { LabHost, LabState } from '../test/lab/state.js';

const PREPARE = [
  'set -e',
  'export DEBIAN_FRONTEND=noninteractive',
  'apt-get update -qq',
  'apt-get install -y -qq --download-only tree jq >/dev/null',
  // Ansible's apt module needs python3-apt (it installs it itself in a real run, but check mode
  // fails without it): installed beforehand, so no timed run pays for it.
  'apt-get install -y -qq python3-apt >/dev/null',
  bareRepoScript('/srv/repo.git') + ' >/dev/null',
].join('\n');

const AT_ONCE = 6;

export async function prepareSiteHosts(state: LabState, hosts: readonly LabHost[]): Promise<void> {
  const queue = [...hosts];
  await Promise.all(
    Array.from({ length: Math.min(AT_ONCE, queue.length) }, async () => {
      for (let h = queue.shift(); h; h = queue.shift()) {
        const conn = await connect(labConnectSpecFor(state, h));
        try {
          const r = await conn.exec(PREPARE);
          if (r.rc !== 0) throw new Error(`preparing ${h.name} for the baseline playbook failed (rc=${r.rc}): ${r.stderr.trim()}`);
        } finally {
          await conn.close();
        }
      }
    }),
  );
}
