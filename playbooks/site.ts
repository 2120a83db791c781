/**
 * The main job: seed 000's stack on the hosts of an Ansible inventory (inventory/site/): every host
 * gets base and firewall, then each group its role — database (PostgreSQL in podman), app (the
 * three services), proxy (HAProxy in front), backup (nightly dumps and archives).
 *
 *   npm run lab -- up 1 --systemd 1
 *   npx tsx playbooks/site.ts -i inventory/site/lab.ts --check --diff
 *   npx tsx playbooks/site.ts -i inventory/site/lab.ts
 *   npx tsx playbooks/site.ts -i inventory/site/lab.ts --tags firewall
 *   npx tsx playbooks/site.ts -i inventory/site/hosts.yml --skip-tags backup     (a real VPS)
 *
 * Roles are functions of typed vars (playbooks/roles/*.ts), each tagged by its name. The vars come
 * from the inventory (group_vars/ beside it); `stackVars` below is the one place that reads them,
 * so a missing one fails with Ansible's "'deploy_user' is undefined" and the roles stay typed.
 */
import { play, playbook, optional, type HostContext } from '../runner/index.js';
import { base, baseHandlers, type BaseVars } from './roles/base.js';
import { database, type DatabaseVars } from './roles/database.js';
import { firewall } from './roles/firewall.js';
import type { ImageSource } from './roles/images.js';

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** The stack's inventory variables (inventory/site/group_vars), typed for the roles. */
export function stackVars(h: HostContext) {
  const vars = h.vars;
  const opt = optional(vars);
  const baseVars: BaseVars = {
    packages: strings(opt['stack_packages']),
    timezone: String(opt['timezone'] ?? 'Etc/UTC'),
    deployUser: String(vars['deploy_user']),
    deployKeys: strings(vars['deploy_ssh_keys']),
    fail2ban: { ignoreip: strings(opt['fail2ban_ignoreip']) },
    ...(opt['containers_conf'] ? { containersConf: String(opt['containers_conf']) } : {}),
  };
  const databaseVars = (): DatabaseVars => ({
    image: vars['postgres_image'] as ImageSource,
    database: String(vars['postgres_database']),
    env: (opt['postgres_env'] ?? {}) as Record<string, string>,
  });
  return {
    base: baseVars,
    firewall: { trustedSsh: strings(vars['trusted_ssh']), closedPorts: strings(opt['closed_ports']), internalSources: strings(opt['container_networks']) },
    get database() {
      return databaseVars();
    },
  };
}

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
]);
