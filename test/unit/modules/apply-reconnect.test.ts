/**
 * runner/apply.ts's ReconnectAction (reboot) on a scripted connection: the trigger's connection
 * dropping is success, new connections until the boot id changed and the test passes, timeouts and
 * failures with the module's words. The real thing (a systemd lab host rebooting) is in
 * test/e2e/modules/reboot.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { applyActions } from '../../../runner/apply.js';
import type { Connection, ExecResult } from '../../../runner/connection/types.js';
import { UnreachableError } from '../../../runner/errors.js';
import type { ReconnectAction } from '../../../runner/module.types.js';

const exec = (rc: number, stdout = '', stderr = ''): ExecResult => ({ rc, stdout, stderr, stdoutBytes: Buffer.from(stdout) });

/** A host whose commands answer from `answer`; `reconnect` counts and may fail the first few times. */
function host(answer: (script: string, generation: number) => ExecResult | Error, failConnects = 0): Connection & { connects: number; sent: string[] } {
  let generation = 0;
  const c = {
    host: 'h1',
    connects: 0,
    sent: [] as string[],
    async exec(script: string): Promise<ExecResult> {
      c.sent.push(script);
      const r = answer(script, generation);
      if (r instanceof Error) throw r;
      return r;
    },
    async close(): Promise<void> {},
    async reconnect(): Promise<void> {
      c.connects++;
      if (c.connects <= failConnects) throw new UnreachableError('h1', 'connection refused');
      generation++;
    },
  };
  return c;
}

const action = (o: Partial<ReconnectAction> = {}): ReconnectAction => ({
  kind: 'reconnect',
  trigger: 'shutdown -r 0',
  triggerFailed: (out, err) => `Reboot command failed. Error was: '${out}, ${err}'`,
  ready: 'check-boot-id',
  readyDescribe: 'last boot time check',
  test: 'whoami',
  testDescribe: 'post-reboot test command',
  timeoutMs: 10_000,
  timedOut: (what) => `Timed out waiting for ${what} (timeout=10)`,
  ...o,
});

describe('ReconnectAction', () => {
  it('a trigger that drops the connection, refused connections, then the new boot and the test', async () => {
    let readyCalls = 0;
    const h = host((script) => {
      if (script === 'shutdown -r 0') return new UnreachableError('h1', 'ssh connection to h1 lost');
      if (script === 'check-boot-id') return exec(++readyCalls >= 2 ? 0 : 1);
      return exec(0, 'root');
    }, 1);
    const out = await applyActions(h, [action()]);
    expect(out).toEqual({ ok: true, result: { rebooted: true, elapsed: expect.any(Number) } });
    // One refused connection, then one that stays open for the second ready check and the test.
    expect(h.connects).toBe(2);
    expect(h.sent).toEqual(['shutdown -r 0', 'check-boot-id', 'check-boot-id', 'whoami']);
  }, 20_000);

  it('a trigger that fails is the module\'s failure, nothing waited for', async () => {
    const h = host((script) => (script === 'shutdown -r 0' ? exec(1, '', 'shutdown: not allowed') : exec(0)));
    const out = await applyActions(h, [action()]);
    expect(out).toMatchObject({ ok: false, msg: "Reboot command failed. Error was: ', shutdown: not allowed'", result: { rebooted: false } });
    expect(h.connects).toBe(0);
  });

  it('a boot id that never changes times out with the module\'s message', async () => {
    const h = host((script) => exec(script === 'check-boot-id' ? 1 : 0));
    const started = Date.now();
    const out = await applyActions(h, [action({ timeoutMs: 1500 })]);
    expect(out).toMatchObject({ ok: false, msg: 'Timed out waiting for last boot time check (timeout=10)', result: { rebooted: true } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  });

  it('a connection that cannot reconnect is refused before anything runs', async () => {
    const sent: string[] = [];
    const bare: Connection = { host: 'h1', exec: async (s) => (sent.push(s), exec(0)), close: async () => undefined };
    const out = await applyActions(bare, [action()]);
    expect(out).toMatchObject({ ok: false, msg: 'h1: this connection cannot reconnect, so the host cannot be waited for after a restart' });
    expect(sent).toEqual([]);
  });
});
