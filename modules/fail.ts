/**
 * fail: stop the host here with a message, as Ansible's fail action (usually with `when`).
 * Runs on the controller; nothing on the host changes.
 */
import type { JSONSchemaType } from 'ajv';
import { defineModule } from '../runner/module.js';
import { nothingToObserve } from './_lib/controller.js';

export interface FailParams {
  /** The failure message. @default 'Failed as requested from task' */
  msg?: string;
}

const schema: JSONSchemaType<FailParams> = {
  type: 'object',
  properties: { msg: { type: 'string', nullable: true, default: 'Failed as requested from task' } },
  required: [],
  additionalProperties: false,
};

export const fail = defineModule<FailParams, undefined>({
  name: 'fail',
  schema,
  gather: nothingToObserve,
  plan: (p) => ({ changed: false, actions: [], failed: p.msg ?? 'Failed as requested from task' }),
});
