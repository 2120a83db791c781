/**
 * The dnf backend from output recorded on a lab host (Debian's dnf 4.14 and rpm 4.18 against a
 * local repository made with createrepo_c: hw-lib 1.0, hw-tool 1.0 and 2.0), in
 * test/fixtures/modules/dnf/.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dnf, dnfVerbs, parseDnfTransaction, parseRpmQuery, planDnf, withInstalledVersions, type DnfState } from '../../../modules/packages/dnf.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/modules/dnf');
const recorded = (name: string) => readFileSync(path.join(dir, name), 'utf8');

describe('dnf parsers', () => {
  it('reads rpm -q per spec (a name-version glob matches; an absent package prints no | line)', () => {
    const m = parseRpmQuery(recorded('rpm-query.txt'), ['hw-tool', 'hw-lib-1.0*', 'hw-nope']);
    expect([...m]).toEqual([['hw-tool', ['hw-tool 0:2.0-1.noarch']], ['hw-lib-1.0*', ['hw-lib 0:1.0-1.noarch']], ['hw-nope', []]]);
  });
  const cases: { file: string; steps: ReturnType<typeof parseDnfTransaction> }[] = [
    { file: 'install-with-dependency.txt', steps: [{ op: 'install', name: 'hw-tool', to: '1.0-1' }, { op: 'install', name: 'hw-lib', to: '1.0-1' }] },
    { file: 'upgrade.txt', steps: [{ op: 'upgrade', name: 'hw-tool', to: '2.0-1' }] },
    { file: 'downgrade.txt', steps: [{ op: 'downgrade', name: 'hw-tool', to: '1.0-1' }] },
    { file: 'remove-with-unused-dependency.txt', steps: [{ op: 'remove', name: 'hw-tool', from: '1.0-1' }, { op: 'remove', name: 'hw-lib', from: '1.0-1' }] },
    { file: 'nothing-to-do.txt', steps: [] },
    { file: 'no-match.txt', steps: [] },
  ];
  for (const c of cases) it(`reads the transaction: ${c.file}`, () => expect(parseDnfTransaction(recorded(c.file))).toEqual(c.steps));
});

describe('dnf plan', () => {
  const installed = parseRpmQuery(recorded('rpm-query.txt'), ['hw-tool', 'hw-lib-1.0*', 'hw-nope']);
  it('chooses install for missing specs, upgrade for installed ones with latest, remove for absent', () => {
    expect(dnfVerbs({}, installed)).toEqual([{ verb: 'install', specs: ['hw-nope'] }]);
    expect(dnfVerbs({ state: 'latest' }, installed)).toEqual([{ verb: 'install', specs: ['hw-nope'] }, { verb: 'upgrade', specs: ['hw-tool', 'hw-lib-1.0*'] }]);
    expect(dnfVerbs({ state: 'absent' }, installed)).toEqual([{ verb: 'remove', specs: ['hw-tool', 'hw-lib-1.0*'] }]);
    expect(dnfVerbs({}, new Map([['hw-tool', ['hw-tool 0:2.0-1.noarch']]]))).toEqual([]);
  });
  it('the transaction is the diff; one dnf call per verb with every spec', () => {
    const state: DnfState = { installed, verbs: [{ verb: 'install', specs: ['hw-tool-1.0*'] }], steps: parseDnfTransaction(recorded('install-with-dependency.txt')) };
    const plan = planDnf({ name: 'hw-tool-1.0*' }, state);
    expect(plan.changed).toBe(true);
    expect(plan.diffs).toEqual([{ before: '', after: 'hw-lib 1.0-1\nhw-tool 1.0-1\n', before_header: 'packages (before)', after_header: 'packages (after)' }]);
    expect((plan.actions[0] as { script: string }).script).toContain("dnf -y -q --setopt=install_weak_deps=True install 'hw-tool-1.0*'");
    expect(plan.result).toEqual({ installed: ['hw-tool=1.0-1', 'hw-lib=1.0-1'] });
  });
  it('an upgrade shows the installed version from rpm on the before side', () => {
    const steps = withInstalledVersions(parseDnfTransaction(recorded('downgrade.txt')), installed);
    expect(planDnf({ name: 'hw-tool-1.0*', state: 'present' }, { installed, verbs: [{ verb: 'install', specs: ['hw-tool-1.0*'] }], steps }).diffs).toEqual([
      { before: 'hw-tool 2.0-1\n', after: 'hw-tool 1.0-1\n', before_header: 'packages (before)', after_header: 'packages (after)' },
    ]);
  });
  it('an empty transaction (latest, nothing newer) is no change', () => {
    expect(planDnf({ name: 'hw-lib', state: 'latest' }, { installed, verbs: [{ verb: 'upgrade', specs: ['hw-lib'] }], steps: parseDnfTransaction(recorded('nothing-to-do.txt')) })).toMatchObject({ changed: false, actions: [] });
  });
  it('load-time checks name the field', () => {
    expect(dnf({ name: 'bad name' }).issues.map((i) => i.field)).toEqual(['name']);
    expect(dnf({}).issues.map((i) => i.field)).toEqual(['name']);
  });
});
