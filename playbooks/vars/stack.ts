/**
 * The stack's inventory variables (inventory/site/group_vars, snake_case as Ansible users write
 * them) read into the roles' typed vars. The one place that reads them: site.ts, backup.ts and
 * restore.ts share it, and a required one that no level defines fails the task with Ansible's
 * message ("'deploy_user' is undefined").
 */
import { optional, type HostContext } from '../../runner/index.js';
import type { AppSourceVars } from '../roles/app-source.js';
import type { BackupVars } from '../roles/backup.js';
import type { BaseVars } from '../roles/base.js';
import { pgContainer, pgVolume, type DatabaseVars } from '../roles/database.js';
import type { ImageSource } from '../roles/images.js';

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/**
 * The stack's inventory variables (inventory/site/group_vars), typed for the roles. Each role's
 * vars are read only when asked for, so a host outside the backup group needs no backup_* vars.
 */
export function stackVars(h: HostContext) {
  const vars = h.vars;
  const opt = optional(vars);
  const keep = (k: 'keep_last' | 'keep_daily' | 'keep_weekly' | 'keep_monthly') => (opt[`backup_${k}`] === undefined ? {} : { [k]: Number(opt[`backup_${k}`]) });
  return {
    get base(): BaseVars {
      return {
        packages: strings(opt['stack_packages']),
        timezone: String(opt['timezone'] ?? 'Etc/UTC'),
        deployUser: String(vars['deploy_user']),
        deployKeys: strings(vars['deploy_ssh_keys']),
        fail2ban: { ignoreip: strings(opt['fail2ban_ignoreip']) },
        ...(opt['containers_conf'] ? { containersConf: String(opt['containers_conf']) } : {}),
      };
    },
    get firewall() {
      return { trustedSsh: strings(vars['trusted_ssh']), closedPorts: strings(opt['closed_ports']), internalSources: strings(opt['container_networks']) };
    },
    get database(): DatabaseVars {
      return {
        image: vars['postgres_image'] as ImageSource,
        database: String(vars['postgres_database']),
        env: (opt['postgres_env'] ?? {}) as Record<string, string>,
      };
    },
    /** The app role's own vars (app_repo, app_version, app_base_image) are read by playbooks/vars/shiftplan.ts. */
    get app(): { baseImage: ImageSource; source: AppSourceVars | undefined } {
      return {
        baseImage: { source: opt['app_base_image_source'] === 'host-packages' ? 'host-packages' : 'registry', name: String(vars['app_base_image']) },
        source: opt['app_source_dir'] === undefined ? undefined : { from: String(opt['app_source_dir']), repo: String(vars['app_repo']) },
      };
    },
    get backup(): BackupVars {
      return {
        job: String(opt['backup_job'] ?? 'site'),
        ...(opt['backup_dest'] ? { dest: String(opt['backup_dest']) } : {}),
        // Its data volume is named so the backup role can refuse to archive it as files.
        postgres: { container: pgContainer(this.database), databases: [String(vars['postgres_database'])], volume: pgVolume(this.database) },
        volumes: strings(opt['backup_volumes']),
        schedule: { hour: String(opt['backup_hour'] ?? '3'), minute: String(opt['backup_minute'] ?? '17') },
        ...(opt['backup_log'] ? { log: String(opt['backup_log']) } : {}),
        ...keep('keep_last'),
        ...keep('keep_daily'),
        ...keep('keep_weekly'),
        ...keep('keep_monthly'),
      };
    },
  };
}
