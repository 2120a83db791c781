/**
 * A secret registered for the run never reaches the output of any reporter, at any verbosity,
 * wherever it hides in an event: messages, stdout/stderr of a result, diffs, item labels, task
 * and play names, warnings, verbose lines, JSON-escaped.
 */
import { describe, expect, it } from 'vitest';
import type { Reporter, RunEvent } from '../../../runner/events.js';
import { Masker } from '../../../runner/mask.js';
import { JsonReporter } from '../../../runner/report/json.js';
import { ProgressReporter } from '../../../runner/report/progress.js';
import { createStyle } from '../../../runner/report/style.js';
import { TextReporter } from '../../../runner/report/text.js';
import { secret } from '../../../runner/secret.js';

const PASSWORD = 'Tr0ub4dor"&3';
const VAULT = 'vault-db-password-42';
/** A multi-line secret (a key): colors are reopened at each line break, which must not split it. */
const KEY = '-----BEGIN KEY-----\nMIIEpAIBAAKCAQEA\n-----END KEY-----';

function leakyEvents(): RunEvent[] {
  return [
    { type: 'playbook_start', file: `/pb/${VAULT}.ts`, check: false, diff: true },
    { type: 'play_start', name: `deploy with ${VAULT}`, hosts: ['h1', 'h2'], pattern: 'all' },
    { type: 'task_start', name: `login ${PASSWORD}`, kind: 'task', location: `pb.ts:3 ${VAULT}` },
    { type: 'verbose', level: 4, host: 'h1', message: `sudo -S <<< ${PASSWORD}` },
    {
      type: 'host_result', host: 'h1', task: `login ${PASSWORD}`, status: 'failed', item: VAULT,
      result: { changed: false, failed: true, msg: `bad password ${PASSWORD}`, stderr: `sudo: ${PASSWORD}`, invocation: { password: PASSWORD } },
    },
    {
      type: 'host_result', host: 'h2', task: `login ${PASSWORD}`, status: 'changed',
      result: { changed: true, failed: false, stdout: VAULT, diff: [{ before: PASSWORD, after: VAULT }] },
      diffs: [{ before: `password=${PASSWORD}\n`, after: `password=${VAULT}\n`, before_header: '/etc/app.conf', after_header: '/etc/app.conf' }],
    },
    { type: 'host_result', host: 'h2', task: `login ${PASSWORD}`, status: 'unreachable', result: { changed: false, failed: false, msg: `ssh: ${VAULT}` } },
    { type: 'warning', message: `the value ${PASSWORD} looks weak` },
    { type: 'host_result', host: 'h1', task: `login ${PASSWORD}`, status: 'failed', result: { changed: false, failed: true, msg: `bad key:\n${KEY}` } },
    { type: 'verbose', level: 1, message: `key is\n${KEY}\nend` },
    { type: 'play_abort', reason: VAULT },
    { type: 'recap', stats: { h1: { ok: 0, changed: 0, unreachable: 0, failed: 1, skipped: 0, rescued: 0, ignored: 0 } } },
  ];
}

function masker(): Masker {
  return new Masker().add(secret(PASSWORD)).add(VAULT).add(secret(KEY));
}

function sink(tty = false): NodeJS.WriteStream & { text: () => string } {
  let text = '';
  return { write: (s: string) => ((text += s), true), isTTY: tty, columns: 100, rows: 40, text: () => text } as unknown as NodeJS.WriteStream & {
    text: () => string;
  };
}

async function feed(reporter: Reporter): Promise<void> {
  for (const e of leakyEvents()) reporter.emit(e);
  await reporter.close();
}

function expectClean(output: string): void {
  expect(output.length).toBeGreaterThan(100);
  expect(output).toContain('********');
  expect(output).not.toContain(PASSWORD);
  expect(output).not.toContain(VAULT);
  expect(output).not.toContain(JSON.stringify(PASSWORD).slice(1, -1));
  expect(output).not.toContain('Tr0ub4dor');
  expect(output).not.toContain('MIIEpAIBAAKCAQEA');
}

describe('secrets never reach the output', () => {
  for (const verbosity of [0, 1, 2, 3, 4]) {
    for (const color of [false, true]) {
      it(`text reporter, -v×${verbosity}, colors ${color ? 'on' : 'off'}`, async () => {
        const out = sink();
        const err = sink();
        await feed(new TextReporter({ verbosity, stdout: out, stderr: err, masker: masker(), style: createStyle(color ? 1 : 0) }));
        expectClean(out.text() + err.text());
      });
    }
  }

  it('json reporter', async () => {
    const out = sink();
    await feed(new JsonReporter({ stdout: out, masker: masker() }));
    expectClean(out.text());
    // Still one valid JSON object per line.
    for (const line of out.text().trimEnd().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('live view (and what it prints after)', async () => {
    const out = sink(true);
    const err = sink(true);
    await feed(new ProgressReporter({ verbosity: 4, stdout: out, stderr: err, masker: masker() }));
    expectClean(out.text() + err.text());
  });
});
