/**
 * A bare git repository made on a lab host with fixed authors and dates, so every host that makes
 * it gets the same commit ids (one tool on one host and another tool on another host check out
 * comparable commits). Used by the git/deploy e2e tests and by bench/ (the baseline playbook's
 * `/srv/repo.git`). History: main = one (tag v1, annotated tag v1a) → two; dev = two → three;
 * `bin/app.sh` is executable.
 */

export interface RepoCommits {
  one: string;
  two: string;
  three: string;
}

const IDENTITY =
  'GIT_AUTHOR_NAME=Lab GIT_AUTHOR_EMAIL=lab@example.com GIT_COMMITTER_NAME=Lab GIT_COMMITTER_EMAIL=lab@example.com; ' +
  'export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL';
const at = (day: number) => `GIT_AUTHOR_DATE=2026-01-0${day}T00:00:00Z GIT_COMMITTER_DATE=2026-01-0${day}T00:00:00Z; export GIT_AUTHOR_DATE GIT_COMMITTER_DATE`;

/** Shell script (run as root on a host) that makes the repository at `bare` and prints its three commit ids. */
export function bareRepoScript(bare: string): string {
  return [
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
}

export function parseRepoCommits(out: string): RepoCommits {
  const [one, two, three] = out.trim().split('\n');
  if (!one || !two || !three) throw new Error(`unexpected output from the repository script: ${out}`);
  return { one, two, three };
}

/** Shell script: a new commit on `branch` of the bare repository (file `name` with `content`); prints its id. */
export function pushCommitScript(bare: string, branch: string, name: string, content: string, day: number): string {
  return [
    'set -e',
    IDENTITY,
    at(day),
    `w=$(mktemp -d); git clone -q --branch '${branch}' '${bare}' "$w"; cd "$w"`,
    `printf '%s\\n' '${content}' > '${name}'; git add -A; git commit -qm '${name}'; git push -q origin '${branch}'`,
    'git rev-parse HEAD; cd /; rm -rf "$w"',
  ].join('\n');
}
