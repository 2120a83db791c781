/**
 * base: what every host of the stack gets first (seed 000, steps 1 and 10). The packages of the
 * stack in one apt transaction, the timezone, a deploy user with sudo and SSH keys, sshd hardened
 * without locking the run out, unattended security updates, and fail2ban guarding SSH.
 *
 * Configuration goes in BEFORE the packages that read it (fail2ban's jail, apt's periodic
 * settings): the services start with it the first time dpkg starts them, and a check run on a
 * fresh host can predict every step, since the directories exist when the files are written.
 */
import { block, handler, task, type HostContext, type Items } from '../../runner/index.js';
import { apt, assert, authorized_key, command, copy, file, service, timezone, user } from '../../modules/index.js';
import { perHost, type PerHost } from './per-host.js';

export interface Fail2banVars {
  /** Failed logins before a ban. @default 5 */
  maxretry?: number;
  /** How long a ban lasts (fail2ban's time syntax). @default '1h' */
  bantime?: string;
  /** The window in which failures are counted. @default '10m' */
  findtime?: string;
  /** Addresses never banned (the controller's, monitoring). @default [] */
  ignoreip?: string[];
  /** Where fail2ban reads sshd's log: `systemd` (the journal; Debian 12 has no auth.log without rsyslog) or `auto`. @default 'systemd' */
  backend?: 'systemd' | 'auto';
}

export interface BaseVars {
  /** Packages the stack needs (podman, haproxy, git ...): installed in the same transaction as the role's own. @default [] */
  packages?: string[];
  /** IANA timezone, e.g. `Europe/Berlin`. @default 'Etc/UTC' */
  timezone?: string;
  /** The account deployments log in as. */
  deployUser: string;
  /** Its SSH public keys (added; keys already there stay). */
  deployKeys: string[];
  /** Its sudo rule (sudoers syntax after the user name). @default 'ALL=(ALL:ALL) NOPASSWD: ALL' */
  deploySudo?: string;
  /** sshd settings written to a drop-in (they win over sshd_config's own, which Debian includes first). @default HARDENED_SSHD */
  sshd?: Record<string, string>;
  fail2ban?: Fail2banVars;
  /** /etc/containers/containers.conf, written before podman is installed (`[containers]\\ncgroups = "disabled"`). @default podman's own (no file) */
  containersConf?: string;
}

/** Keys only, no root password logins, few tries, idle sessions dropped, no forwarding of X11. */
export const HARDENED_SSHD: Readonly<Record<string, string>> = {
  PermitRootLogin: 'prohibit-password',
  PasswordAuthentication: 'no',
  KbdInteractiveAuthentication: 'no',
  PermitEmptyPasswords: 'no',
  X11Forwarding: 'no',
  MaxAuthTries: '3',
  LoginGraceTime: '30',
  ClientAliveInterval: '300',
  ClientAliveCountMax: '2',
};

/** What the role installs for itself, beside the stack's packages. */
const OWN_PACKAGES = ['sudo', 'tzdata', 'openssh-server', 'unattended-upgrades', 'fail2ban', 'python3-systemd'];

export const SSHD_DROP_IN = '/etc/ssh/sshd_config.d/50-hostwright.conf';
export const FAIL2BAN_JAIL = '/etc/fail2ban/jail.d/50-hostwright-sshd.local';

/** The account this run logs in as: it must still get in once sshd takes the new settings. */
const loginUser = (h: HostContext): string => {
  const u = h.vars['ansible_user'] ?? h.vars['ansible_ssh_user'];
  return typeof u === 'string' ? u : 'root';
};

/** Whether the sshd settings still let `login` in with a key (the run's own access). */
export function keepsLoginWorking(sshd: Readonly<Record<string, string>>, login: string): boolean {
  const get = (k: string) => Object.entries(sshd).find(([key]) => key.toLowerCase() === k.toLowerCase())?.[1]?.trim();
  if (login === 'root' && ['no', 'forced-commands-only'].includes(get('PermitRootLogin') ?? '')) return false;
  if (get('PubkeyAuthentication') === 'no') return false;
  const allow = get('AllowUsers');
  if (allow !== undefined && !allow.split(/\s+/).some((p) => p === login || p.startsWith(`${login}@`))) return false;
  const deny = get('DenyUsers');
  if (deny !== undefined && deny.split(/\s+/).includes(login)) return false;
  return true;
}

export function renderSshd(sshd: Readonly<Record<string, string>>): string {
  return ['# sshd settings of playbooks/roles/base.ts (Hostwright); edit the playbook, not this file.', ...Object.entries(sshd).map(([k, v]) => `${k} ${v}`), ''].join('\n');
}

export function renderJail(f: Fail2banVars): string {
  return [
    '# fail2ban for SSH, from playbooks/roles/base.ts (Hostwright).',
    '[sshd]',
    'enabled = true',
    `backend = ${f.backend ?? 'systemd'}`,
    `maxretry = ${f.maxretry ?? 5}`,
    `findtime = ${f.findtime ?? '10m'}`,
    `bantime = ${f.bantime ?? '1h'}`,
    `ignoreip = ${['127.0.0.1/8', '::1', ...(f.ignoreip ?? [])].join(' ')}`,
    '',
  ].join('\n');
}

/** Security updates only (50unattended-upgrades' default origins), daily, with a daily list refresh. */
export const AUTO_UPGRADES = 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\nAPT::Periodic::AutocleanInterval "7";\n';

export function base(vars: PerHost<BaseVars>): Items {
  const v = perHost(vars);
  const sshd = (h: HostContext) => v(h).sshd ?? HARDENED_SSHD;
  const tz = (h: HostContext) => v(h).timezone ?? 'Etc/UTC';
  return [
    block({
      tags: ['base'],
      block: [
        task(
          "the run's own login survives the sshd settings",
          assert({
            that: (h) => keepsLoginWorking(sshd(h), loginUser(h)),
            fail_msg: 'the sshd settings would lock out the account this run logs in as (PermitRootLogin, AllowUsers, DenyUsers, PubkeyAuthentication): change them or log in as the deploy user',
            quiet: true,
          }),
        ),
        task('fail2ban jail directory', file({ path: '/etc/fail2ban/jail.d', state: 'directory', mode: '0755' })),
        task('fail2ban guards SSH', copy((h) => ({ dest: FAIL2BAN_JAIL, content: renderJail(v(h).fail2ban ?? {}), mode: '0644' })), { notify: 'restart fail2ban' }),
        task('containers configuration directory', file({ path: '/etc/containers', state: 'directory', mode: '0755' }), { when: (h) => v(h).containersConf !== undefined }),
        task('containers configuration', copy((h) => ({ dest: '/etc/containers/containers.conf', content: v(h).containersConf ?? '', mode: '0644' })), {
          when: (h) => v(h).containersConf !== undefined,
        }),
        task('unattended security updates', copy({ dest: '/etc/apt/apt.conf.d/20auto-upgrades', content: AUTO_UPGRADES, mode: '0644' })),
        task(
          'packages',
          apt((h) => ({ name: [...new Set([...OWN_PACKAGES, ...(v(h).packages ?? [])])], state: 'present', update_cache: true, cache_valid_time: 3600, install_recommends: false })),
        ),
        task('timezone', timezone((h) => ({ name: tz(h) }))),
        task('deploy user', user((h) => ({ name: v(h).deployUser, shell: '/bin/bash', groups: ['sudo'], append: true, create_home: true }))),
        task('deploy SSH keys', authorized_key((h) => ({ user: v(h).deployUser, key: v(h).deployKeys.join('\n') }))),
        task(
          'deploy may sudo',
          copy((h) => ({
            dest: `/etc/sudoers.d/${v(h).deployUser}`,
            content: `# From playbooks/roles/base.ts (Hostwright).\n${v(h).deployUser} ${v(h).deploySudo ?? 'ALL=(ALL:ALL) NOPASSWD: ALL'}\n`,
            mode: '0440',
            owner: 'root',
            group: 'root',
            validate: '/usr/sbin/visudo -cf %s',
          })),
        ),
        task('sshd hardened', copy((h) => ({ dest: SSHD_DROP_IN, content: renderSshd(sshd(h)), mode: '0644', validate: '/usr/sbin/sshd -t -f %s' })), { notify: 'reload ssh' }),
      ],
    }),
  ];
}

export const baseHandlers = [
  handler('reload ssh', service({ name: 'ssh', state: 'reloaded' })),
  // dpkg starts fail2ban when it installs it, so on a fresh host the service only exists once the
  // packages task ran: a command, which check mode reports as "would run" instead of looking for it.
  handler('restart fail2ban', command({ argv: ['service', 'fail2ban', 'restart'] })),
];
