/**
 * The `wait` of the haproxy module as the runner's WaitAction: `script` exits 0 once the condition
 * holds; the host retries it every wait_interval seconds until wait_interval × wait_retries have
 * passed (community.general's parameters, its timeout), then the task fails naming what it awaited.
 */
import type { WaitAction } from '../../runner/module.types.js';

export interface WaitParams {
  /** @default 5 */
  wait_interval?: number;
  /** @default 25 */
  wait_retries?: number;
}

export function waitAction(script: string, describe: string, p: WaitParams): WaitAction {
  const intervalMs = (p.wait_interval ?? 5) * 1000;
  return { kind: 'wait', script, describe, intervalMs, timeoutMs: intervalMs * (p.wait_retries ?? 25) };
}
