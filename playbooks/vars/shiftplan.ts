/**
 * The shiftplan stack's app and release settings, shared by site.ts, deploy.ts and rollback.ts.
 * What differs per site comes from the inventory (group_vars), read when a task runs:
 *   app_repo         the app's git remote (required)
 *   app_version      branch, tag or commit deploy.ts and site.ts deploy (default HEAD)
 *   app_base_image   the image the services' Containerfiles start FROM (default localhost/busybox)
 *   app_health_timeout seconds a started container has to become healthy (default 60)
 *   deploy_pause     seconds each traffic step is watched (default 30)
 */
import { optional } from '../../runner/index.js';
import type { AppVars } from '../roles/app.js';
import type { ReleaseVars } from '../roles/release.js';

export const shiftplanApp: AppVars = {
  name: 'shiftplan',
  repo: (h) => String(h.vars.app_repo),
  version: (h) => String(optional(h.vars).app_version ?? 'HEAD'),
  baseImage: (h) => String(optional(h.vars).app_base_image ?? 'localhost/busybox'),
  healthTimeout: (h) => Number(optional(h.vars).app_health_timeout ?? 60),
};

export const shiftplanRelease: ReleaseVars = {
  app: shiftplanApp,
  pauseSeconds: (h) => Number(optional(h.vars).deploy_pause ?? 30),
  maxErrorRate: 0.01,
};
