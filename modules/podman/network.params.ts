/** podman_network's parameters: what validates a call without loading the module's code (network.ts). */
import type { JSONSchemaType } from 'ajv';
import type { ModuleDefinition } from '../../runner/module.js';

export interface PodmanNetworkParams {
  name: string;
  /** @default 'present' */
  state?: 'present' | 'absent';
  /** @default 'bridge' */
  driver?: string;
  /** A subnet in CIDR form. @default podman picks a free one (not compared) */
  subnet?: string;
  /** @default the subnet's first address (not compared when unset) */
  gateway?: string;
  /** No route out of the network. @default false */
  internal?: boolean;
  /**
   * No DNS server for the network's containers (names of other containers do not resolve).
   * @default podman's (DNS when aardvark-dns is installed; not compared when unset)
   */
  disable_dns?: boolean;
  /** @default false */
  ipv6?: boolean;
  /** @default none */
  label?: Record<string, string>;
}

export const schema: JSONSchemaType<PodmanNetworkParams> = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, pattern: '^[a-zA-Z0-9][a-zA-Z0-9_.-]*$' },
    state: { type: 'string', enum: ['present', 'absent'], nullable: true, default: 'present' },
    driver: { type: 'string', nullable: true },
    subnet: { type: 'string', nullable: true },
    gateway: { type: 'string', nullable: true },
    internal: { type: 'boolean', nullable: true },
    disable_dns: { type: 'boolean', nullable: true },
    ipv6: { type: 'boolean', nullable: true },
    label: { type: 'object', additionalProperties: { type: 'string' }, required: [], nullable: true },
  },
  required: ['name'],
  additionalProperties: false,
};

/** What validates a call without loading the module's probe and plan code (modules/index.ts). */
export const podmanNetworkDefinition: ModuleDefinition<PodmanNetworkParams> = { name: 'podman_network', schema };
