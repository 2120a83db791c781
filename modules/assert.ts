/**
 * assert: check conditions about the host, as Ansible's assert action. Conditions are functions
 * of the host (vars, facts, earlier results) instead of Jinja expressions:
 *
 *   task('port is sane', assert({ that: [(h) => Number(h.vars.http_port) > 1024], fail_msg: 'port too low' }))
 *
 * Like template, `assert()` holds the functions aside (a JSON schema cannot describe them) and
 * returns the per-host form of a module call: for each host the conditions are evaluated in order
 * up to the first false one, and the schema checks the evaluated params. A failure reports the
 * condition's source text as `assertion` (Ansible reports the Jinja text) and `evaluated_to: false`.
 */
import type { JSONSchemaType } from 'ajv';
import { defineModule, type HostContext, type ModuleCall, type ParamIssue } from '../runner/module.js';
import { nothingToObserve } from './_lib/controller.js';

export type Condition = (host: HostContext) => boolean;

interface AssertMessages {
  /** Message when a condition is false (Ansible also calls it `msg`). @default 'Assertion failed' */
  fail_msg?: string | string[];
  /** Message when every condition holds. @default 'All assertions passed' */
  success_msg?: string | string[];
  /** Do not show the result unless it fails or -v. @default false */
  quiet?: boolean;
}

export interface AssertParams extends AssertMessages {
  /** The conditions, all of which must hold. */
  that: Condition | readonly Condition[];
}

/** What the schema validates: `that` evaluated for one host. */
export interface EvaluatedAssertParams extends AssertMessages {
  /** The first condition that was false, as source text; absent when all held. */
  failed_assertion?: string;
}

const message = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };
const schema = {
  type: 'object',
  properties: {
    fail_msg: message,
    success_msg: message,
    quiet: { type: 'boolean', default: false },
    failed_assertion: { type: 'string' },
  },
  required: [],
  additionalProperties: false,
} as unknown as JSONSchemaType<EvaluatedAssertParams>;

const evaluatedAssert = defineModule<EvaluatedAssertParams, undefined>({
  name: 'assert',
  schema,
  gather: nothingToObserve,
  plan(p) {
    // Ansible shows the result without -v unless quiet; failures are always shown.
    const shown = p.quiet ? {} : { _ansible_verbose_always: true };
    if (p.failed_assertion !== undefined) {
      return {
        changed: false,
        actions: [],
        failed: [p.fail_msg ?? 'Assertion failed'].flat().join('\n'),
        result: { ...shown, assertion: p.failed_assertion, evaluated_to: false, msg: p.fail_msg ?? 'Assertion failed' },
      };
    }
    return { changed: false, actions: [], result: { ...shown, msg: p.success_msg ?? 'All assertions passed' } };
  },
});

function thatIssues(that: unknown): ParamIssue[] {
  const list = Array.isArray(that) ? that : [that];
  if (that === undefined) return [{ field: 'that', message: 'is required' }];
  if (list.length === 0 || !list.every((c) => typeof c === 'function')) {
    return [{ field: 'that', message: 'must be a function of the host, or a non-empty list of them' }];
  }
  return [];
}

export function assert(params: AssertParams): ModuleCall<EvaluatedAssertParams, undefined> {
  const { that, ...messages } = params;
  const conditions: readonly Condition[] = Array.isArray(that) ? that : [that as Condition];
  const call = evaluatedAssert((host) => {
    const failed = conditions.find((c) => !c(host));
    return { ...messages, ...(failed ? { failed_assertion: String(failed) } : {}) };
  });
  return { ...call, issues: [...thatIssues(that), ...call.validate(messages)] };
}
Object.defineProperty(assert, 'name', { value: 'assert' });
