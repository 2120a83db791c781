/** mount's parameters: what validates a call without loading the module's code (mount.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../runner/module.js';

export type MountState = 'mounted' | 'unmounted' | 'present' | 'absent' | 'absent_from_fstab' | 'remounted' | 'ephemeral';

export interface MountParams {
  /** The mount point (absolute). */
  path: string;
  /** What to mount: a device, `UUID=...`, a directory (bind), `tmpfs`. Required for mounted, present, ephemeral. @default none */
  src?: string;
  /** Filesystem type. Required for mounted, present, ephemeral. @default none */
  fstype?: string;
  /** Mount options. @default 'defaults' */
  opts?: string;
  /** fstab's dump field. @default '0' */
  dump?: string;
  /** fstab's pass field. @default '0' */
  passno?: string;
  state: MountState;
  /** The fstab file. @default '/etc/fstab' */
  fstab?: string;
  /** Mount at boot; false adds `noauto` to opts (unless opts has `defaults`). @default true */
  boot?: boolean;
  /** Keep the old fstab as `fstab.<pid>.<timestamp>~`. @default false */
  backup?: boolean;
}

export const schema = {
  type: 'object',
  properties: {
    path: { type: 'string', pattern: '^/' },
    src: { type: 'string', minLength: 1, nullable: true },
    fstype: { type: 'string', minLength: 1, nullable: true },
    opts: { type: 'string', minLength: 1, nullable: true },
    dump: { type: 'string', pattern: '^[0-9]+$', default: '0' },
    passno: { type: 'string', pattern: '^[0-9]+$', default: '0' },
    state: { type: 'string', enum: ['mounted', 'unmounted', 'present', 'absent', 'absent_from_fstab', 'remounted', 'ephemeral'] },
    fstab: { type: 'string', pattern: '^/', default: '/etc/fstab' },
    boot: { type: 'boolean', default: true },
    backup: { type: 'boolean', default: false },
  },
  required: ['path', 'state'],
  additionalProperties: false,
} as unknown as JSONSchemaType<MountParams>;

export function checkParams(p: MountParams): ParamIssue[] {
  if (['mounted', 'present', 'ephemeral'].includes(p.state)) {
    const missing = (['src', 'fstype'] as const).filter((k) => p[k] === undefined);
    if (missing.length) return [{ field: missing[0]!, message: `state is ${p.state} but all of the following are missing: ${missing.join(', ')}` }];
  }
  return [];
}

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const mountDefinition: ModuleDefinition<MountParams> = { name: 'mount', probeAhead: true, schema, check: checkParams };
