/**
 * Git remotes for the e2e tests, made on lab hosts: the bare repository of test/lab/git-repo.ts
 * (same commit ids on every host), and access to it over SSH from another lab host (the lab key
 * and the lab's known_hosts entry for the remote host, so host keys are checked).
 */
import { readFile } from 'node:fs/promises';
import type { LabHost } from '../../lab/state.js';
import { labState, sshOk } from '../../lab/testing.js';
import { bareRepoScript, parseRepoCommits, pushCommitScript, type RepoCommits } from '../../lab/git-repo.js';

export type { RepoCommits };

/** A fresh bare repository at `bare` on the host; returns its commit ids. */
export async function makeRepo(host: LabHost, bare: string): Promise<RepoCommits> {
  return parseRepoCommits(await sshOk(host, bareRepoScript(bare)));
}

/** A new commit on `branch` of the bare repository (file `name` with `content`); returns its id. */
export async function pushCommit(host: LabHost, bare: string, branch: string, name: string, content: string, day = 4): Promise<string> {
  return (await sshOk(host, pushCommitScript(bare, branch, name, content, day))).trim();
}

/** Where `client` finds the lab key for reaching other lab hosts over SSH. */
export const CLIENT_KEY = '/root/.ssh/lab_key';

/**
 * Lets `client` reach `server` as root over SSH: the lab key as CLIENT_KEY, and, when asked, the
 * lab's known_hosts lines for `server` in root's known_hosts (otherwise root has none).
 */
export async function sshAccess(client: LabHost, server: LabHost, knownHost: boolean): Promise<void> {
  const state = labState();
  const key = await readFile(state.keyFile, 'utf8');
  const known = (await readFile(state.knownHostsFile, 'utf8'))
    .split('\n')
    .filter((l) => l.split(' ')[0]!.split(',').some((n) => n === server.name || n === server.address))
    .join('\n');
  await sshOk(client, `umask 077; mkdir -p /root/.ssh; cat > ${CLIENT_KEY}; rm -f /root/.ssh/known_hosts`, { input: key });
  if (knownHost) await sshOk(client, 'cat > /root/.ssh/known_hosts', { input: `${known}\n` });
}

/** The checkout at dest as a comparable text: commit, branch, status, and every file with mode and sha1. */
export function checkoutStateScript(dest: string): string {
  return [
    `cd '${dest}' 2>/dev/null || { echo absent; exit 0; }`,
    'printf "commit %s\\n" "$(git rev-parse HEAD)"',
    'printf "branch %s\\n" "$(git symbolic-ref -q --short HEAD || echo detached)"',
    'git status --porcelain',
    "find . -path ./.git -prune -o -type f -exec stat -c '%a %n' {} + | sort",
    "find . -path ./.git -prune -o -type f -exec sha1sum {} + | sort -k2",
  ].join('\n');
}
