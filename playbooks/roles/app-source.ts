/**
 * app-source: a directory of the controller published as a git repository on the host, for hosts
 * that reach no git server (the lab): the app role then deploys from it as from any remote. The
 * files are copied one by one (each `copy` idempotent by content), then committed when the work
 * tree differs from the last commit, so a changed source on the controller becomes a new commit
 * (a new release for the app role) and an unchanged one changes nothing.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { block, task, type HostContext, type Items } from '../../runner/index.js';
import { copy, file, shell } from '../../modules/index.js';
import { sh } from '../../runner/shell.js';
import { perHost, type PerHost } from './per-host.js';

export interface AppSourceVars {
  /** The directory on the controller (apps/shiftplan). */
  from: string;
  /** The repository's path on the host (the app role's `repo`). */
  repo: string;
}

/** Files below `dir`, relative, sorted (read when the playbook loads). */
function filesBelow(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesBelow(dir, path.join(prefix, e.name)) : e.isFile() ? [path.join(prefix, e.name)] : []))
    .sort();
}

/** Nothing happens on a host whose vars are `undefined` (it deploys from a real git server). */
export function appSource(vars: PerHost<AppSourceVars | undefined>): Items {
  const v = perHost(vars);
  const src = (h: HostContext): AppSourceVars => v(h)!;
  const dirs = (h: HostContext) => [src(h).repo, ...new Set(filesBelow(src(h).from).map((f) => path.dirname(f)).filter((d) => d !== '.').map((d) => path.join(src(h).repo, d)))];
  const files = task('app source files', copy((h) => ({ src: path.join(src(h).from, String(h.item)), dest: path.join(src(h).repo, String(h.item)), mode: '0644' })), {
    loop: (h) => filesBelow(src(h).from),
  });
  // A read-only look, run in check mode too, so check mode predicts whether a commit is made:
  // `clean` when the work tree is committed and nothing in it changed.
  const committed = task(
    'app source up to date?',
    shell((h) => ({ cmd: sh`cd ${src(h).repo} 2>/dev/null && git rev-parse -q --verify HEAD >/dev/null && [ -z "$(git status --porcelain)" ] && printf clean` })),
    { check_mode: false, changed_when: () => false, failed_when: () => false },
  );
  return [
    block({
      tags: ['app'],
      when: (h) => v(h) !== undefined,
      block: [
        task('app source directories', file((h) => ({ path: String(h.item), state: 'directory', mode: '0755' })), { loop: dirs }),
        files,
        committed,
        task(
          'app source committed',
          shell((h) => ({
            cmd: sh`set -e; cd ${src(h).repo}; [ -d .git ] || git init -q -b main; git add -A; git -c user.name=Hostwright -c user.email=hostwright@localhost commit -qm 'published by playbooks/roles/app-source.ts'`,
          })),
          // Also when a file changes now: in check mode the look above saw the tree before the copies.
          { when: (h) => committed.result(h)?.stdout !== 'clean' || files.result(h)?.changed === true },
        ),
      ],
    }),
  ];
}
