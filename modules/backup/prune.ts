/**
 * backup_prune: applies the retention policy to a job's series wherever it is — on the controller
 * (the copies `backup`'s `copy_to_controller` makes: run it with `delegate_to: 'localhost'`) or on
 * any host holding copies — without writing an archive. Same rules and the same lock as `backup`:
 * only this job's archives are candidates, and a run holding the series lock makes it fail rather
 * than prune under a writer. Idempotent: changed only when an archive goes.
 */
import { defineModule } from '../../runner/module.js';
import type { Effect, Plan } from '../../runner/module.types.js';
import { sh } from '../../runner/shell.js';
import { runProbe } from '../_lib/probe.js';
import { applyRetention, isEmptyPolicy } from './retention.js';
import { DEFAULT_DEST, seriesArchives, seriesDir } from './series.js';
import { backupPruneDefinition, type BackupPruneParams } from './prune.params.js';

export type { BackupPruneParams } from './prune.params.js';

export interface PruneState {
  entries: string[];
}

export function pruneProbe(p: BackupPruneParams): string {
  const dir = seriesDir(p.dest ?? DEFAULT_DEST, p.job);
  return sh`if [ -d ${dir} ]; then for f in ${dir}/*; do [ -f "$f" ] && printf 'entry %s\\n' "\${f##*/}"; done; fi; true`;
}

export function planPrune(p: BackupPruneParams, st: PruneState): Plan {
  const dir = seriesDir(p.dest ?? DEFAULT_DEST, p.job);
  const archives = seriesArchives(p.job, st.entries);
  const { prune, keep } = applyRetention(archives, p);
  const pruned = prune.map((a) => a.name).sort();
  const result = { pruned: pruned.map((n) => `${dir}/${n}`), kept: keep.map((a) => `${dir}/${a.name}`).sort() };
  if (!pruned.length) return { changed: false, actions: [], result, summary: isEmptyPolicy(p) ? 'no retention rule: nothing pruned' : `${keep.length} archives kept, none to prune` };
  const effects: Effect[] = pruned.flatMap((n): Effect[] => [
    { kind: 'path', path: `${dir}/${n}`, state: 'absent' },
    { kind: 'path', path: `${dir}/${n}.sha256`, state: 'absent' },
  ]);
  return {
    changed: true,
    summary: `prune ${pruned.length} of ${archives.length}: ${pruned.join(', ')}`,
    result,
    effects,
    actions: [
      {
        kind: 'run',
        describe: `prune ${pruned.length} archives of ${dir}`,
        script: [
          sh`cd ${dir} || exit 1`,
          sh`exec 9>>.lock`,
          sh`flock -n 9 || { echo ${`a run on series ${p.job} holds ${dir}/.lock; nothing pruned`} >&2; exit 75; }`,
          // The archive goes before its checksum: a name that looks complete never lacks one.
          ...pruned.map((n) => sh`rm -f -- ${n} ${`${n}.sha256`}`),
        ].join('\n'),
      },
    ],
  };
}

export const backup_prune = defineModule<BackupPruneParams, PruneState>({
  ...backupPruneDefinition,
  async gather(p, probe) {
    const out = await runProbe(probe, pruneProbe(p), `the series of backup job ${p.job}`);
    return { entries: out.stdout.split('\n').filter((l) => l.startsWith('entry ')).map((l) => l.slice(6)) };
  },
  plan: (p, st) => planPrune(p, st),
});
