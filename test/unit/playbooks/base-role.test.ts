/**
 * The base role's pure parts: the lockout guard that keeps the run's own login working, and the
 * files it renders (sshd drop-in, fail2ban jail).
 */
import { describe, expect, test } from 'vitest';
import { HARDENED_SSHD, keepsLoginWorking, renderJail, renderSshd } from '../../../playbooks/roles/base.js';

describe('keepsLoginWorking', () => {
  test('the hardened defaults keep root (with a key) and the deploy user in', () => {
    expect(keepsLoginWorking(HARDENED_SSHD, 'root')).toBe(true);
    expect(keepsLoginWorking(HARDENED_SSHD, 'deploy')).toBe(true);
  });
  test('settings that would shut out the account the run logs in as are caught, whatever the keyword case', () => {
    expect(keepsLoginWorking({ PermitRootLogin: 'no' }, 'root')).toBe(false);
    expect(keepsLoginWorking({ permitrootlogin: 'forced-commands-only' }, 'root')).toBe(false);
    expect(keepsLoginWorking({ PermitRootLogin: 'no' }, 'deploy')).toBe(true);
    expect(keepsLoginWorking({ AllowUsers: 'deploy ops' }, 'root')).toBe(false);
    expect(keepsLoginWorking({ AllowUsers: 'deploy root@10.0.0.*' }, 'root')).toBe(true);
    expect(keepsLoginWorking({ DenyUsers: 'root' }, 'root')).toBe(false);
    expect(keepsLoginWorking({ PubkeyAuthentication: 'no' }, 'deploy')).toBe(false);
  });
});

test('the sshd drop-in and the fail2ban jail', () => {
  expect(renderSshd({ PermitRootLogin: 'prohibit-password', MaxAuthTries: '3' })).toBe(
    '# sshd settings of playbooks/roles/base.ts (Hostwright); edit the playbook, not this file.\nPermitRootLogin prohibit-password\nMaxAuthTries 3\n',
  );
  const jail = renderJail({ maxretry: 4, ignoreip: ['10.0.0.0/8'] });
  expect(jail).toContain('[sshd]\nenabled = true\nbackend = systemd\nmaxretry = 4\nfindtime = 10m\nbantime = 1h\n');
  expect(jail).toContain('ignoreip = 127.0.0.1/8 ::1 10.0.0.0/8\n');
});
