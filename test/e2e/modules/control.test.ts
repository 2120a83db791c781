/**
 * debug, set_fact, assert, fail and pause on a lab host, compared with ansible-playbook on the same
 * host (json callback): what each task registers (msg, the variable shown, ansible_facts, assertion
 * results, failures), in a real run and in check mode (these act in check mode too). The text
 * output is compared byte for byte in test/compat/control-output.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { assert, debug, fail, pause, set_fact } from '../../../modules/index.js';
import { labHosts } from '../../lab/testing.js';
import { ansibleResults, ourResults, pick, type ParityCase } from './play-parity.js';

const c = (name: string, module: string, args: Record<string, unknown>, ours: ParityCase['ours'], ignore = false): ParityCase => ({ name, ansible: { module, args }, ours, ignore_errors: ignore });

const cases: ParityCase[] = [
  c('hello', 'debug', {}, debug({})),
  c('a message', 'debug', { msg: 'deploying' }, debug({ msg: 'deploying' })),
  c('a structured message', 'debug', { msg: { a: [1, 'x'] } }, debug({ msg: { a: [1, 'x'] } })),
  c('facts', 'set_fact', { release: '2.1', keep: 3, flags: { tls: true } }, set_fact({ release: '2.1', keep: 3, flags: { tls: true } })),
  c('a fact', 'debug', { var: 'release' }, debug({ var: 'release' })),
  c('a fact path', 'debug', { var: 'flags.tls' }, debug({ var: 'flags.tls' })),
  c('an inventory variable', 'debug', { var: 'ansible_host' }, debug({ var: 'ansible_host' })),
  c('undefined', 'debug', { var: 'nothing' }, debug({ var: 'nothing' })),
  c('verbose only', 'debug', { msg: 'x', verbosity: 2 }, debug({ msg: 'x', verbosity: 2 })),
  c('holds', 'assert', { that: ['keep == 3', "release == '2.1'"] }, assert({ that: [(h) => h.vars.keep === 3, (h) => h.vars.release === '2.1'] })),
  c('holds quietly', 'assert', { that: 'keep == 3', quiet: true, success_msg: 'fine' }, assert({ that: (h) => h.vars.keep === 3, quiet: true, success_msg: 'fine' })),
  c('breaks', 'assert', { that: ['keep == 3', 'keep > 5'], fail_msg: 'too few' }, assert({ that: [(h) => h.vars.keep === 3, (h) => Number(h.vars.keep) > 5], fail_msg: 'too few' }), true),
  c('stop', 'fail', {}, fail({}), true),
  c('stop with words', 'fail', { msg: 'giving up' }, fail({ msg: 'giving up' }), true),
  c('a second', 'pause', { seconds: 1 }, pause({ seconds: 1 })),
];
const KEYS = ['changed', 'failed', 'skipped', 'msg', 'ansible_facts', 'release', 'flags.tls', 'ansible_host', 'nothing', 'evaluated_to', 'skipped_reason', 'user_input', 'echo', 'rc'];

describe('control modules on a lab host, compared with ansible-playbook', () => {
  for (const check of [false, true]) {
    test(`${cases.length} tasks${check ? ' in check mode' : ''}: the same registered results`, async () => {
      const host = labHosts('plain')[0]!;
      const [theirs, ours] = [await ansibleResults(host.name, cases, check), await ourResults(host.name, cases, check)];
      expect(theirs[1]!.msg).toBe('deploying');
      cases.forEach((k, i) => expect(pick(ours[i], KEYS), k.name).toEqual(pick(theirs[i], KEYS)));
      expect(ours[6]!.ansible_host).toBe(host.address);
      expect(typeof ours[11]!.assertion).toBe('string');
      expect(ours[14]!.delta).toBeGreaterThanOrEqual(1);
      expect(ours[14]!.stdout).toMatch(/^Paused for 1\.\d+ seconds$/);
    });
  }
});
