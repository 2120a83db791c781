/**
 * Role variables that may differ per host. A role takes `PerHost<Vars>`: a value written in the
 * playbook, or a function of the host that reads its inventory variables (group_vars), so one role
 * serves a playbook with constants and one driven by an Ansible inventory alike.
 */
import type { HostContext } from '../../runner/index.js';

export type PerHost<T> = T | ((h: HostContext) => T);

/** The value for one host. */
export const perHost = <T>(v: PerHost<T>): ((h: HostContext) => T) => (typeof v === 'function' ? (v as (h: HostContext) => T) : () => v);
