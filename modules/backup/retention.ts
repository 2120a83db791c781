/**
 * restic's `forget` policy as a pure function. Archives are sorted newest first; each rule walks
 * them and keeps an archive whenever its calendar period (hour, day, ISO week, month, year) differs
 * from the last one that rule kept, until it has kept n. So each rule keeps the newest archive in
 * each of the last n periods that have one, periods without archives do not count, and an archive
 * is kept if any rule keeps it. An empty policy (all rules 0 or absent) keeps everything, as restic
 * refuses to forget with no policy. Periods are taken in UTC (the archive names carry UTC times).
 */

export interface RetentionPolicy {
  /** Keep the n newest archives. @default 0 */
  keep_last?: number;
  /** Keep the newest archive of each of the last n hours that have one. @default 0 */
  keep_hourly?: number;
  /** Keep the newest archive of each of the last n days that have one. @default 0 */
  keep_daily?: number;
  /** Keep the newest archive of each of the last n ISO weeks (Monday to Sunday) that have one. @default 0 */
  keep_weekly?: number;
  /** Keep the newest archive of each of the last n months that have one. @default 0 */
  keep_monthly?: number;
  /** Keep the newest archive of each of the last n years that have one. @default 0 */
  keep_yearly?: number;
}

const count = { type: 'integer', minimum: 0, nullable: true } as const;

/** The policy's parameters in a module's JSON schema (backup's and backup_prune's). */
export const retentionSchemaProperties = {
  keep_last: count,
  keep_hourly: count,
  keep_daily: count,
  keep_weekly: count,
  keep_monthly: count,
  keep_yearly: count,
};

export interface Dated {
  name: string;
  time: Date;
}

export interface RetentionDecision<T extends Dated> {
  /** Newest first. */
  keep: T[];
  /** Newest first. */
  prune: T[];
}

/** ISO 8601 week as Go's time.ISOWeek (what restic uses): the week's year and number. */
export function isoWeek(t: Date): { year: number; week: number } {
  // The Thursday of t's week decides the week's year; weeks start on Monday.
  const day = (t.getUTCDay() + 6) % 7; // Monday = 0
  const thursday = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() - day + 3));
  const year = thursday.getUTCFullYear();
  const jan1 = Date.UTC(year, 0, 1);
  return { year, week: Math.floor((thursday.getTime() - jan1) / 86_400_000 / 7) + 1 };
}

type Bucket = (t: Date) => number;

const pad = (t: Date) => ({ y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate(), h: t.getUTCHours() });

/** Rules in restic's order, each with the period key it compares (restic's `y*100+m` style keys). */
const RULES: [keyof RetentionPolicy, Bucket][] = [
  ['keep_hourly', (t) => { const { y, m, d, h } = pad(t); return ((y * 100 + m) * 100 + d) * 100 + h; }],
  ['keep_daily', (t) => { const { y, m, d } = pad(t); return (y * 100 + m) * 100 + d; }],
  ['keep_weekly', (t) => { const w = isoWeek(t); return w.year * 100 + w.week; }],
  ['keep_monthly', (t) => { const { y, m } = pad(t); return y * 100 + m; }],
  ['keep_yearly', (t) => t.getUTCFullYear()],
];

export function isEmptyPolicy(p: RetentionPolicy): boolean {
  return !p.keep_last && RULES.every(([k]) => !p[k]);
}

export function applyRetention<T extends Dated>(archives: readonly T[], policy: RetentionPolicy): RetentionDecision<T> {
  // Newest first; the same second is ordered by name so the decision never depends on input order.
  const sorted = [...archives].sort((a, b) => b.time.getTime() - a.time.getTime() || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
  if (isEmptyPolicy(policy)) return { keep: sorted, prune: [] };
  const left = new Map<string, number>(RULES.map(([k]) => [k, policy[k] ?? 0]));
  const lastPeriod = new Map<string, number>();
  let lastLeft = policy.keep_last ?? 0;
  const keep: T[] = [];
  const prune: T[] = [];
  for (const a of sorted) {
    let kept = false;
    if (lastLeft > 0) {
      lastLeft--;
      kept = true;
    }
    for (const [rule, bucket] of RULES) {
      if ((left.get(rule) ?? 0) <= 0) continue;
      const period = bucket(a.time);
      if (period !== lastPeriod.get(rule)) {
        lastPeriod.set(rule, period);
        left.set(rule, (left.get(rule) ?? 0) - 1);
        kept = true;
      }
    }
    (kept ? keep : prune).push(a);
  }
  return { keep, prune };
}
