/**
 * What a lab host needs before the app role can run on it, made by the tests (test/e2e/release.test.ts,
 * and any test of a playbook that composes the app role): podman, the base image the services'
 * Containerfiles start FROM (there is no registry: busybox from the host's own files), and the app's
 * git remote (apps/shiftplan of this repository, committed on the host).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { LabHost } from '../../../lab/state.js';
import { sshOk } from '../../../lab/testing.js';
import { busyboxTarball, installPodman } from '../../modules/podman-lab.js';
import { REPO_ROOT } from '../parity/output.js';

/** Where the app's repository is made on the host: pass `-e app_repo=${APP_REPO}`. */
export const APP_REPO = '/srv/git/shiftplan';
/** The base image's name (playbooks/vars/shiftplan.ts's default app_base_image). */
export const BASE_IMAGE = 'localhost/busybox';
/** Commits in the app's repository need an author. */
export const GIT_IDENTITY = 'git -c user.name=Lab -c user.email=lab@example.com';

/** podman (with `extra` packages in the same apt run), the base image and the app's repository. */
export async function prepareAppHost(host: LabHost, extra: string[] = []): Promise<void> {
  await installPodman(host, extra);
  await sshOk(host, `${busyboxTarball('/tmp/hw-busybox.tar')}\npodman import -q /tmp/hw-busybox.tar ${BASE_IMAGE} >/dev/null`);
  // sshOk's input is text: the tree goes as base64.
  const tar = execFileSync('tar', ['-C', path.join(REPO_ROOT, 'apps/shiftplan'), '-cf', '-', '.']).toString('base64');
  await sshOk(host, `set -e; rm -rf ${APP_REPO}; mkdir -p ${APP_REPO}; base64 -d | tar -C ${APP_REPO} -xf -; cd ${APP_REPO}; git init -q -b main; git add -A; ${GIT_IDENTITY} commit -qm v1`, {
    input: tar,
  });
}

/** A new commit in the app's repository: `script` runs in its work tree (e.g. `echo 2.0.0 > VERSION`). */
export function commitToApp(host: LabHost, message: string, script: string): Promise<string> {
  return sshOk(host, `set -e; cd ${APP_REPO}; ${script}; ${GIT_IDENTITY} commit -qam '${message}'`);
}
