/**
 * apt, user, group, cron and authorized_key against the real Ansible (ansible-core 2.14's apt,
 * user, group, cron; ansible.posix's authorized_key): every case of
 * test/e2e/playbooks/modules-parity/cases.ts is one task; a batch runs as ONE ansible-playbook
 * on one freshly reset lab host and as ONE Hostwright playbook on another (after the same setup
 * script), twice. Each task must report the same status (ok / changed / failed) with both tools
 * in both runs, and the hosts must be left in the same state (package versions, passwd/shadow/
 * group lines, homes, authorized_keys, crontabs and cron.d files byte for byte).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labHosts, labState, resetHost, sshOk } from '../lab/testing.js';
import type { LabHost } from '../lab/state.js';
import { childEnv, parseRun, REPO_ROOT, runTool, TSX, type ParsedRun } from './playbooks/parity/output.js';
import { ANSIBLE_MODULE, BATCHES, type ParityBatch, type ParityModule } from './playbooks/modules-parity/cases.js';

const BATCH_TS = path.join(REPO_ROOT, 'test/e2e/playbooks/modules-parity/batch.ts');

interface Side {
  runs: ParsedRun[];
  /** Exit code and output of each run (checked by the tests, so one bad run does not hide the rest). */
  exits: { code: number; output: string }[];
  states: string[];
}
interface BatchResult {
  ansible: Side;
  hostwright: Side;
}

let dir: string;
/** The hosts the batches ran on (reset again afterwards). */
const used: LabHost[] = [];
const results = new Map<string, BatchResult>();

function ansibleYaml(batch: ParityBatch, name: string): string {
  // JSON is YAML: the same table, as Ansible reads a playbook.
  const tasks = batch.cases.map((c) => ({ name: c.name, [ANSIBLE_MODULE[c.module]]: c.params, ...(c.fails ? { ignore_errors: true } : {}) }));
  return JSON.stringify([{ name: `parity ${name}`, hosts: 'all', gather_facts: false, tasks }], null, 1);
}

/** Both tools, each on its own freshly reset host: setup, run, state, run again, state. */
async function runBatch(name: keyof typeof BATCHES, ansibleHost: LabHost, hwHost: LabHost): Promise<BatchResult> {
  const batch = BATCHES[name];
  const inventory = labState().inventoryFile;
  const yaml = path.join(dir, `${name}.yml`);
  await writeFile(yaml, ansibleYaml(batch, name));
  const side = async (host: LabHost, argv: string[], env: NodeJS.ProcessEnv, what: string): Promise<Side> => {
    // (the hosts were reset by the caller)
    await sshOk(host, batch.setup, { timeoutMs: 300_000 });
    const out: Side = { runs: [], exits: [], states: [] };
    for (const round of ['first', 'second']) {
      const run = await runTool([...argv, '-i', inventory, '-l', host.name], { env });
      out.exits.push({ code: run.code, output: `${what} ${round} run:\n${run.stdout}\n${run.stderr}` });
      out.runs.push(parseRun(run.stdout));
      out.states.push((await sshOk(host, batch.state)).replaceAll(host.name, 'HOST'));
    }
    return out;
  };
  const [ansible, hostwright] = await Promise.all([
    side(ansibleHost, ['ansible-playbook', yaml], childEnv({ ANSIBLE_PIPELINING: '1' }), 'ansible-playbook'),
    side(hwHost, [TSX, BATCH_TS], childEnv({ HW_PARITY_BATCH: name }), 'hostwright'),
  ]);
  return { ansible, hostwright };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hw-modules-parity-'));
  const hosts = labHosts('plain');
  expect(hosts.length, 'module parity needs 4 plain lab hosts').toBeGreaterThanOrEqual(4);
  const [a1, h1, a2, h2] = hosts;
  // Fresh hosts (the lab resets one host at a time).
  used.push(a1!, h1!, a2!, h2!);
  for (const h of used) await resetHost(h.name);
  const [apt, accounts] = await Promise.all([runBatch('apt', a1!, h1!), runBatch('accounts', a2!, h2!)]);
  results.set('apt', apt);
  results.set('accounts', accounts);
}, 900_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  // The batches changed sources, packages, users and crontabs: the next test files get fresh hosts.
  for (const h of used) await resetHost(h.name);
});

/** `changed`, `ok`, `fatal` ... of one task in one run (the host name and details dropped). */
function status(run: ParsedRun, task: string): string[] {
  const t = run.tasks.find((x) => x.banner === `TASK [${task}]`);
  return (t?.statuses ?? ['(task not run)']).map((s) => s.split(':')[0]!);
}

describe('module parity with Ansible', () => {
  it('has at least 10 cases for each module', () => {
    const count = new Map<ParityModule, number>();
    for (const b of Object.values(BATCHES)) for (const c of b.cases) count.set(c.module, (count.get(c.module) ?? 0) + 1);
    for (const m of Object.keys(ANSIBLE_MODULE) as ParityModule[]) expect(count.get(m) ?? 0, m).toBeGreaterThanOrEqual(10);
  });

  for (const [name, batch] of Object.entries(BATCHES)) {
    describe(`batch ${name}`, () => {
      it('both tools ran the whole playbook (exit 0; failing cases are ignore_errors)', () => {
        const r = results.get(name)!;
        for (const e of [...r.ansible.exits, ...r.hostwright.exits]) expect(e.code, e.output).toBe(0);
      });
      for (const c of batch.cases) {
        it(c.name, () => {
          const r = results.get(name)!;
          const theirs = r.ansible.runs.map((run) => status(run, c.name));
          const ours = r.hostwright.runs.map((run) => status(run, c.name));
          expect(ours).toEqual(theirs);
          if (c.fails) expect(theirs).toEqual([['fatal'], ['fatal']]);
        });
      }
      it('leaves the same state after the first and the second run', () => {
        const r = results.get(name)!;
        // The state is what the cases made (not an empty probe).
        for (const mark of batch.stateMarks) expect(r.ansible.states[1]).toContain(mark);
        expect(r.hostwright.states[0]).toEqual(r.ansible.states[0]);
        expect(r.hostwright.states[1]).toEqual(r.ansible.states[1]);
      });
      it('changes nothing on the second run, with either tool', () => {
        const r = results.get(name)!;
        for (const side of [r.ansible, r.hostwright]) {
          expect(side.runs[0]!.tasks.some((t) => t.statuses.some((s) => s.startsWith('changed')))).toBe(true);
          expect(side.runs[1]!.tasks.filter((t) => t.statuses.some((s) => s.startsWith('changed'))).map((t) => t.banner)).toEqual([]);
        }
      });
    });
  }
});
