/**
 * The connection settings of ansible.cfg and ANSIBLE_*, used as ansible-playbook uses them, on two
 * lab hosts: an inventory that names only the hosts' addresses (no ansible_user, no key), the
 * same playbook as YAML and as TypeScript run from a directory with an ansible.cfg, and on the
 * hosts what each run did: which user ran it (remote_user, become, become_user), whether the hosts
 * ran at once (forks), whether the key was the configured one (private_key_file, env over file),
 * and whether an unknown host key is refused or accepted (host_key_checking). The settings'
 * values and origins are compared with ansible-config in test/compat/ansible-cfg.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { labHosts, labState, sshOk } from '../lab/testing.js';
import type { LabHost } from '../lab/state.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TSX = path.join(REPO, 'node_modules/.bin/tsx');

const YAML = `- name: who and when
  hosts: all
  gather_facts: false
  tasks:
    - name: record
      shell: id -un > /tmp/cfg-who; date +%s%N > /tmp/cfg-start; sleep 1; date +%s%N > /tmp/cfg-end
`;
const TS = `import { play, playbook, task } from '${REPO}/runner/index.js';
import { shell } from '${REPO}/modules/index.js';
export default playbook(import.meta, [play({ name: 'who and when', hosts: 'all', gather_facts: false, tasks: [
  task('record', shell({ cmd: 'id -un > /tmp/cfg-who; date +%s%N > /tmp/cfg-start; sleep 1; date +%s%N > /tmp/cfg-end' })),
] })]);
`;

interface Run {
  code: number;
  out: string;
}

function run(argv: string[], cwd: string, env: Record<string, string>): Promise<Run> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ANSIBLE_') && !k.startsWith('VITEST') && k !== 'NODE_ENV') clean[k] = v;
  return new Promise((resolve) => {
    // Ansible's own ssh settings, which Hostwright does not read: no ControlPersist master (a
    // master left by the previous run would be reused whatever its key or host key), and
    // pipelining (becoming an unprivileged user needs no world-readable temp files then).
    const ansibleSsh = { ANSIBLE_SSH_ARGS: '-o ControlMaster=no -o ControlPath=none', ANSIBLE_PIPELINING: 'True' };
    execFile(argv[0]!, argv.slice(1), { cwd, env: { ...clean, ANSIBLE_NOCOLOR: '1', ...ansibleSsh, ...env }, maxBuffer: 8 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

interface Observed {
  tool: 'ansible' | 'hostwright';
  code: number;
  /** Per host: who ran the task, and when it started and ended (ns). */
  hosts: { who: string; start: bigint; end: bigint }[];
}

/** The last output of each tool, for failure messages. */
const output = new Map<string, string>();
const says = (o: Observed) => `${o.tool} exited ${o.code}:\n${output.get(o.tool) ?? ''}`;

const dir = mkdtempSync(path.join(tmpdir(), 'hw-cfg-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('connection settings from ansible.cfg and ANSIBLE_*, as ansible-playbook uses them', () => {
  let hosts: LabHost[] = [];

  /** One tool's run from `dir` with this ansible.cfg and environment, then what the hosts recorded. */
  async function observe(tool: 'ansible' | 'hostwright', cfg: string, env: Record<string, string> = {}): Promise<Observed> {
    writeFileSync(path.join(dir, 'ansible.cfg'), cfg);
    await Promise.all(hosts.map((h) => sshOk(h, 'rm -f /tmp/cfg-who /tmp/cfg-start /tmp/cfg-end')));
    const argv = tool === 'ansible' ? ['ansible-playbook', 'site.yml'] : [TSX, 'site.ts'];
    const r = await run(argv, dir, env);
    output.set(tool, r.out);
    const recorded = await Promise.all(
      hosts.map(async (h) => {
        const [who, start, end] = (await sshOk(h, 'cat /tmp/cfg-who /tmp/cfg-start /tmp/cfg-end 2>/dev/null || true')).trim().split('\n');
        return { who: who ?? '', start: BigInt(start ?? 0), end: BigInt(end ?? 0) };
      }),
    );
    return { tool, code: r.code, hosts: recorded };
  }

  /** Both tools, one after the other (they record into the same files), the same settings. */
  async function both(cfg: string, env: Record<string, string> = {}, between?: () => void): Promise<[Observed, Observed]> {
    const ansible = await observe('ansible', cfg, env);
    between?.();
    return [ansible, await observe('hostwright', cfg, env)];
  }

  afterAll(async () => {
    await Promise.all(hosts.map((h) => sshOk(h, 'rm -f /tmp/cfg-who /tmp/cfg-start /tmp/cfg-end')));
  });

  const overlapping = (o: Observed) => o.hosts[0]!.start < o.hosts[1]!.end && o.hosts[1]!.start < o.hosts[0]!.end;

  test('setup: two lab hosts, an inventory with addresses only, the playbook twice', () => {
    hosts = labHosts('plain').slice(0, 2);
    expect(hosts).toHaveLength(2);
    const state = labState();
    writeFileSync(
      path.join(dir, 'hosts.ini'),
      hosts.map((h) => `${h.name} ansible_host=${h.address} ansible_python_interpreter=/usr/bin/python3\n`).join('') +
        `[all:vars]\nansible_ssh_common_args='-o UserKnownHostsFile=${path.join(dir, 'known_hosts')} -o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes'\n`,
    );
    writeFileSync(path.join(dir, 'site.yml'), YAML);
    writeFileSync(path.join(dir, 'site.ts'), TS);
    // The lab's known_hosts, copied so one test can empty it.
    writeFileSync(path.join(dir, 'known_hosts'), readFileSync(state.knownHostsFile, 'utf8'));
  });

  const base = () => `[defaults]\ninventory = hosts.ini\nremote_user = deploy\nprivate_key_file = ${labState().keyFile}\nforks = 1\n`;

  test('remote_user and private_key_file from ansible.cfg; forks = 1 runs one host after the other', async () => {
    for (const o of await both(base())) {
      expect(o.code, says(o)).toBe(0);
      expect(o.hosts.map((h) => h.who)).toEqual(['deploy', 'deploy']);
      expect(overlapping(o)).toBe(false);
    }
  });

  test('ANSIBLE_FORKS=2 over the file: both hosts at once; ANSIBLE_BECOME with become_user from [privilege_escalation]', async () => {
    const cfg = `${base()}[privilege_escalation]\nbecome = no\nbecome_user = ops\n`;
    for (const o of await both(cfg, { ANSIBLE_FORKS: '2', ANSIBLE_BECOME: 'true' })) {
      expect(o.code, says(o)).toBe(0);
      expect(o.hosts.map((h) => h.who)).toEqual(['ops', 'ops']);
      expect(overlapping(o)).toBe(true);
    }
  });

  test('ANSIBLE_PRIVATE_KEY_FILE over the file: a key the hosts do not know, so both tools find them unreachable', async () => {
    const wrongKey = path.join(dir, 'wrong_key');
    await new Promise((resolve, reject) => execFile('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrongKey], (e) => (e ? reject(e) : resolve(undefined))));
    for (const o of await both(base(), { ANSIBLE_PRIVATE_KEY_FILE: wrongKey })) {
      expect(o.code, says(o)).toBe(4);
      expect(o.hosts.map((h) => h.who)).toEqual(['', '']);
    }
  });

  test('host_key_checking: an unknown host key is refused by default and accepted with host_key_checking = False', async () => {
    writeFileSync(path.join(dir, 'known_hosts'), '');
    for (const o of await both(base())) {
      expect(o.code, says(o)).toBe(4);
      expect(o.hosts.map((h) => h.who)).toEqual(['', '']);
    }
    // OpenSSH under Ansible records the keys it accepted: Hostwright gets the empty file too.
    for (const o of await both(`${base()}host_key_checking = False\n`, {}, () => writeFileSync(path.join(dir, 'known_hosts'), ''))) {
      expect(o.code, says(o)).toBe(0);
      expect(o.hosts.map((h) => h.who)).toEqual(['deploy', 'deploy']);
    }
  });
});
