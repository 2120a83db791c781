/**
 * Back to the previous release, on demand: the release before the live one (in the order
 * playbooks/deploy.ts deployed them) goes through the same blue-green steps (its images are
 * usually still on the host, in the slot deploy.ts stopped, so nothing is rebuilt), and `current`
 * moves back once the traffic is on it:
 *
 *   npx tsx playbooks/rollback.ts -i inventory/hosts.yml
 */
import { play, playbook, task } from '../runner/index.js';
import { deploy, type DeployTaskResult } from '../modules/index.js';
import { appHome, releaseDir } from './roles/app.js';
import { perHost } from './roles/per-host.js';
import { releaseTasks } from './roles/release.js';
import { shiftplanApp as app, shiftplanRelease } from './vars/shiftplan.js';

const rollback = deploy((h) => ({ path: appHome(app), repo: perHost(app.repo)(h), state: 'rollback' }));

// Planned only (check mode): its result names the release a rollback goes to, before anything moves.
const previous = task<DeployTaskResult>('previous release', rollback, { check_mode: true });

export default playbook(import.meta, [
  play({
    name: 'roll back to the previous release',
    hosts: 'app',
    become: true,
    tasks: [previous, releaseTasks(shiftplanRelease, (h) => releaseDir(app, previous, h)), task('current release back', rollback)],
  }),
]);
