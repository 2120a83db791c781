/**
 * The main job: seed 000's stack on the hosts of an Ansible inventory (inventory/site/): every host
 * gets base and firewall, then each group its role — database (PostgreSQL in podman), app (the
 * three services in podman, built from the app's git releases), proxy (HAProxy in front: routes by
 * path, TLS, a per-IP rate limit), backup (the nightly dump and archive, scheduled).
 *
 *   npm run lab -- up 1 --systemd 1
 *   npx tsx playbooks/site.ts -i inventory/site/lab.ts --check --diff
 *   npx tsx playbooks/site.ts -i inventory/site/lab.ts
 *   npx tsx playbooks/site.ts -i inventory/site/lab.ts --tags firewall
 *   npx tsx playbooks/site.ts -i inventory/site/hosts.yml --skip-tags backup     (a real VPS)
 *
 * Roles are functions of typed vars (playbooks/roles/*.ts), each tagged by its name. The vars come
 * from the inventory (group_vars/ beside it); `stackVars` (vars/stack.ts) reads them for the roles
 * written here, playbooks/vars/shiftplan.ts for the app's (shared with deploy.ts and rollback.ts).
 * Releases after the first go through playbooks/deploy.ts (blue-green); site.ts keeps the live slot.
 */
import { play, playbook } from '../runner/index.js';
import { app } from './roles/app.js';
import { appSource } from './roles/app-source.js';
import { backup } from './roles/backup.js';
import { base, baseHandlers } from './roles/base.js';
import { database } from './roles/database.js';
import { firewall } from './roles/firewall.js';
import { busyboxImage } from './roles/images.js';
import { proxy } from './roles/proxy.js';
import { stackVars } from './vars/stack.js';
import { shiftplanApp } from './vars/shiftplan.js';

export default playbook(import.meta, [
  play({
    name: 'base and firewall',
    hosts: 'stack',
    become: true,
    tasks: [
      base((h) => stackVars(h).base),
      firewall({
        trustedSsh: (h) => stackVars(h).firewall.trustedSsh,
        closedPorts: (h) => stackVars(h).firewall.closedPorts,
        internalSources: (h) => stackVars(h).firewall.internalSources,
      }),
    ],
    handlers: baseHandlers,
  }),
  play({
    name: 'database',
    hosts: 'database',
    become: true,
    gather_facts: false,
    tasks: [database((h) => stackVars(h).database)],
  }),
  play({
    name: 'app',
    hosts: 'app',
    become: true,
    gather_facts: false,
    tasks: [
      busyboxImage((h) => stackVars(h).app.baseImage),
      appSource((h) => stackVars(h).app.source),
      app(shiftplanApp),
    ],
  }),
  play({
    name: 'proxy',
    hosts: 'proxy',
    become: true,
    gather_facts: false,
    tasks: [proxy({ app: shiftplanApp })],
  }),
  play({
    name: 'backup',
    hosts: 'backup',
    become: true,
    gather_facts: false,
    tasks: [backup((h) => stackVars(h).backup)],
  }),
]);
