/**
 * The scheduled run's retention (POSIX awk, run here with the machine's awk, as the host runs its
 * own) must prune exactly what applyRetention prunes: random series over 3 years, random policies.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { applyRetention, type RetentionPolicy } from '../../../modules/backup/retention.js';
import { backupCronScript, RETENTION_AWK } from '../../../modules/backup/schedule.js';
import { archiveName } from '../../../modules/backup/series.js';

/** A deterministic generator (mulberry32), so a failure names a reproducible seed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const stamp = (t: Date) => t.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

describe('scheduled backups', () => {
  test('the awk retention agrees with applyRetention on 40 random series and policies (ISO weeks across year ends included)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hw-retention-'));
    for (let seed = 1; seed <= 40; seed++) {
      const rnd = random(seed);
      const start = Date.UTC(2024, 11, 20);
      const archives = Array.from({ length: 30 + Math.floor(rnd() * 150) }, (_, i) => {
        const time = new Date(start - Math.floor(rnd() * 3 * 365 * 86_400_000));
        return { name: archiveName('job', stamp(time), `${i}`.padStart(10, '0'), rnd() < 0.5 ? 'gzip' : 'zstd', rnd() < 0.2), time };
      });
      const n = () => (rnd() < 0.3 ? 0 : Math.floor(rnd() * 15));
      const policy: RetentionPolicy = { keep_last: n(), keep_hourly: n(), keep_daily: n(), keep_weekly: n(), keep_monthly: n(), keep_yearly: n() };
      const input = archives.map((a) => `${stamp(a.time)} ${a.name}`).sort().reverse().join('\n') + '\n';
      const vars = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'].flatMap((k) => ['-v', `${k}=${policy[`keep_${k}` as keyof RetentionPolicy] ?? 0}`]);
      // From a file, as awk may stop reading early (an empty policy exits in BEGIN).
      const file = path.join(dir, `series-${seed}`);
      writeFileSync(file, input);
      const awk = execFileSync('awk', [...vars, RETENTION_AWK, file], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
      const expected = applyRetention(archives, policy).prune.map((a) => a.name).sort();
      expect(awk, `seed ${seed} ${JSON.stringify(policy)}`).toEqual(expected);
    }
    rmSync(dir, { recursive: true });
  });

  test('the script: a name drawn on the host per run, zstd when the host has it else gzip, one log line, the run\'s exit status', () => {
    const s = backupCronScript({ job: 'site', paths: ['/srv/app'], keep_daily: 7 }, { log: '/var/log/hw.log' });
    expect(s.startsWith('#!/bin/sh\n')).toBe(true);
    expect(s).toContain(`n=site-"$(date -u +%Y%m%dT%H%M%SZ)-$(od -An -tx1 -N5 /dev/urandom | tr -d ' \\n')".tar.zst`);
    expect(s).toContain(`n=site-"$(date -u +%Y%m%dT%H%M%SZ)-$(od -An -tx1 -N5 /dev/urandom | tr -d ' \\n')".tar.gz`);
    expect(s.indexOf('if command -v zstd')).toBeLessThan(s.indexOf('.tar.zst'));
    expect(s).toContain('-v last=0 -v hourly=0 -v daily=7 -v weekly=0');
    expect(s).toContain('>> "$log"');
    expect(s.trimEnd().endsWith('exit $rc')).toBe(true);
    expect(() => backupCronScript({ job: 'x', paths: ['/a'], copy_to_controller: '/c' }, { log: '/l' })).toThrow(/copy_to_controller needs a Hostwright run/);
  });
});
