/**
 * Every module case (test/unit/modules/cases/<module>/<name>.json, see
 * test/fixtures/modules/cases.ts) replayed through the executor's own gather → plan path: the
 * module must send exactly the recorded probe (at most one round trip), plan what was recorded,
 * and plan nothing on the host as it was after the change was applied. A deliberately wrong case
 * must fail.
 */
import { describe, expect, it } from 'vitest';
import { caseModules, DEFAULT_FACTS, loadCases, moduleCall, replay, type ModuleCase } from '../../fixtures/modules/cases.js';

async function checkCase(c: ModuleCase): Promise<void> {
  const facts = { ...DEFAULT_FACTS, ...c.facts };
  const { sent, outcome } = await replay(moduleCall(c.module, c.params), c.probe, facts);
  expect(sent, 'the probe scripts sent').toEqual(c.probe.map((p) => p.script));
  expect(sent.length, 'one round trip at most').toBeLessThanOrEqual(1);
  expect(outcome).toEqual(c.expect);
  if ('plan' in c.expect && !c.expect.plan.changed) expect(c.expect.plan.actions, 'no change means no action').toEqual([]);
  if ('issues' in c.expect) expect(sent, 'refused params reach no host').toEqual([]);
  if (c.after) {
    const again = await replay(moduleCall(c.module, c.params), c.after, facts);
    expect(again.sent).toEqual(c.after.map((p) => p.script));
    expect(again.outcome, 'converged after applying').toMatchObject({ plan: { changed: false, actions: [] } });
  }
}

/** What every module has cases for (stat never changes anything: existing/missing instead). */
const REQUIRED: Record<string, string[]> = {
  command: ['create', 'converged', 'update', 'remove', 'invalid-params', 'host-failure'],
  shell: ['create', 'converged', 'update', 'remove', 'invalid-params', 'host-failure'],
  file: ['create', 'converged', 'update', 'remove', 'invalid-params', 'host-failure'],
  copy: ['create', 'converged', 'update', 'invalid-params', 'host-failure'],
  template: ['create', 'converged', 'update', 'invalid-params', 'host-failure'],
  lineinfile: ['create', 'converged', 'update', 'remove', 'invalid-params', 'host-failure'],
  blockinfile: ['create', 'converged', 'update', 'remove', 'invalid-params', 'host-failure'],
  stat: ['existing', 'missing', 'invalid-params', 'host-failure'],
  service: ['create', 'converged', 'update', 'remove', 'invalid-params', 'host-failure'],
  sysctl: ['create', 'converged', 'update', 'remove', 'invalid-params', 'host-failure'],
  hostname: ['create', 'converged', 'invalid-params', 'host-failure', 'systemd-update', 'systemd-converged'],
  systemd_service: ['create', 'converged', 'update', 'remove', 'invalid-params', 'host-failure'],
  reboot: ['create', 'host-failure', 'boot-id-failure', 'invalid-params'],
  timezone: ['create', 'converged', 'update', 'invalid-params', 'host-failure', 'systemd-create', 'systemd-converged'],
  unarchive: ['create', 'converged', 'update', 'invalid-params', 'host-failure'],
  mount: ['create', 'converged', 'update', 'remove', 'invalid-params', 'host-failure'],
  apt_repository: ['create', 'converged', 'update', 'remove', 'invalid-params', 'host-failure'],
  deb822_repository: ['create', 'converged', 'update', 'remove', 'invalid-params', 'host-failure'],
  apt_signing_key: ['create', 'converged', 'update', 'remove', 'invalid-params', 'host-failure'],
};

for (const module of caseModules()) {
  describe(`${module} cases`, () => {
    for (const c of loadCases(module)) {
      it(`${c.name}: ${c.description}`, () => checkCase(c));
    }
  });
}

describe('the case harness', () => {
  it('every existing module has its cases', () => {
    for (const [module, names] of Object.entries(REQUIRED)) {
      expect(loadCases(module).map((c) => c.name), module).toEqual(expect.arrayContaining(names));
    }
  });

  it('a deliberately wrong case fails: another plan, another probe output, another probe, a second probe', async () => {
    const [base] = loadCases('lineinfile').filter((c) => c.name === 'update');
    expect(base).toBeDefined();
    const c = base!;
    if (!('plan' in c.expect)) throw new Error('lineinfile/update plans a change');
    const wrongPlan: ModuleCase = { ...c, expect: { plan: { ...c.expect.plan, changed: false } } };
    await expect(checkCase(wrongPlan)).rejects.toThrow();
    // The file as recorded, with the line already replaced: the module would plan nothing.
    const converged = c.after![0]!;
    await expect(checkCase({ ...c, probe: [{ ...c.probe[0]!, stdout: converged.stdout }] })).rejects.toThrow();
    await expect(checkCase({ ...c, probe: [{ ...c.probe[0]!, script: 'cat /etc/other' }] })).rejects.toThrow();
    await expect(checkCase({ ...c, probe: [...c.probe, c.probe[0]!] })).rejects.toThrow(/probe scripts sent/);
    // And the real case passes.
    await checkCase(c);
  });
});
