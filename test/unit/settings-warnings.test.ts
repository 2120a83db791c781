import { describe, expect, it } from 'vitest';
import { loadAnsibleConfig } from '../../runner/ansible-cfg.js';
import { settingsWarnings, unusedSettings } from '../../runner/settings-warnings.js';

const config = (cfg: string | undefined) =>
  loadAnsibleConfig({ cwd: '/p', env: {}, readFile: (f) => (f === '/p/ansible.cfg' ? cfg : undefined) });

describe('settings Hostwright does not use', () => {
  it('tells Ansible settings it does not use from names no Ansible setting has', () => {
    const c = config('[defaults]\nforks = 3\ngathering = explicit\nforsk = 2\n[ssh_connection]\npipelining = True\n[galaxy_server.mine]\nurl = https://x\n[callback_profile_tasks]\nsort_order = none\n');
    const env = {
      ANSIBLE_FORKS: '4', // honoured
      ANSIBLE_CONFIG: '/p/ansible.cfg', // read, no setting
      ANSIBLE_DISPLAY_OK_HOSTS: 'no', // honoured (the default callback's option)
      ANSIBLE_PIPELINING: '1', // the ssh plugin's option
      ANSIBLE_STDOUT_CALLBACK: 'yaml',
      ANSIBLE_GALAXY_SERVER_MINE_URL: 'https://x',
      ANSIBLE_FROKS: '9',
      ANSIBLE_NOTHING_LIKE_IT: '1',
      ANSIBLE_EMPTY_TYPO: '', // empty: not read
      NOT_ANSIBLE: 'x',
    };
    expect(unusedSettings(c, env)).toEqual({
      ansibleFile: ['defaults.gathering', 'ssh_connection.pipelining', 'galaxy_server.mine.url'],
      ansibleEnv: ['ANSIBLE_PIPELINING', 'ANSIBLE_STDOUT_CALLBACK'],
      unknownFile: ['defaults.forsk', 'callback_profile_tasks.sort_order'],
      unknownEnv: ['ANSIBLE_FROKS', 'ANSIBLE_NOTHING_LIKE_IT'],
    });
    expect(settingsWarnings(c, env)).toEqual([
      'Unknown settings, ignored (no setting of ansible-core 2.14 has these names): ANSIBLE_FROKS (did you mean ANSIBLE_FORKS?), ANSIBLE_NOTHING_LIKE_IT, ' +
        'defaults.forsk (did you mean defaults.forks?) in /p/ansible.cfg, callback_profile_tasks.sort_order in /p/ansible.cfg',
      'Hostwright does not use these settings of /p/ansible.cfg, ignored: defaults.gathering, ssh_connection.pipelining, galaxy_server.mine.url; ' +
        'nor these from the environment: ANSIBLE_PIPELINING, ANSIBLE_STDOUT_CALLBACK',
    ]);
  });

  it('one line per kind, none when everything is used', () => {
    expect(settingsWarnings(config(undefined), { ANSIBLE_SSH_ARGS: '-o X=y' })).toEqual([
      'Hostwright does not use these Ansible settings from the environment, ignored: ANSIBLE_SSH_ARGS',
    ]);
    expect(settingsWarnings(config('[defaults]\nforks = 3\n'), { ANSIBLE_TIMEOUT: '3', ANSIBLE_DISPLAY_SKIPPED_HOSTS: 'no' })).toEqual([]);
    expect(settingsWarnings(config(undefined), { ANSIBLE_TIMEOTU: '3' })).toEqual([
      'Unknown settings, ignored (no setting of ansible-core 2.14 has these names): ANSIBLE_TIMEOTU (did you mean ANSIBLE_TIMEOUT?)',
    ]);
  });
});
