/**
 * runner/ansible-settings.data.ts (the names of every setting ansible-core knows, which decide
 * whether Hostwright calls an ANSIBLE_* variable or an ansible.cfg key unknown or just unused) is
 * what the installed ansible-core's `ansible-config list -t all` gives.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ANSIBLE_ENV_VARS, ANSIBLE_INI_KEYS } from '../../runner/ansible-settings.data.js';
import { SETTINGS, CALLBACK_SETTINGS } from '../../runner/ansible-cfg.js';
import { ansibleSettingNames, DATA_FILE, dataFileText } from './ansible-settings.js';

describe('the list of Ansible settings', () => {
  it('is the installed ansible-core\'s own list (regenerate: npx tsx test/compat/ansible-settings.ts --write)', () => {
    const names = ansibleSettingNames();
    expect(names.version).toBe('2.14');
    expect(readFileSync(DATA_FILE, 'utf8')).toBe(dataFileText(names));
  });

  it('holds every setting Hostwright honours, plugin options and all', () => {
    for (const def of [...SETTINGS, ...CALLBACK_SETTINGS]) {
      expect(ANSIBLE_INI_KEYS).toContain(`${def.section}.${def.key}`);
      for (const name of def.env.filter((n) => n.startsWith('ANSIBLE_'))) expect(ANSIBLE_ENV_VARS).toContain(name);
    }
    expect(ANSIBLE_ENV_VARS).toContain('ANSIBLE_PIPELINING');
    expect(ANSIBLE_INI_KEYS).toContain('ssh_connection.pipelining');
  });
});
