/**
 * cron: the app's periodic health check as a cron.d entry run by the service account, and cron
 * itself running and enabled at boot (SysV `service` on plain hosts, systemctl on systemd ones).
 */
import { block, task, type Items } from '../../runner/index.js';
import { copy, service } from '../../modules/index.js';
import { appHealthScript, appHome, type AppTreeVars as AppVars } from './app-tree.js';

export interface CronVars {
  /** Minutes between health checks. */
  healthEveryMinutes: number;
}

export function cron(v: CronVars, a: AppVars): Items {
  return [
    block({
      tags: ['cron'],
      block: [
        task(
          'health check schedule',
          copy({
            dest: `/etc/cron.d/${a.name}-health`,
            mode: '0644',
            owner: 'root',
            group: 'root',
            content:
              `# ${a.name} health, written by Hostwright (playbooks/roles/cron.ts).\n` +
              `*/${v.healthEveryMinutes} * * * * ${a.user} ${appHealthScript(a)} >> ${appHome(a)}/shared/log/health.log 2>&1\n`,
          }),
        ),
        task('cron running', service({ name: 'cron', state: 'started', enabled: true })),
      ],
    }),
  ];
}
