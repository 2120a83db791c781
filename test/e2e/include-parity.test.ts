/**
 * Dynamic includes against ansible-playbook on lab hosts: playbooks/include/include.yml (with its
 * included files and role) and include.ts are one playbook written twice — include_tasks with a
 * loop and `when` per item, loop_control (loop_var, index_var, label), tags with and without
 * `apply`, handlers notified from included tasks, include_role with vars and its handler,
 * include_role with tasks_from and a loop, an item whose included task fails. Ansible runs on two
 * fresh hosts, Hostwright on two others; `pick` names the host that differs. Compared: every task section's status lines, the `included:` lines
 * (Ansible names the file, Hostwright the include; the hosts in order of the file, the item), the
 * PLAY RECAP and the exit code — in check mode on fresh hosts, the first run, the second run, and
 * under --tags. Hostwright's check must also predict its own run.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { labHosts, labState, resetHost, sshOk } from '../lab/testing.js';
import type { LabHost } from '../lab/state.js';
import { ansibleArgv, hostwrightArgv, parseRun, renameHosts, runTool, type AnsibleArgs, type ToolRun } from './playbooks/parity/output.js';

const DIR = '../include';

interface View {
  sections: { banner: string; lines: string[] }[];
  recap: string[];
}

/**
 * A run as comparable lines: per task banner, its status lines sorted (hosts answer in any
 * order; a failure's JSON dropped: it holds times), then its `included:` lines in order with the
 * file's name replaced and its hosts sorted (Ansible lists them in the order they answered).
 */
function view(run: ToolRun, names: ReadonlyMap<string, string> = new Map()): View {
  const parsed = parseRun(renameHosts(run.stdout, names));
  return {
    sections: inCanonicalOrder(parsed.tasks.map((t) => ({
      banner: t.banner,
      lines: [
        ...t.statuses.map((s) => s.replace(/^(fatal: \[[^\]]+\]): FAILED! => .*/, '$1: FAILED!').replace(/ \(would run\)$/, '')).sort(),
        ...t.body.flatMap((l) => {
          const m = /^included: \S+.* for (.+?)( => \(item=.*\))?$/.exec(l);
          return m ? [`included: <file> for ${m[1]!.split(', ').sort().join(', ')}${m[2] ?? ''}`] : [];
        }),
      ],
    }))),
    recap: parsed.recap,
  };
}

/** The play's own tasks (include.yml): the sections between two of them come from an include's files. */
const PLAY_TASKS = new Set(['loop include', 'apply include', 'role include', 'role loop', 'failing item', 'after all'].map((n) => `TASK [${n}]`));

/**
 * Ansible lays an include's files out in the order it processed the hosts' results, which is the
 * order the hosts answered (IncludedFile.process_include_results): in `role loop`, item 2 (every
 * host) comes before item 1 (`pick` only) when the other host answered first (include_role prints
 * no `included:` line, only the files' sections). So Ansible's own runs differ there, and one
 * include's `included:` lines (by item) and the sections its files bring (by banner, stably) are
 * compared sorted, not in the order they were laid out.
 */
function inCanonicalOrder(sections: View['sections']): View['sections'] {
  const out: View['sections'] = [];
  for (let i = 0; i < sections.length; ) {
    const head = sections[i]!;
    const included = head.lines.filter((l) => l.startsWith('included: '));
    const item = (l: string) => / => \(item=(.*)\)$/.exec(l)?.[1] ?? '';
    included.sort((a, b) => item(a).localeCompare(item(b)) || a.localeCompare(b));
    out.push({ banner: head.banner, lines: [...head.lines.filter((l) => !l.startsWith('included: ')), ...included] });
    let end = i + 1;
    while (end < sections.length && !PLAY_TASKS.has(sections[end]!.banner) && !sections[end]!.banner.startsWith('RUNNING HANDLER')) end++;
    const files = sections.slice(i + 1, end);
    out.push(...files.sort((a, b) => (a.banner < b.banner ? -1 : a.banner > b.banner ? 1 : 0)));
    i = end;
  }
  return out;
}

describe('dynamic includes match ansible-playbook', () => {
  let ansibleHosts: LabHost[];
  let hwHosts: LabHost[];
  let names: Map<string, string>;
  let inventory: string;

  /** Both tools at once (different hosts), each with its own `pick`. */
  async function both(extra: Partial<AnsibleArgs> & { tags?: string } = {}): Promise<{ ansible: ToolRun; hw: ToolRun }> {
    const args = (hosts: LabHost[]): AnsibleArgs => ({
      inventory,
      limit: hosts.map((h) => h.name).join(','),
      ...extra,
      extraVars: [`pick=${hosts[0]!.name}`, ...(extra.extraVars ?? [])],
    });
    const tags = extra.tags ? ['--tags', extra.tags] : [];
    const [ansible, hw] = await Promise.all([
      runTool([...ansibleArgv(`${DIR}/include.yml`, args(ansibleHosts)), ...tags]),
      runTool([...hostwrightArgv(`${DIR}/include.ts`, args(hwHosts)), ...tags]),
    ]);
    return { ansible, hw };
  }

  function same(r: { ansible: ToolRun; hw: ToolRun }, code: number): View {
    expect(r.ansible.code, `ansible-playbook exit\n${r.ansible.stdout}\n${r.ansible.stderr}`).toBe(code);
    expect(r.hw.code, `hostwright exit\n${r.hw.stdout}\n${r.hw.stderr}`).toBe(code);
    const theirs = view(r.ansible);
    expect(theirs.sections.length).toBeGreaterThan(3);
    expect(view(r.hw, names)).toEqual(theirs);
    return theirs;
  }

  beforeAll(async () => {
    const plain = labHosts('plain');
    expect(plain.length, 'this file needs 4 plain lab hosts').toBeGreaterThanOrEqual(4);
    ansibleHosts = plain.slice(0, 2);
    hwHosts = plain.slice(2, 4);
    names = new Map(hwHosts.map((h, i) => [h.name, ansibleHosts[i]!.name]));
    inventory = labState().inventoryFile;
    for (const h of plain.slice(0, 4)) await resetHost(h.name);
  });

  let checkRun: ToolRun;

  test('check mode on fresh hosts: the same includes, statuses and recap', async () => {
    const r = await both({ check: true });
    const v = same(r, 2);
    checkRun = r.hw;
    // The loop's item c is skipped on the other host, included on pick; the role's tasks show under its name.
    const loop = v.sections.find((s) => s.banner === 'TASK [loop include]')!;
    expect(loop.lines).toEqual([
      `skipping: [${ansibleHosts[1]!.name}] => (item=c) `,
      `included: <file> for ${ansibleHosts.map((h) => h.name).sort().join(', ')} => (item=a)`,
      `included: <file> for ${ansibleHosts.map((h) => h.name).sort().join(', ')} => (item=b)`,
      `included: <file> for ${ansibleHosts[0]!.name} => (item=c)`,
    ]);
    expect(v.sections.map((s) => s.banner)).toContain('TASK [web : web port]');
    // include_role with a loop: an item's skip is shown, the include itself prints nothing.
    expect(v.sections.find((s) => s.banner === 'TASK [role loop]')!.lines).toEqual([`skipping: [${ansibleHosts[1]!.name}] => (item=1) `]);
    expect(v.sections.map((s) => s.banner)).toEqual(expect.arrayContaining(['TASK [web : web other 1]', 'TASK [web : web other 2]']));
    for (const h of hwHosts) expect(await sshOk(h, 'ls /tmp/inc-* 2>/dev/null || true')).toBe('');
  });

  test('the first run: the same as Ansible, the check predicted it, the hosts hold what the items wrote', async () => {
    const r = await both();
    const v = same(r, 2);
    expect(v.sections.map((s) => s.banner)).toEqual(expect.arrayContaining(['RUNNING HANDLER [items changed]', 'RUNNING HANDLER [web : restart web]']));
    // Hostwright's own check run said what this run did, task for task.
    expect(view(checkRun)).toEqual(view(r.hw));
    const [pick, other] = hwHosts;
    expect(await sshOk(pick!, 'cat /tmp/inc-web-port /tmp/inc-c /tmp/inc-tagged-y')).toBe('port 80\nc\n1\n');
    expect(await sshOk(other!, 'cat /tmp/inc-web-port /tmp/inc-after-d /tmp/inc-web-restarted; ls /tmp/inc-c 2>&1 || true')).toMatch(/^port 81\nd\nrestarted\n.*No such file/);
    // pick failed at item c: nothing after it ran there.
    expect(await sshOk(pick!, 'ls /tmp/inc-after-c /tmp/inc-done 2>&1 || true')).toMatch(/No such file[\s\S]*No such file/);
  });

  test('the second run: nothing changes but what fails, as with Ansible', async () => {
    const v = same(await both(), 2);
    for (const line of v.recap) expect(line).toMatch(/changed=0 /);
  });

  test("--tags inc,inc2: an include's tags select it, not its tasks; apply's tags select them", async () => {
    const v = same(await both({ tags: 'inc,inc2' }), 0);
    const banners = v.sections.map((s) => s.banner);
    expect(banners).toEqual(['TASK [loop include]', 'TASK [apply include]', 'TASK [tagged x]', 'TASK [tagged y]']);
  });
});
