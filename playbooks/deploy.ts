/**
 * A zero-downtime release (seed 004): the app's `app_version` (a branch, tag or commit of
 * `app_repo`) checked out as a new release, started in the idle slot beside the live one,
 * health-checked, given 10% → 50% → 100% of the traffic with a pause and an error-rate check at
 * each step; then the old slot is drained and stopped. A failed check rolls back (traffic back on
 * the old slot, the new containers removed, `current` back to the previous release) and the run
 * fails naming the check:
 *
 *   npx tsx playbooks/deploy.ts -i inventory/hosts.yml -e app_version=v1.4.0
 *
 * It runs on the inventory's `app` group; HAProxy runs on the same hosts (seed 000's single VPS).
 * playbooks/roles/release.ts has the steps; playbooks/rollback.ts goes back one release.
 */
import { play, playbook, task } from '../runner/index.js';
import { deploy, type DeployTaskResult } from '../modules/index.js';
import { appHome, releaseDir } from './roles/app.js';
import { perHost } from './roles/per-host.js';
import { releaseTasks } from './roles/release.js';
import { shiftplanApp as app, shiftplanRelease } from './vars/shiftplan.js';

const checkout = task<DeployTaskResult>(
  'new release checked out',
  deploy((h) => ({ path: appHome(app), repo: perHost(app.repo)(h), version: perHost(app.version ?? 'HEAD')(h), keep_releases: app.keepReleases ?? 5 })),
);

export default playbook(import.meta, [
  play({
    name: 'zero-downtime release',
    hosts: 'app',
    become: true,
    tasks: [
      checkout,
      releaseTasks(shiftplanRelease, (h) => releaseDir(app, checkout, h), [
        // Only when this run moved `current`: a release that was already live stays live.
        task('roll back: current release back', deploy((h) => ({ path: appHome(app), repo: perHost(app.repo)(h), state: 'rollback' })), {
          when: (h) => checkout.result(h)?.changed === true,
        }),
      ]),
    ],
  }),
]);
