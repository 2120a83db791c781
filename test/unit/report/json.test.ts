import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../runner/events.js';
import { JsonReporter } from '../../../runner/report/json.js';

describe('--json reporter', () => {
  it('writes each event as-is, one JSON object per line', async () => {
    let out = '';
    const r = new JsonReporter({ stdout: { write: (s: string) => (out += s) } });
    const events: RunEvent[] = [
      { type: 'play_start', name: 'p', hosts: ['a'], pattern: 'all' },
      { type: 'host_result', host: 'a', task: 't', status: 'ok', result: { changed: false, failed: false, stdout: 'line1\nline2' } },
      { type: 'recap', stats: { a: { ok: 1, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 } } },
    ];
    for (const e of events) r.emit(e);
    await r.close();
    const lines = out.split('\n');
    expect(lines.at(-1)).toBe('');
    const parsed = lines.slice(0, -1).map((l) => JSON.parse(l) as Record<string, unknown>);
    // Each line is the event plus when it was written; the recap adds the run's elapsed time.
    expect(parsed.map(({ time: _t, elapsedMs: _e, ...event }) => event)).toEqual(events);
    const times = parsed.map((p) => Date.parse(String(p.time)));
    for (const [i, t] of times.entries()) {
      expect(Number.isNaN(t)).toBe(false);
      if (i > 0) expect(t).toBeGreaterThanOrEqual(times[i - 1]!);
    }
    expect(parsed[0]!.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(parsed[2]!.elapsedMs).toEqual(expect.any(Number));
    expect(parsed[2]!.elapsedMs as number).toBeGreaterThanOrEqual(0);
    expect(parsed[1]).not.toHaveProperty('elapsedMs');
  });
});
