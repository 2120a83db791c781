/** user's parameters: what validates a call without loading the module's code (user.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition, ParamIssue } from '../runner/module.js';

export interface UserParams {
  name: string;
  /** @default 'present' */
  state?: 'present' | 'absent';
  /** @default chosen by useradd (unchanged for an existing user) */
  uid?: number;
  /** Allow a uid another user has (-o). @default false */
  non_unique?: boolean;
  /** Primary group (name or gid); it must exist. @default useradd's (a group named like the user) */
  group?: string;
  /** Supplementary groups; each must exist. `[]` removes all (unless append). @default unchanged */
  groups?: string[] | string;
  /** Add `groups` to the user's groups instead of setting exactly them. @default false */
  append?: boolean;
  /** @default unchanged */
  shell?: string;
  /** @default useradd's (/home/NAME) */
  home?: string;
  /** Create the home directory (from /etc/skel) when missing. @default true */
  create_home?: boolean;
  /** With a changed `home`: move the old home's content there (usermod -m). @default false */
  move_home?: boolean;
  /** A system account (useradd -r). Only used when creating. @default false */
  system?: boolean;
  /** The GECOS field. @default unchanged */
  comment?: string;
  /** A crypt(3) hash (e.g. from `mkpasswd -m sha-512`), never a clear text password. @default unchanged */
  password?: string;
  /** Lock (true) or unlock (false) the password. @default unchanged */
  password_lock?: boolean;
  /** Account expiry in seconds since the epoch; a negative number removes it. @default unchanged */
  expires?: number;
  /** state=absent: also remove the home directory and mail spool (userdel -r). @default false */
  remove?: boolean;
  /** state=absent: userdel -f. @default false */
  force?: boolean;
}

export const schema: JSONSchemaType<UserParams> = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, pattern: '^[^:\\s,]+$' },
    state: { type: 'string', enum: ['present', 'absent'], nullable: true, default: 'present' },
    uid: { type: 'integer', nullable: true, minimum: 0 },
    non_unique: { type: 'boolean', nullable: true, default: false },
    group: { type: 'string', nullable: true, minLength: 1 },
    groups: { type: ['array', 'string'], nullable: true, items: { type: 'string' } } as never,
    append: { type: 'boolean', nullable: true, default: false },
    shell: { type: 'string', nullable: true },
    home: { type: 'string', nullable: true, pattern: '^/' },
    create_home: { type: 'boolean', nullable: true, default: true },
    move_home: { type: 'boolean', nullable: true, default: false },
    system: { type: 'boolean', nullable: true, default: false },
    comment: { type: 'string', nullable: true, pattern: '^[^:\\n]*$' },
    password: { type: 'string', nullable: true, pattern: '^[^:\\n]*$' },
    password_lock: { type: 'boolean', nullable: true },
    expires: { type: 'number', nullable: true },
    remove: { type: 'boolean', nullable: true, default: false },
    force: { type: 'boolean', nullable: true, default: false },
  },
  required: ['name'],
  additionalProperties: false,
};

export function check(p: UserParams): ParamIssue[] {
  // A clear text password would be stored as the hash itself: refuse what cannot be a crypt hash.
  if (p.password !== undefined && p.password !== '' && !/^!?(\$[^$]+\$|[*!]|[./0-9A-Za-z]{13}$)/.test(p.password)) {
    return [{ field: 'password', message: 'must be a crypt(3) hash (e.g. $6$salt$...), not a clear text password' }];
  }
  return [];
}

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const userDefinition: ModuleDefinition<UserParams> = { name: 'user', probeAhead: true, schema, check, secretParams: ['password'] };
