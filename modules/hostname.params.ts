/** hostname's parameters: what validates a call without loading the module's code (hostname.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../runner/module.js';

/** Ansible's `use` choices; only the ones Debian needs are implemented (check() says so for the rest). */
export const STRATEGIES = ['alpine', 'debian', 'freebsd', 'generic', 'macos', 'macosx', 'darwin', 'openbsd', 'openrc', 'redhat', 'sles', 'solaris', 'systemd'] as const;

export interface HostnameParams {
  /** The name (a FQDN that does not resolve on the host makes the fqdn lookup wait for DNS). */
  name: string;
  /** The strategy: 'systemd' (also Ansible's 'debian') through hostnamectl; unset: systemd when it runs, else /etc/hostname on Debian. @default auto */
  use?: (typeof STRATEGIES)[number];
}

export const schema: JSONSchemaType<HostnameParams> = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1 },
    use: { type: 'string', enum: [...STRATEGIES], nullable: true },
  },
  required: ['name'],
  additionalProperties: false,
};

export function check(p: HostnameParams): ParamIssue[] {
  if (p.use !== undefined && p.use !== 'systemd' && p.use !== 'debian') {
    return [{ field: 'use', message: `'${p.use}' is not implemented: use 'systemd' (or 'debian', Ansible's name for the same), or leave it out` }];
  }
  return [];
}

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const hostnameDefinition: ModuleDefinition<HostnameParams> = { name: 'hostname', probeAhead: true, setsFacts: true, schema, check };
