/** dnf's parameters: what validates a call without loading the module's code (dnf.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../../runner/module.js';

export interface DnfParams {
  /** Package specs: names or name-version globs (`nginx-1.22*`). */
  name?: string | string[];
  /** @default 'present' */
  state?: 'present' | 'absent' | 'latest';
  /** Refresh the metadata first (dnf makecache). @default false */
  update_cache?: boolean;
  /** Remove dependencies nothing needs any more. @default false */
  autoremove?: boolean;
  /** Install weak dependencies (Recommends). @default true */
  install_weak_deps?: boolean;
}

export const schema: JSONSchemaType<DnfParams> = {
  type: 'object',
  properties: {
    name: { type: ['string', 'array'], nullable: true, items: { type: 'string', minLength: 1 } } as never,
    state: { type: 'string', enum: ['present', 'absent', 'latest'], nullable: true, default: 'present' },
    update_cache: { type: 'boolean', nullable: true, default: false },
    autoremove: { type: 'boolean', nullable: true, default: false },
    install_weak_deps: { type: 'boolean', nullable: true, default: true },
  },
  required: [],
  additionalProperties: false,
};

export const SPEC = /^[A-Za-z0-9_.+*?[\]-]+(:[A-Za-z0-9_.*+~^-]+)?$/;

export function dnfIssues(p: DnfParams): ParamIssue[] {
  const names = dnfNames(p.name);
  const bad = names.find((n) => !SPEC.test(n));
  if (bad) return [{ field: 'name', message: `'${bad}' is not a valid package spec` }];
  if (names.length === 0 && !p.update_cache && !p.autoremove) return [{ field: 'name', message: 'one of the following is required: name, update_cache, autoremove' }];
  return [];
}

export function dnfNames(name: DnfParams['name']): string[] {
  if (name === undefined) return [];
  return (Array.isArray(name) ? name : [name]).map((n) => n.trim()).filter(Boolean);
}

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const dnfDefinition: ModuleDefinition<DnfParams> = { name: 'dnf', schema, check: dnfIssues };
