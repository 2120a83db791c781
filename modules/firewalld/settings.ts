/**
 * firewalld_settings: firewalld's own settings that no zone holds: LogDenied (logging of the
 * packets zones reject or drop, seed 000's "logging for dropped packets") and the default zone.
 * With the daemon: `firewall-cmd --set-log-denied` / `--set-default-zone`, which change the running
 * firewall and firewalld.conf together. Without it: firewalld.conf is rewritten atomically, its
 * other lines untouched. The default zone goes through the same SSH lockout guard as zone changes.
 */
import { defineModule } from '../../runner/module.js';
import type { Action, Plan } from '../../runner/module.types.js';
import { sh } from '../../runner/shell.js';
import { lockoutReason } from './lockout.js';
import { overlayFirewalld, settingsEffect } from './predict.js';
import { gatherFirewalld, type FirewalldState } from './probe.js';
import { firewalldSettingsDefinition, type LogDenied, type FirewalldSettingsParams } from './settings.params.js';

export type { LogDenied, FirewalldSettingsParams } from './settings.params.js';

/** firewalld.conf with `key=value` set: the existing line replaced in place, else appended. */
export function withConfValue(conf: string, key: string, value: string): string {
  const line = new RegExp(`^\\s*${key}\\s*=.*$`, 'm');
  if (line.test(conf)) return conf.replace(line, `${key}=${value}`);
  return `${conf}${conf === '' || conf.endsWith('\n') ? '' : '\n'}${key}=${value}\n`;
}

export function planFirewalldSettings(p: FirewalldSettingsParams, s: FirewalldState): Plan {
  const fail = (msg: string): Plan => ({ changed: false, actions: [], failed: msg });
  if (!s.installed) return fail('firewalld is not installed on this host (neither firewall-cmd nor firewall-offline-cmd was found)');
  if (s.problem) return fail(s.problem);
  const actions: Action[] = [];
  const before: string[] = [];
  const after: string[] = [];
  let conf = s.conf;
  if (p.default_zone !== undefined && p.default_zone !== s.defaultZone) {
    if (!(p.default_zone in s.permanent)) return fail(`zone '${p.default_zone}' does not exist`);
    if (s.ssh && !p.allow_ssh_lockout) {
      const zones = s.running ? { ...s.permanent, ...s.runtime } : s.permanent;
      const reason = lockoutReason(s.running ? 'runtime' : 'permanent', { zones, defaultZone: s.defaultZone }, { zones, defaultZone: p.default_zone }, s.ssh, s.sshServicePorts);
      if (reason) return fail(`refused: ${reason}`);
    }
    before.push(`DefaultZone=${s.defaultZone}`);
    after.push(`DefaultZone=${p.default_zone}`);
    if (s.running) actions.push({ kind: 'run', script: sh`firewall-cmd --set-default-zone=${p.default_zone}` });
    conf = withConfValue(conf, 'DefaultZone', p.default_zone);
  }
  if (p.log_denied !== undefined && p.log_denied !== s.logDenied) {
    before.push(`LogDenied=${s.logDenied}`);
    after.push(`LogDenied=${p.log_denied}`);
    if (s.running) actions.push({ kind: 'run', script: sh`firewall-cmd --set-log-denied=${p.log_denied}` });
    conf = withConfValue(conf, 'LogDenied', p.log_denied);
  }
  if (!s.running && conf !== s.conf) actions.push({ kind: 'write', path: '/etc/firewalld/firewalld.conf', content: conf });
  return {
    changed: actions.length > 0,
    actions,
    ...(before.length > 0 ? { diffs: [{ before: before.join('\n') + '\n', after: after.join('\n') + '\n', before_header: 'firewalld settings', after_header: 'firewalld settings' }] } : {}),
    summary: actions.length > 0 ? `set ${after.join(', ')}` : 'firewalld settings as wanted',
    result: { default_zone: p.default_zone ?? s.defaultZone, log_denied: p.log_denied ?? s.logDenied, backend: s.running ? 'firewall-cmd' : 'firewalld.conf' },
    effects: [
      settingsEffect({
        defaultZone: p.default_zone ?? s.defaultZone,
        permanentDefaultZone: p.default_zone ?? s.permanentDefaultZone,
        logDenied: p.log_denied ?? s.logDenied,
        conf,
      }),
    ],
  };
}

export const firewalld_settings = defineModule<FirewalldSettingsParams, FirewalldState>({
  ...firewalldSettingsDefinition,
  gather: (p, probe) => gatherFirewalld(probe, p.default_zone),
  plan: (p, s) => planFirewalldSettings(p, s),
  overlay: (s, predicted, p) => overlayFirewalld(s, predicted, p.default_zone),
});
