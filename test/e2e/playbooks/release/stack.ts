/**
 * The app and proxy roles on the hosts given (playbooks/shiftplan.ts's vars: -e app_repo=...), with a
 * rate limit the e2e's request loops stay under and its burst goes over.
 */
import { play, playbook } from '../../../../runner/index.js';
import { app } from '../../../../playbooks/roles/app.js';
import { proxy } from '../../../../playbooks/roles/proxy.js';
import { shiftplanApp } from '../../../../playbooks/vars/shiftplan.js';

export const RATE_LIMIT = { requests: 500, period: '10s' };

export default playbook(import.meta, [
  play({
    name: 'app behind its proxy',
    hosts: 'all',
    become: true,
    tasks: [app(shiftplanApp), proxy({ app: shiftplanApp, rateLimit: RATE_LIMIT, checkInterval: 1 })],
  }),
]);
