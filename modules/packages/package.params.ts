/** package's parameters: what validates a call without loading the module's code (package.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition } from '../../runner/module.js';
import { aptIssues } from './apt.params.js';
import { dnfIssues } from './dnf.params.js';

export interface PackageParams {
  /** Package names (with a version: `nginx=1.22*` for apt, `nginx-1.22*` for dnf). */
  name: string | string[];
  /** @default 'present' */
  state?: 'present' | 'absent' | 'latest';
  /** The package manager; 'auto' picks it from facts.pkg_mgr. @default 'auto' */
  use?: 'auto' | 'apt' | 'dnf';
}

export const schema: JSONSchemaType<PackageParams> = {
  type: 'object',
  properties: {
    name: { type: ['string', 'array'], items: { type: 'string', minLength: 1 } } as never,
    state: { type: 'string', enum: ['present', 'absent', 'latest'], nullable: true, default: 'present' },
    use: { type: 'string', enum: ['auto', 'apt', 'dnf'], nullable: true, default: 'auto' },
  },
  required: ['name'],
  additionalProperties: false,
};

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const packageDefinition: ModuleDefinition<PackageParams> = {
  name: 'package',
  schema,
  // Names must suit both backends' syntax; the backend's own checks run on the host's choice.
  check: (p) => (aptIssues({ name: p.name, ...(p.state ? { state: p.state } : {}) }).length === 0 ? [] : dnfIssues({ name: p.name, ...(p.state ? { state: p.state } : {}) })),
};
