import { describe, expect, it } from 'vitest';
import { configuredTimeoutSeconds, iniValue } from '../../runner/ansible-cfg.js';
import { parseCli } from '../../runner/cli.js';
import { keepaliveIntervalMs } from '../../runner/connection/ssh-client.js';

const files = (map: Record<string, string>) => (f: string) => map[f];

describe('connection timeout from the configuration', () => {
  it('reads [defaults] timeout as configparser does, the last value winning, comments ignored', () => {
    expect(iniValue('[defaults]\ntimeout = 7 ; seven\n[ssh_connection]\ntimeout=99\n', 'defaults', 'timeout')).toBe('7');
    expect(iniValue('[defaults]\nTimeout: 3\ntimeout = 4\n', 'defaults', 'timeout')).toBe('4');
    expect(iniValue('[ssh_connection]\ntimeout=99\n', 'defaults', 'timeout')).toBeUndefined();
  });
  it('ANSIBLE_TIMEOUT beats ansible.cfg; the first ansible.cfg found is the only one read', () => {
    const readFile = files({ '/p/ansible.cfg': '[defaults]\ntimeout = 3\n', '/etc/ansible/ansible.cfg': '[defaults]\ntimeout = 30\n' });
    expect(configuredTimeoutSeconds({ cwd: '/p', env: {}, readFile })).toBe(3);
    expect(configuredTimeoutSeconds({ cwd: '/p', env: { ANSIBLE_TIMEOUT: '5' }, readFile })).toBe(5);
    expect(configuredTimeoutSeconds({ cwd: '/elsewhere', env: { HOME: '/nohome' }, readFile })).toBe(30);
    expect(configuredTimeoutSeconds({ cwd: '/p', env: { ANSIBLE_CONFIG: '/none.cfg' }, readFile: files({ '/none.cfg': '[defaults]\n' }) })).toBe(10);
  });
  it('refuses a timeout that is not a whole number of seconds', () => {
    expect(() => configuredTimeoutSeconds({ cwd: '/p', env: { ANSIBLE_TIMEOUT: 'ten' }, readFile: files({}) })).toThrow(/ANSIBLE_TIMEOUT: expected a whole number/);
  });
  it('-T beats the environment; without -T the environment sets the run option', () => {
    const run = (argv: string[]) => {
      const c = parseCli(argv, { cwd: '/nonexistent', env: { ANSIBLE_TIMEOUT: '4' } });
      return c.action === 'run' ? c.options.connectTimeoutMs : undefined;
    };
    expect(run([])).toBe(4000);
    expect(run(['-T', '2'])).toBe(2000);
  });
  it('a silent host is given up after about the connection timeout: three unanswered pings', () => {
    expect(keepaliveIntervalMs(10_000) * 3).toBeGreaterThanOrEqual(9_000);
    expect(keepaliveIntervalMs(10_000) * 3).toBeLessThanOrEqual(10_500);
    expect(keepaliveIntervalMs(1_000)).toBe(1000);
  });
});
