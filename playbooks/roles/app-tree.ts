/**
 * app-tree: the deploy user's application tree under /srv/<name>, its configuration (an environment
 * file rendered from typed vars), the deploy key the service account pulls code with, and a
 * health script. The directory layout is the usual releases/ + shared/ + a `current` link.
 *
 * Files go where a fresh host already has the directory (/etc/default, /usr/local/bin), so that
 * `--check` on a fresh host can predict the whole run: a check run cannot see a directory that an
 * earlier task would have created.
 */
import { block, handler, task, type Items } from '../../runner/index.js';
import { command, file, template } from '../../modules/index.js';

export interface AppTreeVars {
  /** The application's name: /srv/<name>, /etc/default/<name>, /usr/local/bin/<name>-health. */
  name: string;
  /** The service account that owns the tree and runs the app. */
  user: string;
  port: number;
  workers: number;
  /** Extra environment for the app, written sorted so the file is stable. */
  env: Record<string, string>;
}

export const appHome = (v: AppTreeVars): string => `/srv/${v.name}`;
export const appHealthScript = (v: AppTreeVars): string => `/usr/local/bin/${v.name}-health`;

export function appTree(v: AppTreeVars): Items {
  const home = appHome(v);
  const owned = { owner: v.user, group: v.user };
  const dirs = [home, `${home}/releases`, `${home}/releases/initial`, `${home}/shared`, `${home}/shared/log`];
  // Logs may hold what the app was asked: only the service account reads them.
  const modeOf = (dir: string): string => (dir.endsWith('/log') ? '0750' : '0755');
  const envFile = `/etc/default/${v.name}`;
  return [
    block({
      tags: ['app'],
      block: [
        task('app tree', file((h) => ({ path: String(h.item), mode: modeOf(String(h.item)), state: 'directory', ...owned })), { loop: dirs }),
        // A link's own owner is not managed (only its target's); force: the target may not exist yet in check mode.
        task('current release link', file({ path: `${home}/current`, src: `${home}/releases/initial`, state: 'link', force: true })),
        task(
          'app environment',
          template({
            dest: envFile,
            mode: '0640',
            owner: 'root',
            group: v.user,
            render: () =>
              [
                `# ${v.name}: written by Hostwright (playbooks/roles/app.ts); edit the playbook, not this file.`,
                `APP_NAME=${v.name}`,
                `APP_HOME=${home}`,
                `APP_PORT=${v.port}`,
                `APP_WORKERS=${v.workers}`,
                ...Object.keys(v.env)
                  .sort()
                  .map((k) => `${k}=${v.env[k]}`),
                '',
              ].join('\n'),
          }),
          { notify: 'restart app' },
        ),
        task(
          'deploy key',
          command({ argv: ['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `${v.user}@${v.name}`, '-f', `/home/${v.user}/.ssh/id_ed25519`], creates: `/home/${v.user}/.ssh/id_ed25519` }),
          { become: true, become_user: v.user },
        ),
        task(
          'health script',
          template({
            dest: appHealthScript(v),
            mode: '0755',
            render: () =>
              [
                '#!/bin/sh',
                `# Health of ${v.name}: written by Hostwright (playbooks/roles/app.ts).`,
                'set -eu',
                `. ${envFile}`,
                'test -d "$APP_HOME/current/" || { echo "$APP_NAME: no current release"; exit 1; }',
                'test -w "$APP_HOME/shared/log" || { echo "$APP_NAME: log directory not writable"; exit 1; }',
                'echo "$APP_NAME: ok"',
                '',
              ].join('\n'),
          }),
        ),
      ],
    }),
  ];
}

/** The app has no daemon on the lab hosts: a restart is the restart.txt its supervisor watches. */
export const appTreeHandlers = (v: AppTreeVars) => [
  handler('restart app', file({ path: `${appHome(v)}/shared/restart.txt`, state: 'touch', owner: v.user, group: v.user })),
];
