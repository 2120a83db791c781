/**
 * app-source: a directory of the controller published as a git repository on the host, for hosts
 * that reach no git server (the lab): the app role then deploys from it as from any remote. One
 * git_publish task: a changed source on the controller becomes a new commit (a new release for the
 * app role), an unchanged one changes nothing, and check mode knows the commit before it exists,
 * so it predicts the app role's release and image builds too.
 */
import { task, type Items } from '../../runner/index.js';
import { git_publish } from '../../modules/index.js';
import { perHost, type PerHost } from './per-host.js';

export interface AppSourceVars {
  /** The directory on the controller (apps/shiftplan). */
  from: string;
  /** The repository's path on the host (the app role's `repo`): a bare repository. */
  repo: string;
}

/** Nothing happens on a host whose vars are `undefined` (it deploys from a real git server). */
export function appSource(vars: PerHost<AppSourceVars | undefined>): Items {
  const v = perHost(vars);
  return [
    task('app source published', git_publish((h) => ({ src: v(h)!.from, repo: v(h)!.repo, branch: 'main' })), { tags: ['app'], when: (h) => v(h) !== undefined }),
  ];
}
