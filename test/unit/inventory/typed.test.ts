import { describe, expect, it } from 'vitest';
import { defineInventory, typedVars, type InventoryVars } from '../../../runner/inventory/index.js';

const inventory = defineInventory({
  all: {
    vars: { ntp: 'pool.ntp.org' },
    children: { web: { hosts: { web1: { http_port: 8080 } }, vars: { proxy: true } } },
  },
});

type Vars = InventoryVars<typeof inventory>;

describe('typed inventories', () => {
  it('types the variables a playbook reads', () => {
    const vars = typedVars(inventory, { ntp: 'pool.ntp.org', http_port: 8080, inventory_hostname: 'web1', group_names: ['web'], groups: {}, inventory_hostname_short: 'web1' });
    const ntp: string = vars.ntp;
    const port: number | undefined = vars.http_port;
    // @ts-expect-error a variable no group or host defines is a type error
    const typo = vars.htp_port;
    // @ts-expect-error http_port is a number, not a string
    const wrong: string | undefined = vars.http_port;
    expect([ntp, port, typo, wrong]).toEqual(['pool.ntp.org', 8080, undefined, 8080]);
  });
  it('keeps variables set only on some hosts optional', () => {
    const optional: Vars['proxy'] = undefined;
    expect(optional).toBeUndefined();
  });
});
