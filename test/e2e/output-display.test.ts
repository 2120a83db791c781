/**
 * display_skipped_hosts and display_ok_hosts against ansible-playbook, on one lab host: the same
 * playbook (playbooks/output-display/display.yml and its twin display.ts: ok and skipped tasks,
 * loops of ok, changed and skipped items, a loop skipped whole, a debug message, an ok and a
 * changed handler) run by both tools from a directory whose ansible.cfg (and the environment)
 * hide ok or skipped results. Both outputs must be the same, line for line: which lines are
 * hidden, the banners printed only over a line, the recap still counting everything. The
 * playbook's outcomes do not depend on the host's state, so both tools use the same host and
 * nothing needs renaming.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { labHosts, labState } from '../lab/testing.js';
import { childEnv, REPO_ROOT, runTool, TSX, type ToolRun } from './playbooks/parity/output.js';

const PLAYBOOKS = path.join(REPO_ROOT, 'test/e2e/playbooks/output-display');
const dir = mkdtempSync(path.join(tmpdir(), 'hw-display-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Both tools from `dir` (where `cfg` is the ansible.cfg), one after the other, on one host. */
async function both(cfg: string, env: Record<string, string>): Promise<[ToolRun, ToolRun]> {
  writeFileSync(path.join(dir, 'ansible.cfg'), cfg);
  const [host] = labHosts('plain');
  expect(host, 'the e2e lab has no plain host').toBeDefined();
  const args = ['-i', labState().inventoryFile, '-l', host!.name];
  // Ansible's own ssh speed-up, which Hostwright does not read (it would only add a warning).
  const ansible = await runTool(['ansible-playbook', path.join(PLAYBOOKS, 'display.yml'), ...args], { cwd: dir, env: childEnv({ ANSIBLE_PIPELINING: '1', ...env }) });
  const ours = await runTool([TSX, path.join(PLAYBOOKS, 'display.ts'), ...args], { cwd: dir, env: childEnv(env) });
  return [ansible, ours];
}

const lines = (run: ToolRun) => run.stdout.split('\n');
const says = (run: ToolRun) => `exit ${run.code}\n${run.stdout}\n${run.stderr}`;

describe('display_skipped_hosts and display_ok_hosts, as ansible-playbook shows them', () => {
  const cases: { name: string; cfg: string; env: Record<string, string>; hidden: RegExp[]; shown: RegExp[] }[] = [
    {
      name: 'both shown (the defaults): every banner at its task',
      cfg: '[defaults]\n',
      env: {},
      hidden: [],
      shown: [/^ok: \[/m, /^skipping: \[/m, /^TASK \[an ok task\]/m, /^RUNNING HANDLER \[an ok handler\]/m],
    },
    {
      name: 'display_skipped_hosts = no in ansible.cfg: no skipping lines, no banner of a task skipped whole',
      cfg: '[defaults]\ndisplay_skipped_hosts = no\n',
      env: {},
      hidden: [/^skipping: /m, /^TASK \[a skipped task\]/m, /^TASK \[a loop skipped whole\]/m],
      shown: [/^ok: \[[^\]]+\] => \(item=a\)$/m],
    },
    {
      name: 'ANSIBLE_DISPLAY_OK_HOSTS=false: only changes and skips, ok handlers and debug messages hidden too',
      cfg: '[defaults]\n',
      env: { ANSIBLE_DISPLAY_OK_HOSTS: 'false' },
      hidden: [/^ok: /m, /^TASK \[an ok task\]/m, /^TASK \[only ok items\]/m, /^TASK \[a message\]/m, /^RUNNING HANDLER \[an ok handler\]/m],
      shown: [/^skipping: \[/m, /^changed: \[[^\]]+\] => \(item=b\)$/m, /^RUNNING HANDLER \[a changed handler\]/m],
    },
    {
      name: 'both hidden (the file for one, the environment over the file for the other): changes alone',
      cfg: '[defaults]\ndisplay_skipped_hosts = false\ndisplay_ok_hosts = yes\n',
      env: { ANSIBLE_DISPLAY_OK_HOSTS: '0' },
      hidden: [/^ok: /m, /^skipping: /m, /^TASK \[a loop of ok and skipped items\]/m],
      shown: [/^TASK \[a changed task\]/m, /^changed: \[[^\]]+\] => \(item=b\)$/m],
    },
  ];

  for (const c of cases) {
    test(c.name, async () => {
      const [ansible, ours] = await both(c.cfg, c.env);
      expect(ansible.code, says(ansible)).toBe(0);
      expect(ours.code, says(ours)).toBe(0);
      for (const re of c.hidden) expect(ansible.stdout, `ansible: ${re}`).not.toMatch(re);
      for (const re of c.shown) expect(ansible.stdout, `ansible: ${re}`).toMatch(re);
      // The recap counts what was hidden.
      expect(ansible.stdout).toMatch(/ ok=8 +changed=3 +unreachable=0 +failed=0 +skipped=2 /);
      expect(lines(ours), `hostwright:\n${ours.stdout}${ours.stderr}\nansible:\n${ansible.stdout}`).toEqual(lines(ansible));
    });
  }
});
