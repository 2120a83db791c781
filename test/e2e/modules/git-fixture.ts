/**
 * Git remotes for the e2e tests, made on lab hosts: a bare repository with fixed authors and
 * dates, so every host that makes it gets the same commit ids (Ansible on one host and Hostwright
 * on another check out comparable commits), and access to it over SSH from another lab host
 * (the lab key and the lab's known_hosts entry for the remote host, so host keys are checked).
 *
 * History: main = one (tag v1, annotated tag v1a) → two; dev = two → three.
 */
import { readFile } from 'node:fs/promises';
import type { LabHost } from '../../lab/state.js';
import { labState, sshOk } from '../../lab/testing.js';

export interface RepoCommits {
  one: string;
  two: string;
  three: string;
}

const IDENTITY =
  'GIT_AUTHOR_NAME=Lab GIT_AUTHOR_EMAIL=lab@example.com GIT_COMMITTER_NAME=Lab GIT_COMMITTER_EMAIL=lab@example.com; ' +
  'export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL';
const at = (day: number) => `GIT_AUTHOR_DATE=2026-01-0${day}T00:00:00Z GIT_COMMITTER_DATE=2026-01-0${day}T00:00:00Z; export GIT_AUTHOR_DATE GIT_COMMITTER_DATE`;

/** A fresh bare repository at `bare` on the host; returns its commit ids. */
export async function makeRepo(host: LabHost, bare: string): Promise<RepoCommits> {
  const script = [
    'set -e',
    IDENTITY,
    `bare='${bare}'; w=$(mktemp -d)`,
    'rm -rf "$bare"; mkdir -p "$(dirname "$bare")"; git init -q --bare -b main "$bare"',
    'git init -q -b main "$w"; cd "$w"',
    at(1),
    "mkdir bin conf; printf '#!/bin/sh\\necho app one\\n' > bin/app.sh; chmod 755 bin/app.sh",
    "printf 'version=1\\n' > conf/app.conf; printf 'demo\\n' > README",
    'git add -A; git commit -qm one; git tag v1; git tag -a v1a -m "release 1a"',
    at(2),
    "printf 'version=2\\n' > conf/app.conf; git commit -qam two",
    at(3),
    "git checkout -qb dev; printf 'dev\\n' > DEV; git add DEV; git commit -qm three",
    'git push -q "$bare" main dev v1 v1a',
    'cd /; rm -rf "$w"',
    'git -C "$bare" rev-parse v1^{commit} main dev',
  ].join('\n');
  const [one, two, three] = (await sshOk(host, script)).trim().split('\n');
  return { one: one!, two: two!, three: three! };
}

/** A new commit on `branch` of the bare repository (file `name` with `content`); returns its id. */
export async function pushCommit(host: LabHost, bare: string, branch: string, name: string, content: string, day = 4): Promise<string> {
  const script = [
    'set -e',
    IDENTITY,
    at(day),
    `w=$(mktemp -d); git clone -q --branch '${branch}' '${bare}' "$w"; cd "$w"`,
    `printf '%s\\n' '${content}' > '${name}'; git add -A; git commit -qm '${name}'; git push -q origin '${branch}'`,
    'git rev-parse HEAD; cd /; rm -rf "$w"',
  ].join('\n');
  return (await sshOk(host, script)).trim();
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
