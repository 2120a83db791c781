import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { applyRetention, isoWeek, type RetentionPolicy } from '../../../modules/backup/retention.js';

const at = (iso: string) => ({ name: new Date(iso).toISOString(), time: new Date(iso) });
const names = (xs: { name: string }[]) => xs.map((x) => x.name);
const kept = (archives: { name: string; time: Date }[], policy: RetentionPolicy) => names(applyRetention(archives, policy).keep).sort();

/** One archive a night at 02:00 UTC from `from` to `to` inclusive. */
function nightly(from: string, to: string) {
  const out = [];
  for (let t = Date.parse(`${from}T02:00:00Z`); t <= Date.parse(`${to}T02:00:00Z`); t += 86_400_000) out.push(at(new Date(t).toISOString()));
  return out;
}

describe('retention (restic forget semantics)', () => {
  test('ISO weeks agree with GNU date (%G-%V) on every day of 2020-2027, and year edges are right', () => {
    const days = nightly('2020-01-01', '2027-12-31').map((a) => a.time);
    const gnu = execFileSync('date', ['-u', '-f', '-', '+%G %V'], { input: days.map((d) => d.toISOString()).join('\n') + '\n' }).toString().trim().split('\n');
    expect(days.map((d) => { const w = isoWeek(d); return `${w.year} ${String(w.week).padStart(2, '0')}`; })).toEqual(gnu);
    expect(isoWeek(new Date('2021-01-03T12:00:00Z'))).toEqual({ year: 2020, week: 53 });
    expect(isoWeek(new Date('2024-12-30T00:00:00Z'))).toEqual({ year: 2025, week: 1 });
    expect(isoWeek(new Date('2027-01-01T23:59:59Z'))).toEqual({ year: 2026, week: 53 });
  });

  test('an empty policy (absent or all zero) removes nothing', () => {
    const all = nightly('2026-01-01', '2026-01-10');
    expect(applyRetention(all, {}).prune).toEqual([]);
    expect(applyRetention(all, { keep_last: 0, keep_daily: 0 }).prune).toEqual([]);
    expect(applyRetention(all, {}).keep).toHaveLength(10);
  });

  test('keep_last keeps the n newest whatever the input order; the rest is pruned', () => {
    const all = nightly('2026-01-01', '2026-01-06').reverse();
    const d = applyRetention(all, { keep_last: 2 });
    expect(names(d.keep)).toEqual(['2026-01-06T02:00:00.000Z', '2026-01-05T02:00:00.000Z']);
    expect(d.prune).toHaveLength(4);
  });

  test('each rule keeps the newest of a period; periods without archives do not count', () => {
    const all = [at('2026-03-01T01:00:00Z'), at('2026-03-01T23:00:00Z'), at('2026-03-02T05:00:00Z'), at('2026-03-05T05:00:00Z'), at('2026-03-05T06:00:00Z')];
    // Three days have archives (1st, 2nd, 5th): the gap of the 3rd and 4th is skipped.
    expect(kept(all, { keep_daily: 3 })).toEqual(['2026-03-01T23:00:00.000Z', '2026-03-02T05:00:00.000Z', '2026-03-05T06:00:00.000Z']);
    expect(kept(all, { keep_hourly: 2 })).toEqual(['2026-03-05T05:00:00.000Z', '2026-03-05T06:00:00.000Z']);
    expect(kept(all, { keep_yearly: 5 })).toEqual(['2026-03-05T06:00:00.000Z']);
  });

  test('weeks run Monday to Sunday (ISO): a Sunday and the next Monday are two weeks', () => {
    // 2026-11-29 is a Sunday, 2026-11-30 a Monday.
    const all = [at('2026-11-28T02:00:00Z'), at('2026-11-29T02:00:00Z'), at('2026-11-30T02:00:00Z')];
    expect(kept(all, { keep_weekly: 2 })).toEqual(['2026-11-29T02:00:00.000Z', '2026-11-30T02:00:00.000Z']);
  });

  test('an archive is kept if any rule keeps it (union, not sum)', () => {
    const all = nightly('2026-01-25', '2026-02-03');
    // last 2 = Feb 2, 3; monthly 2 = Feb 3 (again) and Jan 31.
    expect(kept(all, { keep_last: 2, keep_monthly: 2 })).toEqual(['2026-01-31T02:00:00.000Z', '2026-02-02T02:00:00.000Z', '2026-02-03T02:00:00.000Z']);
  });

  test('seed 001 over 14 months of nightly archives: 7 nights, 13 weeks, 12 months', () => {
    const all = nightly('2025-10-01', '2026-12-05'); // ends on a Saturday
    const d = applyRetention(all, { keep_daily: 7, keep_weekly: 13, keep_monthly: 12 });
    const day = (s: string) => `${s}T02:00:00.000Z`;
    const daily = ['2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05'];
    // Newest of each of the 13 newest ISO weeks: this week's Saturday, then 12 Sundays back.
    const weekly = ['2026-12-05', '2026-11-29', '2026-11-22', '2026-11-15', '2026-11-08', '2026-11-01', '2026-10-25', '2026-10-18', '2026-10-11', '2026-10-04', '2026-09-27', '2026-09-20', '2026-09-13'];
    // Newest of each of the 12 newest months: today, then each month's last day back to January.
    const monthly = ['2026-12-05', '2026-11-30', '2026-10-31', '2026-09-30', '2026-08-31', '2026-07-31', '2026-06-30', '2026-05-31', '2026-04-30', '2026-03-31', '2026-02-28', '2026-01-31'];
    const expected = [...new Set([...daily, ...weekly, ...monthly])].sort().map(day);
    expect(expected).toHaveLength(28);
    expect(names(d.keep).sort()).toEqual(expected);
    expect(d.keep.length + d.prune.length).toBe(all.length);
    // Everything of 2025 goes: the 12 months reach back to January 2026 only.
    expect(d.keep.some((a) => a.name.startsWith('2025'))).toBe(false);
  });

  test('two archives in the same second are ordered by name, so the decision is stable', () => {
    const a = { name: 'job-20260101T000000Z-aaa.tar.gz', time: new Date('2026-01-01T00:00:00Z') };
    const b = { name: 'job-20260101T000000Z-bbb.tar.gz', time: new Date('2026-01-01T00:00:00Z') };
    expect(names(applyRetention([a, b], { keep_last: 1 }).keep)).toEqual([b.name]);
    expect(names(applyRetention([b, a], { keep_last: 1 }).keep)).toEqual([b.name]);
  });
});
