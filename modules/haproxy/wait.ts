/**
 * The `wait` of the haproxy module as an action: `script` exits 0 once the condition holds; it is
 * tried every wait_interval seconds, wait_retries times, and the task fails after the last try.
 */
import type { Action } from '../../runner/module.types.js';
import { sh } from '../../runner/shell.js';

export interface WaitParams {
  /** @default 5 */
  wait_interval?: number;
  /** @default 25 */
  wait_retries?: number;
}

export function waitAction(script: string, describe: string, p: WaitParams): Action {
  const interval = p.wait_interval ?? 5;
  const retries = p.wait_retries ?? 25;
  // A bounded loop on the host: `retries` tries, `interval` seconds apart; the last failure fails.
  const loop = [
    sh`i=0; n=${retries}`,
    `while :; do`,
    `  if ( ${script}
  ); then exit 0; fi`,
    `  i=$((i + 1)); [ "$i" -lt "$n" ] || break`,
    sh`  sleep ${String(interval)}`,
    `done`,
    sh`echo ${`${describe}: not reached after ${retries} tries, ${interval} s apart`} >&2; exit 1`,
  ].join('\n');
  return { kind: 'run', script: loop, describe };
}
