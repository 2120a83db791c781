import { describe, expect, it } from 'vitest';
import { configuredForks, configuredTimeoutSeconds, iniValue, loadAnsibleConfig, showConfig } from '../../runner/ansible-cfg.js';
import { DEFAULT_FORKS } from '../../runner/options.js';
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

describe('forks from the configuration', () => {
  it('ANSIBLE_FORKS beats ansible.cfg; unset in both, nothing is configured', () => {
    const readFile = files({ '/p/ansible.cfg': '[defaults]\nforks = 12\n', '/etc/ansible/ansible.cfg': '[defaults]\nforks: 3\n' });
    expect(configuredForks({ cwd: '/p', env: {}, readFile })).toBe(12);
    expect(configuredForks({ cwd: '/p', env: { ANSIBLE_FORKS: '7' }, readFile })).toBe(7);
    expect(configuredForks({ cwd: '/elsewhere', env: {}, readFile })).toBe(3);
    expect(configuredForks({ cwd: '/p', env: { ANSIBLE_CONFIG: '/t.cfg' }, readFile: files({ '/t.cfg': '[defaults]\ntimeout = 4\n' }) })).toBeUndefined();
    expect(configuredForks({ cwd: '/p', env: { ANSIBLE_FORKS: '' }, readFile: files({}) })).toBeUndefined();
  });
  it('refuses forks that are not a whole number of at least 1', () => {
    expect(() => configuredForks({ cwd: '/p', env: { ANSIBLE_FORKS: '0' }, readFile: files({}) })).toThrow(/ANSIBLE_FORKS: expected a whole number of forks/);
    expect(() => configuredForks({ cwd: '/p', env: {}, readFile: files({ '/p/ansible.cfg': '[defaults]\nforks = many\n' }) })).toThrow(/forks in \/p\/ansible.cfg: expected a whole number/);
  });
  it('-f beats the environment, the environment beats the default; the default is not Ansible\'s 5', () => {
    const run = (argv: string[], env: NodeJS.ProcessEnv) => {
      const c = parseCli(argv, { cwd: '/nonexistent', env: { HOME: '/nonexistent', ...env } });
      return c.action === 'run' ? c.options.forks : undefined;
    };
    expect(run([], { ANSIBLE_FORKS: '9' })).toBe(9);
    expect(run(['-f', '2'], { ANSIBLE_FORKS: '9' })).toBe(2);
    expect(run([], { ANSIBLE_CONFIG: '/nonexistent/ansible.cfg' })).toBe(DEFAULT_FORKS);
    expect(DEFAULT_FORKS).toBe(50);
  });
});

describe('the command line over ANSIBLE_* over ansible.cfg', () => {
  const options = (argv: string[], env: NodeJS.ProcessEnv) => {
    const c = parseCli(argv, { cwd: '/nonexistent', env: { HOME: '/nonexistent', ...env } });
    if (c.action !== 'run') throw new Error(c.action);
    return c.options;
  };
  it('a flag beats the variable; the variable sets what no flag gave', () => {
    const env = { ANSIBLE_FORKS: '3', ANSIBLE_REMOTE_USER: 'ops', ANSIBLE_INVENTORY: '/a,/b', ANSIBLE_BECOME: 'yes', ANSIBLE_RUN_TAGS: 'x,y' };
    expect(options([], env)).toMatchObject({ forks: 3, user: 'ops', inventory: ['/a', '/b'], become: true, tags: ['x', 'y'] });
    expect(options(['-f', '2', '-u', 'me', '-i', '/c', '-t', 'z'], env)).toMatchObject({ forks: 2, user: 'me', inventory: ['/c'], tags: ['z'] });
  });
  it('unset settings leave Ansible\'s defaults, and host_key_checking and colors undecided', () => {
    const o = options([], {});
    expect(o).toMatchObject({ forks: DEFAULT_FORKS, become: false, connectTimeoutMs: 10_000, verbosity: 0, tags: [], skipTags: [] });
    expect(o.user).toBeUndefined();
    expect(o.hostKeyChecking).toBeUndefined();
    expect(o.color).toBeUndefined();
    expect(o.retryFiles).toBeUndefined();
  });
  it('force_color wins over nocolor; host_key_checking=false and retry files pass on', () => {
    expect(options([], { ANSIBLE_FORCE_COLOR: '1', ANSIBLE_NOCOLOR: '1' }).color).toBe(true);
    expect(options([], { ANSIBLE_NOCOLOR: 'yes' }).color).toBe(false);
    expect(options([], { NO_COLOR: '1' }).color).toBeUndefined(); // colorLevel reads it (FORCE_COLOR beats it)
    expect(options([], { ANSIBLE_HOST_KEY_CHECKING: 'False' }).hostKeyChecking).toBe(false);
    expect(options([], { ANSIBLE_RETRY_FILES_ENABLED: 'true', ANSIBLE_RETRY_FILES_SAVE_PATH: '/r' }).retryFiles).toEqual({ savePath: '/r' });
  });
  it('a bad number names where it came from', () => {
    expect(() => options([], { ANSIBLE_FORKS: 'many' })).toThrow("ANSIBLE_FORKS: expected a whole number of forks (at least 1), got 'many'");
    expect(() => options([], { ANSIBLE_TIMEOUT: '0' })).toThrow("ANSIBLE_TIMEOUT: expected a whole number of seconds (at least 1), got '0'");
  });
});

describe('the default callback\'s options', () => {
  const readFile = files({ '/p/ansible.cfg': '[defaults]\ndisplay_skipped_hosts = no\n' });
  const options = (env: NodeJS.ProcessEnv) => {
    const c = parseCli([], { cwd: '/p', env: { HOME: '/nonexistent', ANSIBLE_CONFIG: '/p/ansible.cfg', ...env } });
    if (c.action !== 'run') throw new Error(c.action);
    return c.options;
  };
  it('display_ok_hosts and display_skipped_hosts: shown by default, hidden by ansible.cfg or ANSIBLE_*', () => {
    const config = loadAnsibleConfig({ cwd: '/p', env: {}, readFile });
    expect(config.callback.display_skipped_hosts).toEqual({ name: 'display_skipped_hosts', value: false, origin: '/p/ansible.cfg' });
    expect(config.callback.display_ok_hosts).toEqual({ name: 'display_ok_hosts', value: true, origin: 'default' });
    expect(config.settings.DISPLAY_SKIPPED_HOSTS.value).toBe(false);
    expect(config.ignored).toEqual([]);
    expect(showConfig(config)).toBe(
      'CONFIG_FILE() = /p/ansible.cfg\nDISPLAY_SKIPPED_HOSTS(/p/ansible.cfg) = False\n\nCALLBACK:\n========\n\ndefault:\n_______\ndisplay_skipped_hosts(/p/ansible.cfg) = False\n',
    );
    expect(options({ ANSIBLE_CONFIG: '/nonexistent.cfg' })).toMatchObject({ displayOkHosts: true, displaySkippedHosts: true });
    expect(options({ ANSIBLE_CONFIG: '/nonexistent.cfg', ANSIBLE_DISPLAY_OK_HOSTS: 'false' })).toMatchObject({ displayOkHosts: false, displaySkippedHosts: true });
  });
});
