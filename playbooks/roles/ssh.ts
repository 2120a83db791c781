/**
 * ssh: harden sshd. Each setting is one lineinfile that replaces the commented default or appends,
 * validated with `sshd -t` on the new file before it replaces the old one (a broken sshd_config
 * never lands, so the host stays reachable), and sshd reloads once at the end if anything changed.
 */
import { block, handler, task, type Items } from '../../runner/index.js';
import { lineinfile, service } from '../../modules/index.js';

export interface SshVars {
  /** sshd_config keyword → value, e.g. { PasswordAuthentication: 'no' }. */
  sshd: Record<string, string>;
}

export function ssh(v: SshVars): Items {
  // Items are the config lines themselves, so the output reads `(item=MaxAuthTries 3)`.
  const lines = Object.entries(v.sshd).map(([key, value]) => `${key} ${value}`);
  return [
    block({
      tags: ['ssh'],
      block: [
        task(
          'sshd settings',
          lineinfile((h) => {
            const line = String(h.item);
            const key = line.split(' ')[0]!;
            // The first `Key` or `#Key` line: Debian's file also has an indented example under a
            // commented-out Match block, which the last match (lineinfile's default) would pick.
            return { path: '/etc/ssh/sshd_config', regexp: `^#?${key}\\s`, firstmatch: true, line, validate: '/usr/sbin/sshd -t -f %s' };
          }),
          { loop: lines, notify: 'reload ssh' },
        ),
      ],
    }),
  ];
}

export const sshHandlers = [handler('reload ssh', service({ name: 'ssh', state: 'reloaded' }))];
