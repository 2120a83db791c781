/** HAProxy: the configuration file as typed data (haproxy_config) and the runtime API (haproxy). */
export { haproxy, type HaproxyParams } from './runtime.js';
export { haproxy_config, type HaproxyConfigParams } from './config.js';
export type * from './config.types.js';
