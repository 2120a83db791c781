/**
 * HAProxy: the configuration file as typed data (haproxy_config) and the runtime API (haproxy).
 * Lazy modules (runner/module.ts): validated from their `.params.ts` definitions, their code
 * imported when a run uses them.
 */
import { lazyModule } from '../../runner/module.js';
import { haproxyConfigDefinition } from './config.params.js';
import { haproxyDefinition } from './runtime.params.js';

export const haproxy: typeof import('./runtime.js').haproxy = lazyModule(haproxyDefinition, import.meta.url, './runtime.js', 'haproxy');
export const haproxy_config: typeof import('./config.js').haproxy_config = lazyModule(haproxyConfigDefinition, import.meta.url, './config.js', 'haproxy_config');
export type { HaproxyParams } from './runtime.params.js';
export type { HaproxyConfigParams } from './config.params.js';
export type * from './config.types.js';
