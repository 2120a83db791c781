/**
 * ansible.cfg and ANSIBLE_* compared with the real Ansible, each tool run as a user runs it in a
 * directory of its own: what `--show-config` says was set and from where against
 * `ansible-config dump --only-changed` (every supported setting from the file, from the
 * environment over the file, ANSIBLE_CONFIG naming a directory, a world-writable directory's file
 * skipped for ~/.ansible.cfg, Python's booleans), then what the settings do: the inventory and
 * tags of --list-hosts/--list-tasks, colors, retry files, force_handlers and verbosity. (Connection settings — forks,
 * remote_user, private_key_file, host_key_checking, become — are compared on lab hosts in
 * test/e2e/ansible-cfg.test.ts.)
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SETTINGS } from '../../runner/ansible-cfg.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TSX = path.join(REPO, 'node_modules/.bin/tsx');
const BIN = path.join(REPO, 'runner/bin.ts');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function tool(argv: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { cwd, env, maxBuffer: 8 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const root = mkdtempSync(path.join(tmpdir(), 'hw-cfg-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

/** A fresh directory (mode 0755) with the given files; HOME is a directory of its own. */
function workdir(files: Record<string, string> = {}): { dir: string; home: string } {
  const dir = path.join(root, `w${++dirs}`);
  const home = path.join(root, `h${dirs}`);
  mkdirSync(dir, { mode: 0o755 });
  mkdirSync(home);
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(name.startsWith('~/') ? home : dir, name.replace(/^~\//, ''));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return { dir, home };
}

/** The environment both tools get: none of this machine's ANSIBLE_* or color settings. */
function env(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('ANSIBLE_') && !k.startsWith('VITEST') && !['NO_COLOR', 'FORCE_COLOR', 'NODE_ENV', 'HOME'].includes(k)) clean[k] = v;
  }
  return { ...clean, HOME: home, ANSIBLE_LOCALHOST_WARNING: 'false', ...extra };
}

const OURS = new Set<string>([...SETTINGS.map((s) => s.name), 'CONFIG_FILE']);
/** ansible-config's lines for the settings Hostwright has. */
const onlyOurs = (text: string) =>
  text
    .replace(/\x1b\[[0-9;]*m/g, '') // ANSIBLE_FORCE_COLOR colors ansible-config's lines too
    .split('\n')
    .filter((l) => OURS.has(l.split('(')[0]!))
    .sort();

async function compareShowConfig(dir: string, e: NodeJS.ProcessEnv): Promise<string[]> {
  const [ansible, ours] = await Promise.all([tool(['ansible-config', 'dump', '--only-changed'], dir, e), tool([TSX, BIN, '--show-config'], dir, e)]);
  expect(ansible.code, ansible.stderr).toBe(0);
  expect(ours.code, ours.stderr).toBe(0);
  expect(onlyOurs(ours.stdout)).toEqual(onlyOurs(ansible.stdout));
  return onlyOurs(ours.stdout);
}

const EVERY_SETTING = `[defaults]
inventory = inv/hosts.ini, ~/more.ini
forks = 7
remote_user = deploy
private_key_file = keys/id_ed25519
host_key_checking = False
timeout = 33
nocolor = yes
force_color = 0
retry_files_enabled = on
retry_files_save_path = ~/retries
verbosity = 2
force_handlers = true
display_skipped_hosts = no
gathering = explicit
[privilege_escalation]
become = True
become_method = su
become_user = app ; inline comment
become_ask_pass = false
[tags]
run = a, b
skip = c
`;

const EVERY_ENV: Record<string, string> = {
  ANSIBLE_INVENTORY: 'env/hosts,/abs/hosts',
  ANSIBLE_FORKS: '3',
  ANSIBLE_REMOTE_USER: 'ops',
  ANSIBLE_PRIVATE_KEY_FILE: '~/k',
  ANSIBLE_HOST_KEY_CHECKING: 'yes',
  ANSIBLE_TIMEOUT: '4',
  ANSIBLE_BECOME: 'false',
  ANSIBLE_BECOME_METHOD: 'sudo',
  ANSIBLE_BECOME_USER: 'root',
  ANSIBLE_BECOME_ASK_PASS: 'no',
  ANSIBLE_NOCOLOR: 'false',
  ANSIBLE_FORCE_COLOR: 'T',
  ANSIBLE_RETRY_FILES_ENABLED: '0',
  ANSIBLE_RETRY_FILES_SAVE_PATH: 'r',
  ANSIBLE_VERBOSITY: '1',
  ANSIBLE_FORCE_HANDLERS: 'off',
  ANSIBLE_RUN_TAGS: 'x',
  ANSIBLE_SKIP_TAGS: 'y,z',
  ANSIBLE_DISPLAY_SKIPPED_HOSTS: 'yes',
};

describe('--show-config agrees with ansible-config dump --only-changed', () => {
  it('every supported setting from ./ansible.cfg (paths relative to the file, ~ expanded, Python booleans)', async () => {
    const { dir, home } = workdir({ 'ansible.cfg': EVERY_SETTING });
    const lines = await compareShowConfig(dir, env(home));
    expect(lines).toHaveLength(SETTINGS.length + 1); // with CONFIG_FILE
  });

  it('every ANSIBLE_* variable over the file', async () => {
    const { dir, home } = workdir({ 'ansible.cfg': EVERY_SETTING });
    const lines = await compareShowConfig(dir, env(home, EVERY_ENV));
    expect(lines.filter((l) => l.includes('(env: '))).toHaveLength(Object.keys(EVERY_ENV).length);
  });

  it('ANSIBLE_CONFIG naming a directory beats ./ansible.cfg; NO_COLOR is ANSIBLE_NOCOLOR', async () => {
    const { dir, home } = workdir({ 'ansible.cfg': '[defaults]\nforks = 9\n', 'conf/ansible.cfg': '[defaults]\nforks = 11\ntimeout = 12\n' });
    const lines = await compareShowConfig(dir, env(home, { ANSIBLE_CONFIG: 'conf', NO_COLOR: '1' }));
    expect(lines).toContain(`DEFAULT_FORKS(${path.join(dir, 'conf/ansible.cfg')}) = 11`);
    expect(lines).toContain('ANSIBLE_NOCOLOR(env: NO_COLOR) = True');
  });

  it('the default callback\'s options in their own section, as `ansible-config dump --only-changed -t all` prints them; no file is CONFIG_FILE() = None', async () => {
    const { dir, home } = workdir({ 'ansible.cfg': '[defaults]\ndisplay_ok_hosts = no\nforks = 4\n' });
    const e = env(home, { ANSIBLE_DISPLAY_SKIPPED_HOSTS: 'false' });
    const [ansible, ours] = await Promise.all([tool(['ansible-config', 'dump', '--only-changed', '-t', 'all'], dir, e), tool([TSX, BIN, '--show-config'], dir, e)]);
    expect(ansible.code, ansible.stderr).toBe(0);
    // env() sets ANSIBLE_LOCALHOST_WARNING for every run, a setting Hostwright does not have.
    expect(ours.stdout).toBe(ansible.stdout.replace(/^LOCALHOST_WARNING\(.*\n/m, ''));
    expect(ours.stdout).toContain('\ndefault:\n_______\ndisplay_ok_hosts(');
    // Nothing set anywhere: both say there is no file.
    const none = workdir();
    const [ansibleNone, oursNone] = await Promise.all([tool(['ansible-config', 'dump', '--only-changed'], none.dir, env(none.home)), tool([TSX, BIN, '--show-config'], none.dir, env(none.home))]);
    expect(oursNone.stdout).toBe(ansibleNone.stdout.replace(/^LOCALHOST_WARNING\(.*\n/m, ''));
    expect(oursNone.stdout).toBe('CONFIG_FILE() = None\n');
  });

  it('a world-writable directory\'s ansible.cfg is skipped for ~/.ansible.cfg', async () => {
    const { dir, home } = workdir({ 'ansible.cfg': '[defaults]\nforks = 9\n', '~/.ansible.cfg': '[defaults]\nforks = 13\n' });
    chmodSync(dir, 0o777);
    const lines = await compareShowConfig(dir, env(home));
    expect(lines).toContain(`DEFAULT_FORKS(${path.join(home, '.ansible.cfg')}) = 13`);
  });
});

const INVENTORY = '[web]\nw1 ansible_connection=local\nw2 ansible_connection=local\n[db]\nd1 ansible_connection=local\n';
const YAML_LIST = `- name: web play
  hosts: web
  gather_facts: false
  tasks:
    - { name: first, command: 'true', tags: [a] }
    - { name: second, command: 'true', tags: [b] }
    - { name: third, command: 'true', tags: [c] }
    - { name: untagged, command: 'true' }
`;
const TS_LIST = `import { play, playbook, task } from '${REPO}/runner/index.js';
import { command } from '${REPO}/modules/index.js';
export default playbook(import.meta, [play({ name: 'web play', hosts: 'web', gather_facts: false, tasks: [
  task('first', command({ cmd: 'true' }), { tags: ['a'] }),
  task('second', command({ cmd: 'true' }), { tags: ['b'] }),
  task('third', command({ cmd: 'true' }), { tags: ['c'] }),
  task('untagged', command({ cmd: 'true' })),
] })]);
`;
const YAML_RUN = `- name: run play
  hosts: all
  gather_facts: false
  tasks:
    - { name: works, command: 'true' }
    - { name: fails on b, fail: { msg: boom }, when: inventory_hostname == 'b' }
`;
const TS_RUN = `import { play, playbook, task } from '${REPO}/runner/index.js';
import { command, fail } from '${REPO}/modules/index.js';
export default playbook(import.meta, [play({ name: 'run play', hosts: 'all', gather_facts: false, tasks: [
  task('works', command({ cmd: 'true' })),
  task('fails on b', fail({ msg: 'boom' }), { when: (h) => h.host === 'b' }),
] })]);
`;
const YAML_HANDLERS = `- name: handler play
  hosts: all
  gather_facts: false
  tasks:
    - { name: notify, command: 'true', notify: the handler }
    - { name: fails on b, fail: { msg: boom }, when: inventory_hostname == 'b' }
  handlers:
    - { name: the handler, command: 'true' }
`;
const TS_HANDLERS = `import { handler, play, playbook, task } from '${REPO}/runner/index.js';
import { command, fail } from '${REPO}/modules/index.js';
export default playbook(import.meta, [play({ name: 'handler play', hosts: 'all', gather_facts: false, tasks: [
  task('notify', command({ cmd: 'true' }), { notify: 'the handler' }),
  task('fails on b', fail({ msg: 'boom' }), { when: (h) => h.host === 'b' }),
], handlers: [handler('the handler', command({ cmd: 'true' }))] })]);
`;
const PLAYBOOKS = {
  'pb/list.yml': YAML_LIST, 'pb/list.ts': TS_LIST, 'pb/run.yml': YAML_RUN, 'pb/run.ts': TS_RUN,
  'pb/handlers.yml': YAML_HANDLERS, 'pb/handlers.ts': TS_HANDLERS,
};

/** Listing lines without the `playbook:` line (the file names differ) and warnings. */
const listing = (text: string) =>
  text.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '' && !l.startsWith('playbook:') && !l.includes('[WARNING]'));

async function both(dir: string, name: string, args: string[], e: NodeJS.ProcessEnv): Promise<[Run, Run]> {
  return Promise.all([
    tool(['ansible-playbook', path.join(dir, `pb/${name}.yml`), ...args], dir, e),
    tool([TSX, path.join(dir, `pb/${name}.ts`), ...args], dir, e),
  ]);
}

describe('what the settings do, as in ansible-playbook', () => {
  it('--list-hosts: the inventory from ansible.cfg (relative to the file), from ANSIBLE_INVENTORY, and -i over both', async () => {
    const { dir, home } = workdir({ ...PLAYBOOKS, 'ansible.cfg': '[defaults]\ninventory = inv/hosts.ini\n', 'inv/hosts.ini': INVENTORY, 'other.ini': '[web]\nx9\n' });
    for (const [args, extra] of [[[], {}], [['-i', 'other.ini'], {}], [[], { ANSIBLE_INVENTORY: 'other.ini' }]] as const) {
      const [ansible, ours] = await both(dir, 'list', ['--list-hosts', ...args], env(home, { ANSIBLE_NOCOLOR: '1', ...extra }));
      expect(ansible.code, ansible.stderr).toBe(0);
      expect(ours.code, ours.stderr).toBe(0);
      expect(listing(ansible.stdout).length).toBeGreaterThan(1);
      // Ansible lists a play's hosts in no fixed order (seen: w2 before w1): compare them sorted.
      const sorted = (text: string) => listing(text).sort();
      expect(sorted(ours.stdout), `${JSON.stringify(args)} ${JSON.stringify(extra)}\nansible:\n${ansible.stdout}${ansible.stderr}\nours:\n${ours.stdout}${ours.stderr}`).toEqual(sorted(ansible.stdout));
    }
  });

  it('--list-tasks: [tags] run/skip from ansible.cfg, ANSIBLE_RUN_TAGS over it, -t over both', async () => {
    const { dir, home } = workdir({ ...PLAYBOOKS, 'ansible.cfg': '[defaults]\ninventory = inv/hosts.ini\n[tags]\nrun = a,b\nskip = b\n', 'inv/hosts.ini': INVENTORY });
    for (const [args, extra] of [[[], {}], [[], { ANSIBLE_RUN_TAGS: 'c' }], [['-t', 'all'], { ANSIBLE_RUN_TAGS: 'c' }]] as const) {
      const [ansible, ours] = await both(dir, 'list', ['--list-tasks', ...args], env(home, { ANSIBLE_NOCOLOR: '1', ...extra }));
      expect(ansible.code, ansible.stderr).toBe(0);
      expect(listing(ours.stdout)).toEqual(listing(ansible.stdout));
    }
  });

  it('colors in a pipe: force_color in ansible.cfg and ANSIBLE_FORCE_COLOR turn them on, nocolor and ANSIBLE_NOCOLOR off', async () => {
    const inv = { 'inv/hosts.ini': 'a ansible_connection=local\n' };
    const cases: [string, Record<string, string>, boolean][] = [
      ['[defaults]\ninventory = inv/hosts.ini\nforce_color = yes\n', {}, true],
      ['[defaults]\ninventory = inv/hosts.ini\n', { ANSIBLE_FORCE_COLOR: '1' }, true],
      ['[defaults]\ninventory = inv/hosts.ini\nnocolor = 1\n', { FORCE_COLOR: '1' }, false],
      ['[defaults]\ninventory = inv/hosts.ini\nforce_color = true\n', { ANSIBLE_NOCOLOR: '1' }, true],
    ];
    for (const [cfg, extra, colored] of cases) {
      const { dir, home } = workdir({ ...PLAYBOOKS, ...inv, 'ansible.cfg': cfg });
      const [ansible, ours] = await both(dir, 'run', [], env(home, extra));
      expect(ansible.stdout.includes('\x1b['), `ansible with ${cfg} ${JSON.stringify(extra)}`).toBe(colored);
      expect(ours.stdout.includes('\x1b['), `hostwright with ${cfg} ${JSON.stringify(extra)}`).toBe(colored);
    }
  });

  it('retry files: the failed hosts in <playbook>.retry under retry_files_save_path, and the hint before the recap', async () => {
    const cfg = '[defaults]\ninventory = inv/hosts.ini\nretry_files_enabled = True\nretry_files_save_path = retries\n';
    const { dir, home } = workdir({ ...PLAYBOOKS, 'ansible.cfg': cfg, 'inv/hosts.ini': 'a ansible_connection=local\nb ansible_connection=local\n' });
    const e = env(home, { ANSIBLE_NOCOLOR: '1' });
    // One after the other: both write retries/run.retry.
    const ansible = await tool(['ansible-playbook', 'pb/run.yml'], dir, e);
    const theirs = readFileSync(path.join(dir, 'retries/run.retry'), 'utf8');
    rmSync(path.join(dir, 'retries'), { recursive: true });
    const ours = await tool([TSX, 'pb/run.ts'], dir, e);
    expect(ansible.code).toBe(2);
    expect(ours.code).toBe(2);
    expect(theirs).toBe('b\n');
    expect(readFileSync(path.join(dir, 'retries/run.retry'), 'utf8')).toBe(theirs);
    const hint = (out: string) => out.split('\n').slice(out.split('\n').findIndex((l) => l.startsWith('\tto retry')), -1).slice(0, 3);
    expect(hint(ansible.stdout)[0]).toBe(`\tto retry, use: --limit @${path.join(dir, 'retries/run.retry')}`);
    expect(hint(ours.stdout)).toEqual(hint(ansible.stdout).map((l) => l.trimEnd()));

    // Off (the default): no file from either.
    const off = workdir({ ...PLAYBOOKS, 'ansible.cfg': '[defaults]\ninventory = inv/hosts.ini\n', 'inv/hosts.ini': 'b ansible_connection=local\n' });
    const offRuns = await both(off.dir, 'run', [], env(off.home, { ANSIBLE_NOCOLOR: '1' }));
    expect(offRuns.map((r) => r.code)).toEqual([2, 2]);
    expect(offRuns.map((r) => r.stdout.includes('to retry'))).toEqual([false, false]);
  });

  it('force_handlers in ansible.cfg, ANSIBLE_FORCE_HANDLERS over it: the handler runs on the host that failed too', async () => {
    const { dir, home } = workdir({ ...PLAYBOOKS, 'ansible.cfg': '[defaults]\ninventory = inv/hosts.ini\nforce_handlers = True\n', 'inv/hosts.ini': 'a ansible_connection=local\nb ansible_connection=local\n' });
    /** Banners, status lines (sorted within a task: hosts finish in any order) and the recap. */
    const shape = (out: string) =>
      out
        .split(/\n(?=(?:PLAY|TASK|RUNNING HANDLER) \[|PLAY RECAP)/)
        .map((part) => part.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('fatal:')).map((l) => l.trimEnd()))
        .map(([head, ...rest]) => [head, ...rest.sort()].join('\n'));
    for (const [extra, forced] of [[{}, true], [{ ANSIBLE_FORCE_HANDLERS: 'no' }, false]] as const) {
      const [ansible, ours] = await both(dir, 'handlers', [], env(home, { ANSIBLE_NOCOLOR: '1', ...extra }));
      expect(ansible.code, ansible.stdout + ansible.stderr).toBe(2);
      expect(ours.code, ours.stdout + ours.stderr).toBe(2);
      const handlerRan = (out: string) => out.slice(out.indexOf('RUNNING HANDLER'), out.indexOf('PLAY RECAP')).includes('changed: [b]');
      expect(handlerRan(ansible.stdout), ansible.stdout).toBe(forced);
      expect(shape(ours.stdout), `ours:\n${ours.stdout}\nansible:\n${ansible.stdout}`).toEqual(shape(ansible.stdout));
    }
  });

  it('verbosity in ansible.cfg: -v\'s results after each line, and first the config file named', async () => {
    const { dir, home } = workdir({ ...PLAYBOOKS, 'ansible.cfg': '[defaults]\ninventory = inv/hosts.ini\nverbosity = 1\n', 'inv/hosts.ini': 'a ansible_connection=local\n' });
    const [ansible, ours] = await both(dir, 'run', [], env(home, { ANSIBLE_NOCOLOR: '1' }));
    expect(ansible.code, ansible.stderr).toBe(0);
    expect(ours.code, ours.stderr).toBe(0);
    const first = `Using ${path.join(dir, 'ansible.cfg')} as config file`;
    expect(ansible.stdout.split('\n')[0]).toBe(first);
    expect(ours.stdout.split('\n')[0]).toBe(first);
    // The results' JSON differs (Ansible's command module adds start/end/delta); the lines' heads do not.
    const heads = (out: string) => out.split('\n').filter((l) => /^(ok|changed|skipping): /.test(l)).map((l) => l.split(' => ')[0]);
    expect(heads(ours.stdout)).toEqual(heads(ansible.stdout));
    for (const line of ours.stdout.split('\n').filter((l) => l.startsWith('changed: '))) expect(line).toContain(' => {"changed": true');
  });

  it('settings Hostwright does not use are named in one warning, and the run goes on', async () => {
    const { dir, home } = workdir({ ...PLAYBOOKS, 'ansible.cfg': '[defaults]\ninventory = inv/hosts.ini\ngathering = explicit\nstdout_callback = yaml\n[ssh_connection]\npipelining = True\n', 'inv/hosts.ini': 'a ansible_connection=local\n' });
    const ours = await tool([TSX, 'pb/run.ts'], dir, env(home, { ANSIBLE_NOCOLOR: '1' }));
    expect(ours.code, ours.stderr).toBe(0);
    // One warning (wrapped to the terminal's width, as Ansible wraps them).
    const output = (ours.stdout + ours.stderr).replace(/\s+/g, ' ');
    expect(output.match(/\[WARNING\]/g)).toHaveLength(1);
    expect(output).toContain(`[WARNING]: Hostwright does not use these settings of ${path.join(dir, 'ansible.cfg')}, ignored: defaults.gathering, defaults.stdout_callback, ssh_connection.pipelining`);
  });

  it('a name no Ansible setting has is called unknown (with the nearest real one); what Ansible does know is only not used', async () => {
    const cfg = '[defaults]\ninventory = inv/hosts.ini\ngathering = explicit\nforsk = 3\n';
    const { dir, home } = workdir({ ...PLAYBOOKS, 'ansible.cfg': cfg, 'inv/hosts.ini': 'a ansible_connection=local\n' });
    const e = env(home, { ANSIBLE_NOCOLOR: '1', ANSIBLE_PIPELINING: 'True', ANSIBLE_FROKS: '3' });
    // What Ansible makes of them: gathering and pipelining are its settings, changed here; the
    // misspelt two are nothing to it.
    const dump = await tool(['ansible-config', 'dump', '--only-changed', '-t', 'all'], dir, e);
    expect(dump.code, dump.stderr).toBe(0);
    expect(dump.stdout).toMatch(/^DEFAULT_GATHERING\(.*\) = explicit$/m);
    expect(dump.stdout).toMatch(/^ANSIBLE_PIPELINING\(env: ANSIBLE_PIPELINING\) = True$/m);
    expect(dump.stdout.toLowerCase()).not.toMatch(/forsk|froks/);

    const ours = await tool([TSX, 'pb/run.ts'], dir, e);
    expect(ours.code, ours.stderr).toBe(0);
    const output = (ours.stdout + ours.stderr).replace(/\s+/g, ' ');
    expect(output.match(/\[WARNING\]/g)).toHaveLength(2);
    const file = path.join(dir, 'ansible.cfg');
    expect(output).toContain(
      `[WARNING]: Unknown settings, ignored (no setting of ansible-core 2.14 has these names): ANSIBLE_FROKS (did you mean ANSIBLE_FORKS?), defaults.forsk (did you mean defaults.forks?) in ${file}`,
    );
    // env() gives both tools ANSIBLE_LOCALHOST_WARNING=false, an Ansible setting too.
    expect(output).toContain(
      `[WARNING]: Hostwright does not use these settings of ${file}, ignored: defaults.gathering; nor these from the environment: ANSIBLE_LOCALHOST_WARNING, ANSIBLE_PIPELINING`,
    );
  });
});
