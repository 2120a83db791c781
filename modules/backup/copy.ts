/**
 * backup_copy: copies an archive of a job's series (the newest — the one a `backup` task just
 * wrote — or the one named) with its sha256, as it is (encrypted archives stay encrypted), to
 * another host of the inventory, then applies the retention there to that copy of the series only.
 *
 * Why a module of its own and not a parameter of `backup` (as copy_to_controller is): a copy is
 * idempotent where a backup is not — an archive the target already holds with the same sha256 is
 * left alone (ok), so a copy that failed (the target was down, the run was killed) is simply run
 * again without taking another backup; check mode observes both hosts and lists what would be
 * copied and pruned there; a target that fails fails the copy task, not the backup, whose archive
 * is written and recorded either way; and it copies archives written by the nightly cron script
 * (backupSchedule) as well as by a `backup` task.
 *
 * The bytes go from `cat` on this host through the controller into the target over the run's own
 * two connections (a RelayAction: streamed with backpressure, never whole in memory). On the
 * target they are written to `.<name>.partial` in the copy's series, hashed on the way, and only
 * when the sha256 equals the source's `.sha256` are the checksum and then the archive renamed into
 * place — so a copy cut short (a killed runner, a dead source, a killed receiver) never leaves a
 * complete-looking archive, and the next copy removes what a killed one left, under the series'
 * lock (the same `.lock` backup and backup_prune take).
 *
 * On the target the copies of a host's series live in `<to_dest>/<inventory_hostname>/<job>/`, so
 * two hosts' jobs of the same name never share a series (nor a retention): backup_verify,
 * backup_restore and backup_prune read it there with `dest: <to_dest>/<inventory_hostname>`.
 */
import { defineModule, ProbeError } from '../../runner/module.js';
import type { Plan, Probe } from '../../runner/module.types.js';
import { sh } from '../../runner/shell.js';
import { runProbe } from '../_lib/probe.js';
import { applyRetention, isEmptyPolicy } from './retention.js';
import { DEFAULT_DEST, HASH_FUNCTION, parseArchiveName, seriesArchives, seriesDir } from './series.js';
import { pickArchive } from './verify.js';
import { backupCopyDefinition, DEFAULT_COPY_DEST, type BackupCopyParams } from './copy.params.js';

export { DEFAULT_COPY_DEST } from './copy.params.js';
export type { BackupCopyParams } from './copy.params.js';

export interface CopyState {
  /** The archive's file name on this host (undefined: none, or the named one is not there). */
  archive?: string;
  /** The sha256 its `.sha256` holds. */
  expected?: string;
  /** File names in the copy's series on the target. */
  entries: string[];
  /** The sha256 the target's `<archive>.sha256` holds, when the target has the archive. */
  present?: string;
}

/** The copy's series on the target. */
export function copySeries(p: Pick<BackupCopyParams, 'to_dest' | 'job'>, host: string): string {
  return seriesDir(`${(p.to_dest ?? DEFAULT_COPY_DEST).replace(/\/+$/, '')}/${host}`, p.job);
}

export function sourceProbe(p: BackupCopyParams): string {
  const dir = seriesDir(p.dest ?? DEFAULT_DEST, p.job);
  return [
    pickArchive(p.job, dir, p.archive),
    '[ -n "$a" ] || exit 0',
    sh`cd ${dir} || exit 0`,
    `printf 'archive %s\\n' "$a"`,
    `if [ -f "$a.sha256" ]; then read -r e _ < "$a.sha256"; printf 'expected %s\\n' "$e"; fi`,
  ].join('\n');
}

export function targetProbe(series: string, archive: string): string {
  return [
    sh`if [ -d ${series} ]; then for f in ${series}/*; do [ -f "$f" ] && printf 'entry %s\\n' "\${f##*/}"; done; fi`,
    sh`if [ -f ${`${series}/${archive}`} ] && [ -f ${`${series}/${archive}.sha256`} ]; then read -r e _ < ${`${series}/${archive}.sha256`}; printf 'present %s\\n' "$e"; fi`,
    'true',
  ].join('\n');
}

export function parseCopyProbes(source: string, target: string): CopyState {
  const st: CopyState = { entries: [] };
  for (const line of `${source}\n${target}`.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp < 0) continue;
    const [key, value] = [line.slice(0, sp), line.slice(sp + 1)];
    if (key === 'archive') st.archive = value;
    else if (key === 'expected') st.expected = value;
    else if (key === 'entry') st.entries.push(value);
    else if (key === 'present') st.present = value;
  }
  return st;
}

/**
 * The receiving end, on the target: lock the series, clear what killed copies left, write stdin to
 * the temp name while hashing it, and only with the source's sha256 rename the checksum and then
 * the archive into place; then prune. With `archive` undefined it only prunes.
 */
export function sinkScript(job: string, series: string, archive: string | undefined, expected: string | undefined, prune: string[]): string {
  const lines = [
    'set -u',
    'umask 077',
    // A controller gone mid-copy must not kill this shell on a write to stderr before it cleans up.
    "trap '' PIPE",
    sh`d=${series}`,
    'mkdir -p -- "$d" || exit 1',
    'exec 9>>"$d/.lock"',
    sh`flock -n 9 || { echo ${`another run on series ${job} holds ${series}/.lock; nothing copied`} >&2; exit 75; }`,
  ];
  if (archive !== undefined) {
    lines.push(
      sh`n=${archive}`,
      'tmp="$d/.$n.partial"',
      // Under the lock no other copy is writing: temp files of killed ones can go.
      sh`rm -f -- "$d"/.${job}-*.partial "$d"/.${job}-*.partial.*`,
      'fail() { rm -f -- "$tmp" "$tmp.hash" "$tmp.sum" "$tmp.sha256"; echo "$1; nothing copied" >&2; exit 1; }',
      HASH_FUNCTION,
      `mkfifo "$tmp.hash" && { hash < "$tmp.hash" > "$tmp.sum" & } || fail 'cannot start the sha256 of the copy'`,
      `tee "$tmp.hash" > "$tmp" || fail "writing $tmp failed"`,
      'wait',
      `read -r sum _ < "$tmp.sum" || fail 'the sha256 of the copy failed'`,
      sh`[ "$sum" = ${expected!} ] || fail "received $(wc -c < "$tmp") bytes with sha256 $sum, not the source's ${expected!} (the copy was cut short or changed on its way)"`,
      'rm -f -- "$tmp.hash" "$tmp.sum"',
      `printf '%s  %s\\n' "$sum" "$n" > "$tmp.sha256" && mv -f -- "$tmp.sha256" "$d/$n.sha256" && mv -f -- "$tmp" "$d/$n" || fail "cannot rename the copy into $d"`,
      `printf 'sha256 %s\\n' "$sum"`,
    );
  }
  // The archive goes before its checksum: a name that looks complete never lacks one.
  lines.push(...prune.map((n) => sh`rm -f -- ${`${series}/${n}`} ${`${series}/${n}.sha256`}`));
  return lines.join('\n');
}

export function planCopy(p: BackupCopyParams, st: CopyState, host: string): Plan {
  const dir = seriesDir(p.dest ?? DEFAULT_DEST, p.job);
  const fail = (why: string): Plan => ({ changed: false, actions: [], failed: `${why}; nothing copied` });
  if (p.archive !== undefined && !parseArchiveName(p.job, p.archive)) return fail(`${p.archive} is not an archive name of job ${p.job}`);
  if (!st.archive) return fail(p.archive ? `no archive ${dir}/${p.archive}` : `no archive in ${dir}`);
  const source = `${dir}/${st.archive}`;
  if (!st.expected || !/^[0-9a-f]{64}$/.test(st.expected)) return fail(`${source} has no ${st.archive}.sha256 beside it`);
  const series = copySeries(p, host);
  const copy = `${series}/${st.archive}`;
  const needed = st.present !== st.expected;
  const { prune, keep } = applyRetention(seriesArchives(p.job, [...new Set([...st.entries, st.archive])]), p);
  const pruned = prune.map((a) => a.name).sort();
  const result = {
    archive: source,
    to_host: p.to_host,
    copy,
    checksum: st.expected,
    copied: needed,
    pruned: pruned.map((n) => `${series}/${n}`),
    kept: keep.map((a) => `${series}/${a.name}`).sort(),
  };
  const there = pruned.length ? `; prune ${pruned.length} on ${p.to_host}: ${pruned.join(', ')}` : '';
  if (!needed && !pruned.length) {
    return { changed: false, actions: [], result, summary: `${p.to_host}:${copy} is there with the same sha256${isEmptyPolicy(p) ? '' : '; none to prune'}` };
  }
  return {
    changed: true,
    summary: (needed ? `copy ${source} to ${p.to_host}:${copy}` : `${p.to_host}:${copy} is there with the same sha256`) + there,
    result,
    actions: [
      {
        kind: 'relay',
        to: p.to_host,
        ...(needed ? { source: sh`exec cat -- ${source}` } : {}),
        sink: sinkScript(p.job, series, needed ? st.archive : undefined, st.expected, pruned),
        describe: needed ? `copy of ${source} to ${p.to_host}` : `prune of ${series} on ${p.to_host}`,
      },
    ],
  };
}

/** The target's connection, or the task fails naming `to_host` and why (nothing touched). */
async function target(probe: Probe, host: string): Promise<Probe> {
  if (!probe.peer) throw new ProbeError(`to_host ${host}: this run holds no connections to other hosts; nothing copied`);
  try {
    return await probe.peer(host);
  } catch (e) {
    if (e instanceof ProbeError) throw new ProbeError(`to_host ${host}: ${e.message}; nothing copied`);
    throw e;
  }
}

export const backup_copy = defineModule<BackupCopyParams, CopyState>({
  ...backupCopyDefinition,
  async gather(p, probe, ctx) {
    const source = await runProbe(probe, sourceProbe(p), `the series of backup job ${p.job}`);
    const peer = await target(probe, p.to_host);
    const archive = parseCopyProbes(source.stdout, '').archive;
    const there = archive ? (await runProbe(peer, targetProbe(copySeries(p, ctx.host), archive), `the copy's series on ${p.to_host}`)).stdout : '';
    return parseCopyProbes(source.stdout, there);
  },
  plan: (p, st, ctx) => planCopy(p, st, ctx.host),
});
