/**
 * The main job: the base setup every host of the fleet gets (seed 000's step 1 on the modules that
 * exist today): a login banner and managed-host marker, hardened sshd, the deploy user's app tree
 * with its config, deploy key and health script, and the health check in cron.
 *
 *   npm run lab -- up 3
 *   npx tsx playbooks/site.ts -i /run/hostwright-lab/lab/inventory.ini --check --diff
 *   npx tsx playbooks/site.ts -i /run/hostwright-lab/lab/inventory.ini
 *   npx tsx playbooks/site.ts -i /run/hostwright-lab/lab/inventory.ini -t ssh
 *
 * Roles are functions of typed vars (playbooks/roles/*.ts), tagged base, ssh, app and cron. The
 * values below play the part of group_vars for the lab, whose inventory is generated.
 */
import { play, playbook } from '../runner/index.js';
import { appTree as app, appTreeHandlers as appHandlers, type AppTreeVars as AppVars } from './roles/app-tree.js';
import { base } from './roles/base.js';
import { cron } from './roles/cron.js';
import { ssh, sshHandlers } from './roles/ssh.js';

const shiftApp: AppVars = {
  name: 'shiftplan',
  user: 'deploy',
  port: 3000,
  workers: 2,
  env: { NODE_ENV: 'production', LOG_LEVEL: 'info' },
};

export default playbook(import.meta, [
  play({
    name: 'base setup',
    hosts: 'all',
    become: true,
    tasks: [
      base({ org: 'Shift Planning', contact: 'ops@shiftplan.example', serviceUser: shiftApp.user, nofile: 65536 }),
      ssh({
        sshd: {
          PermitRootLogin: 'prohibit-password',
          PasswordAuthentication: 'no',
          X11Forwarding: 'no',
          MaxAuthTries: '3',
          ClientAliveInterval: '300',
          ClientAliveCountMax: '2',
        },
      }),
      app(shiftApp),
      cron({ healthEveryMinutes: 5 }, shiftApp),
    ],
    handlers: [...sshHandlers, ...appHandlers(shiftApp)],
  }),
]);
