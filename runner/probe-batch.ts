/**
 * Several probe scripts in one command: one round trip instead of one per probe
 * (runner/observe.ts decides which). A part runs as `( eval '<script>' )`: a subshell of the
 * one shell, so its `exit`, `cd`, `set -e`, traps, variables or a syntax error stay in it (as in a
 * `/bin/sh -c` of its own), forking but not exec'ing a shell. A part whose module declared it
 * `inBatchShell` (runner/module.types.ts: it never changes the shell's state and assigns every
 * variable before reading it) runs as `eval '<script>'` in the batch's shell itself, one fork
 * fewer; those run after all the subshell parts, so no subshell part ever sees what they set.
 * After each part the batch prints a frame on stdout (`\n<MARKER> <index> <exit status>\n`) and
 * one on stderr (`\n<MARKER> <index>\n`); the leading newline is ours, so a part's output stays
 * byte-exact, binary included.
 *
 * The marker is random per batch and never appears whole in the command line: the script holds
 * its two halves as separate words that only printf joins, so a probe reading process command lines
 * (`ps`, /proc/PID/cmdline) cannot print it; text that merely looks like a frame passes as output.
 */
import { randomBytes } from 'node:crypto';
import type { ExecResult } from './connection/types.js';
import { quote } from './shell.js';

export interface BatchPart {
  script: string;
  /** Shown as a comment above the part (the task it observes for), for -vvv readers. */
  label?: string;
  /** Declared safe to run in the batch's own shell, without a subshell (ProbeOptions.inBatchShell). */
  inBatchShell?: boolean;
  /** With inBatchShell: the paths it passes to `hw_stat` (ProbeOptions.statPaths). */
  statPaths?: readonly string[];
}

/** The format of the stat `hw_stat` stands for (modules/_lib/probe.ts STAT_FORMAT is this). */
export const PROBE_STAT_FORMAT = '%F|%a|%U|%G|%u|%g|%s|%Y|%h|%i';

/**
 * A probe's own `hw_stat` where the batch did not define one (alone, in a subshell part, or a
 * batch without declared paths): `hw_s` set to stat's line, stat's status.
 */
export const HW_STAT_FALLBACK = `command -v hw_stat >/dev/null 2>&1 || hw_stat() { hw_s=$(stat -c '${PROBE_STAT_FORMAT}' -- "$1"); }`;

/**
 * Before the parts in the batch's shell: ONE stat of every declared path that exists, its lines
 * split into hw_s1..hw_sN (path i's), and an \`hw_stat\` that answers a declared path from them. The
 * cache is used only when stat succeeded and printed exactly one line per path (the format has no
 * newline but user and group names, which never hold one); otherwise, and for any other path or
 * one that did not exist then, \`hw_stat\` runs stat as the fallback does. It prints nothing: stat's
 * stderr goes to /dev/null, so no part's stderr gets it.
 */
function statPrologue(paths: readonly string[]): string {
  const fmt = `'${PROBE_STAT_FORMAT}'`;
  const lines = [
    `# ${paths.length} paths the parts below stat, in one stat`,
    `unset ${paths.map((_, i) => `hw_s${i + 1}`).join(' ')}; hw_w=; hw_k=; hw_ok=no; hw_nl='`,
    `'`,
    ...paths.map((p, i) => `if [ -e ${quote(p)} ] || [ -L ${quote(p)} ]; then hw_w="$hw_w "${quote(quote(p))}; hw_k="$hw_k ${i + 1}"; fi`),
    `if [ -n "$hw_k" ] && eval "hw_S=\\$(stat -c ${fmt} -- $hw_w 2>/dev/null)"; then hw_ok=yes; hw_r=$hw_S$hw_nl`,
    `  for hw_i in $hw_k; do case $hw_r in *"$hw_nl"*) hw_l=\${hw_r%%"$hw_nl"*}; hw_r=\${hw_r#*"$hw_nl"}; eval "hw_s$hw_i=\\$hw_l" ;; *) hw_ok=no ;; esac; done`,
    `  [ -z "$hw_r" ] || hw_ok=no`,
    `fi`,
    `if [ $hw_ok = yes ]; then hw_stat() { case $1 in`,
    ...paths.map((p, i) => `  ${quote(p)}) if [ -n "\${hw_s${i + 1}+x}" ]; then hw_s=$hw_s${i + 1}; return 0; fi ;;`),
    `  esac; hw_s=$(stat -c ${fmt} -- "$1"); }; fi`,
  ];
  return lines.join('\n');
}

/** The two halves of a batch's marker (hex, so they need no quoting). */
export type BatchMarker = readonly [string, string];

export function newMarker(): BatchMarker {
  const hex = randomBytes(16).toString('hex');
  return [hex.slice(0, 16), hex.slice(16)];
}

/** A label as one comment line: no newline or control character can end the comment early. */
function comment(label: string): string {
  return `# ${label.replace(/[\x00-\x1f\x7f]/g, ' ')}`;
}

const HEADER = 'probes in one round trip: each in a subshell or the shell itself, then its frame (runner/probe-batch.ts)';

/** The order a batch runs its parts in: the subshell parts first, then those declared `inBatchShell`. */
export function runOrder(parts: readonly Pick<BatchPart, 'inBatchShell'>[]): number[] {
  const indexes = parts.map((_, i) => i);
  return [...indexes.filter((i) => !parts[i]!.inBatchShell), ...indexes.filter((i) => parts[i]!.inBatchShell)];
}

export function batchScript(parts: readonly BatchPart[], marker: BatchMarker): string {
  const [a, b] = marker;
  const lines = [`# ${parts.length} ${HEADER}`];
  const statPaths = [...new Set(parts.flatMap((p) => (p.inBatchShell ? (p.statPaths ?? []) : [])))];
  let prologue = statPaths.length > 0;
  for (const i of runOrder(parts)) {
    const part = parts[i]!;
    // After the subshell parts (they never see its variables), before the first part in the shell.
    if (part.inBatchShell && prologue) (lines.push(statPrologue(statPaths)), (prologue = false));
    if (part.label !== undefined) lines.push(comment(part.label));
    const run = part.inBatchShell ? `eval ${quote(part.script)}` : `( eval ${quote(part.script)} )`;
    lines.push(`${run}; printf '\\n%s%s %d %d\\n' ${a} ${b} ${i} "$?"; printf '\\n%s%s %d\\n' ${a} ${b} ${i} >&2`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Splits a batch's output into each part's result, indexed as the parts were given; `parts` (or
 * their number, when all ran in subshells) says in which order they ran (runOrder). A part whose
 * frames are missing (the batch shell died, or was cut short) is undefined, and so is every part
 * that ran after it.
 */
export function splitBatch(result: Pick<ExecResult, 'stdoutBytes' | 'stderr'>, marker: BatchMarker, parts: number | readonly Pick<BatchPart, 'inBatchShell'>[]): (ExecResult | undefined)[] {
  const tag = marker[0] + marker[1];
  const order = typeof parts === 'number' ? Array.from({ length: parts }, (_, i) => i) : runOrder(parts);
  const out: (ExecResult | undefined)[] = order.map(() => undefined);
  const stdout = result.stdoutBytes;
  // stderr comes decoded (ExecResult): frames are ASCII, and a part's stderr is decoded the same way alone.
  const stderr = result.stderr;
  let at = 0;
  let errAt = 0;
  for (const i of order) {
    const needle = Buffer.from(`\n${tag} ${i} `, 'latin1');
    const frame = stdout.indexOf(needle, at);
    const errNeedle = `\n${tag} ${i}\n`;
    const errFrame = stderr.indexOf(errNeedle, errAt);
    if (frame < 0 || errFrame < 0) break;
    const statusEnd = stdout.indexOf(0x0a, frame + needle.length);
    if (statusEnd < 0) break;
    const status = stdout.toString('latin1', frame + needle.length, statusEnd);
    if (!/^\d+$/.test(status)) break;
    const bytes = Buffer.from(stdout.subarray(at, frame));
    out[i] = { rc: Number(status), stdout: bytes.toString('utf8'), stdoutBytes: bytes, stderr: stderr.slice(errAt, errFrame) };
    at = statusEnd + 1;
    errAt = errFrame + errNeedle.length;
  }
  return out;
}

const PART = /^(?:\( )?eval ('(?:[^']|'\\'')*'|[^\s']+)(?: \))?; printf '\\n%s%s %d %d\\n' ([0-9a-f]+) ([0-9a-f]+) (\d+) /gm;

/**
 * What a host would answer to a batch, each part's result given by `answer`: for simulated hosts
 * (bench/simulate.ts, the engine's unit-test fakes), which answer known probes rather than run sh.
 * Undefined when `script` is not a batch.
 */
export function answerBatch(script: string, answer: (part: string) => ExecResult): ExecResult | undefined {
  if (!script.startsWith('# ') || !script.split('\n', 1)[0]!.endsWith(HEADER)) return undefined;
  const out: Buffer[] = [];
  let stderr = '';
  // In the order they are written, which is the order they run.
  // Over the whole script: a part's quoted script spans lines.
  for (const m of script.matchAll(PART)) {
    const word = m[1]!;
    const r = answer(word.startsWith("'") ? word.slice(1, -1).replace(/'\\''/g, "'") : word);
    out.push(r.stdoutBytes, Buffer.from(`\n${m[2]}${m[3]} ${m[4]} ${r.rc}\n`));
    stderr += `${r.stderr}\n${m[2]}${m[3]} ${m[4]}\n`;
  }
  const stdoutBytes = Buffer.concat(out);
  return { rc: 0, stdout: stdoutBytes.toString('utf8'), stdoutBytes, stderr };
}
