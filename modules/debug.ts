/**
 * debug: print a message or a variable, as Ansible's debug action. Runs on the controller (no
 * round trip) and never changes anything. The result asks to be shown without -v
 * (`_ansible_verbose_always`), so the text reporter prints `ok: [h] => {\n    "msg": "..."\n}`.
 *
 *   task('show port', debug((h) => ({ msg: `listening on ${h.vars.http_port}` })))
 *   task('show it all', debug({ var: 'hostvars.web1.http_port', verbosity: 1 }))
 */
import type { JSONSchemaType } from 'ajv';
import { defineModule } from '../runner/module.js';
import type { TaskResult } from '../runner/module.types.js';
import { lookupVar, nothingToObserve } from './_lib/controller.js';

export interface DebugParams {
  /** What to print: a string, or any JSON value (shown as JSON). Exclusive with `var`. @default 'Hello world!' */
  msg?: unknown;
  /** A variable name or path (`app.ports[0]`) to print, under its own name. Exclusive with `msg`. @default none */
  var?: string;
  /** Print only at this -v level or higher; below it the task is skipped. @default 0 */
  verbosity?: number;
}

const schema = {
  type: 'object',
  properties: {
    msg: {},
    var: { type: 'string', minLength: 1 },
    verbosity: { type: 'integer', minimum: 0, default: 0 },
  },
  required: [],
  additionalProperties: false,
} as unknown as JSONSchemaType<DebugParams>;

/** Ansible's text for a variable that does not exist. */
export const UNDEFINED_VARIABLE = 'VARIABLE IS NOT DEFINED!';

export const debug = defineModule<DebugParams, undefined, TaskResult>({
  name: 'debug',
  schema,
  check: (p) => ('msg' in p && p.var !== undefined ? [{ field: '', message: "'msg' and 'var' are incompatible options" }] : []),
  gather: nothingToObserve,
  plan(p, _state, ctx) {
    const current = Number(ctx.vars.ansible_verbosity ?? 0);
    if ((p.verbosity ?? 0) > current) {
      return { changed: false, actions: [], result: { skipped: true, skipped_reason: 'Verbosity threshold not met.' } };
    }
    let shown: Record<string, unknown>;
    if (p.var !== undefined) {
      const v = lookupVar(ctx.vars, p.var);
      let value: unknown;
      if (v.found) {
        // Ansible templates a path (`a.b`, `a[0]`) as text, so its numbers print as strings;
        // a bare variable name keeps its value's type.
        value = typeof v.value === 'number' && /[.[]/.test(p.var) ? String(v.value) : v.value;
      } else {
        // Jinja says the reason twice at -v (AnsibleUndefinedVariable's message and its cause).
        value = current > 0 ? `${UNDEFINED_VARIABLE}: ${v.reason}. ${v.reason}` : UNDEFINED_VARIABLE;
      }
      shown = { [p.var]: value };
    } else {
      shown = { msg: 'msg' in p ? p.msg : 'Hello world!' };
    }
    return { changed: false, actions: [], result: { ...shown, _ansible_verbose_always: true } };
  },
});
