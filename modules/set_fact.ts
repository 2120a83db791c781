/**
 * set_fact: give the host variables for the rest of the run, as Ansible's set_fact action.
 * The values are typed: the registered result's `ansible_facts` has the type of what was set,
 *
 *   const release = task('pick release', set_fact((h) => ({ release_dir: `/srv/app/${h.vars.version}`, keep: 3 })));
 *   task('old ones', command((h) => ({ cmd: `ls ${release.result(h)!.ansible_facts.release_dir}` })));
 *
 * and each key is also a host variable (`h.vars.release_dir`) for later tasks and plays, at
 * Ansible's set_fact precedence. Runs on the controller, also in check mode; never "changed".
 */
import type { JSONSchemaType } from 'ajv';
import { defineModule, type HostContext, type ModuleCall } from '../runner/module.js';
import type { TaskResult } from '../runner/module.types.js';
import { nothingToObserve } from './_lib/controller.js';

export type FactValues = Record<string, unknown>;

export interface SetFactResult<F extends FactValues> extends TaskResult {
  ansible_facts: F;
}

const schema = {
  type: 'object',
  // Ansible's isidentifier check on every key.
  propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
  minProperties: 1,
  required: [],
} as unknown as JSONSchemaType<FactValues>;

const setFactModule = defineModule<FactValues, undefined>({
  name: 'set_fact',
  setsFacts: true,
  schema,
  gather: nothingToObserve,
  plan: (facts) => ({ changed: false, actions: [], result: { ansible_facts: { ...facts } } }),
});

/** `set_fact({ name: value, ... })` or a function of the host returning them. */
export function set_fact<F extends FactValues>(facts: F | ((host: HostContext) => F)): ModuleCall<F, undefined, SetFactResult<F>> {
  return setFactModule(facts) as unknown as ModuleCall<F, undefined, SetFactResult<F>>;
}
Object.defineProperty(set_fact, 'name', { value: 'set_fact' });
