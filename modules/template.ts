/**
 * template: a file rendered on the controller, per host, by a TypeScript function of the host's
 * vars and facts (a template literal is the natural body), then written like copy.
 *
 *   template({ dest: '/etc/haproxy/haproxy.cfg', validate: 'haproxy -c -f %s',
 *              render: (h) => `frontend main\n  bind ${h.vars.listen}\n` })
 *
 * Why it is shaped this way: a function cannot be described by a JSON schema, and rendering needs
 * the host. So `template()` holds `render` aside and returns a ModuleCall in the per-host function
 * form; the executor calls it for each host, which yields the serializable params
 * (`{ dest, content, mode, ... }`) the schema validates. The rest of the params are still checked
 * when the playbook loads (validated with a placeholder content), so a bad field is a load-time
 * error with file:line like any other module's.
 */
import type { JSONSchemaType } from 'ajv';
import { defineModule, stringOrSecretSchema, type HostContext, type ModuleCall } from '../runner/module.js';
import { isSecret, type Secret } from '../runner/secret.js';
import { attrIssues, fileAttrSchema, type FileAttrParams } from './_lib/attrs.js';
import { planContentFile } from './_lib/contentfile.js';
import { overlayGathered } from './_lib/predicted.js';
import { gatherTarget, sha1, type TargetGathered } from './_lib/target.js';

interface TemplateCommon extends FileAttrParams {
  /** Remote absolute path of the rendered file. */
  dest: string;
  /** Keep the old file as `dest.<pid>.<timestamp>~`. @default false */
  backup?: boolean;
  /** Replace the file when its content differs; false: only create it when absent. @default true */
  force?: boolean;
  /** Command run on the new file before it replaces dest; `%s` is the file's path. @default none */
  validate?: string;
  /** A symlink at dest: write its target. false: replace the link with the file (Ansible's default). @default false */
  follow?: boolean;
}

export interface TemplateParams extends TemplateCommon {
  /** The file's content for a host: a function of the host (vars, facts, item) or a fixed string.
   * Returning a Secret masks the diff. */
  render: string | ((host: HostContext) => string | Secret<string>);
}

/** What the schema validates: the params with `render` evaluated for one host. */
export interface RenderedTemplateParams extends TemplateCommon {
  /** The rendered content. */
  content: string | Secret<string>;
}

const schema: JSONSchemaType<RenderedTemplateParams> = {
  type: 'object',
  properties: {
    dest: { type: 'string', minLength: 1 },
    // JSONSchemaType cannot express `string | Secret`; stringOrSecretSchema checks both.
    content: stringOrSecretSchema as never,
    backup: { type: 'boolean', nullable: true, default: false },
    force: { type: 'boolean', nullable: true, default: true },
    validate: { type: 'string', nullable: true, pattern: '%s' },
    follow: { type: 'boolean', nullable: true, default: false },
    ...fileAttrSchema,
  },
  required: ['dest', 'content'],
  additionalProperties: false,
};

export type TemplateState = TargetGathered;

const renderedTemplate = defineModule<RenderedTemplateParams, TemplateState>({
  name: 'template',
  probeAhead: true,
  schema,
  check: (p) => [
    ...attrIssues(p),
    ...(p.dest.endsWith('/') ? [{ field: 'dest', message: 'must name a file, not a directory' }] : []),
  ],
  gather: (p, probe) => gatherTarget(probe, { path: p.dest, ...(p.follow ? { followLink: true } : {}) }, p, p.dest),
  overlay: (state, predicted, p) => overlayGathered(state, predicted, { path: p.dest, ...(p.follow ? { followLink: true } : {}) }, p),
  plan(p, state) {
    if (state.problem || !state.target) return { changed: false, actions: [], failed: state.problem ?? 'no state' };
    const content = Buffer.from(isSecret(p.content) ? (p.content.reveal() as string) : p.content);
    return planContentFile(p, state.target, {
      content,
      secret: isSecret(p.content),
      afterHeader: state.target.path,
      makeParents: false,
      result: { checksum: sha1(content), size: content.length },
    });
  },
});

export function template(params: TemplateParams): ModuleCall<RenderedTemplateParams, TemplateState> {
  const { render, ...rest } = params;
  const call = renderedTemplate((host) => ({ ...rest, content: typeof render === 'function' ? render(host) : render }));
  const renderOk = typeof render === 'function' || typeof render === 'string';
  const issues = renderOk
    ? call.validate({ ...rest, content: '' })
    : [{ field: 'render', message: 'must be a function of the host or a string' }];
  return { ...call, issues };
}
Object.defineProperty(template, 'name', { value: 'template' });
