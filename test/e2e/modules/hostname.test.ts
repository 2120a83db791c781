/**
 * hostname end to end, compared with ansible.builtin.hostname run by ansible-playbook on the same
 * host: on a plain host Debian's file strategy (/etc/hostname only, the running name stays), on a
 * systemd host hostnamectl (static and transient). Registered results (name, ansible_facts) and
 * the names the host is left with after each step.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hostname, shell } from '../../../modules/index.js';
import type { HostnameParams } from '../../../modules/hostname.js';
import type { TaskResult } from '../../../runner/module.types.js';
import type { LabHost } from '../../lab/state.js';
import { labHosts, sshOk } from '../../lab/testing.js';
import { converge, session } from './harness.js';
import { ansibleResults, ourResults, pick, type ParityCase } from './play-parity.js';

const hn = (name: string, args: HostnameParams, ignore = false): ParityCase => ({ name, ansible: { module: 'hostname', args: { ...args } }, ours: hostname(args), ignore_errors: ignore });
const LOOK = 'cat /etc/hostname; hostname';
const look: ParityCase = { name: 'look', ansible: { module: 'shell', args: { cmd: LOOK } }, ours: shell({ cmd: LOOK }) };
/** The name the lab gave the host, back in the file and (systemd) in hostnamed. */
const restore = (h: LabHost) => sshOk(h, `if [ -d /run/systemd/system ]; then hostnamectl set-hostname ${h.name}; else echo ${h.name} > /etc/hostname; hostname ${h.name}; fi`);

function compare(cases: ParityCase[], theirs: TaskResult[], ours: TaskResult[]): void {
  cases.forEach((c, i) => {
    const keys = c.ansible.module === 'shell' ? ['stdout'] : theirs[i]?.failed ? ['failed'] : ['failed', 'changed', 'name', 'ansible_facts'];
    expect(pick(ours[i], keys), c.name).toEqual(pick(theirs[i], keys));
  });
}

function steps(h: LabHost, extra: ParityCase[] = []): ParityCase[] {
  return [
    hn('a new name', { name: 'web-1.example.com' }),
    hn('the same name', { name: 'web-1.example.com' }),
    look,
    hn('a short name', { name: 'web-2' }),
    ...extra,
    hn('back to the lab name', { name: h.name }),
    look,
  ];
}

let plain: LabHost;
let systemd: LabHost;
beforeAll(() => {
  plain = labHosts('plain')[0]!;
  systemd = labHosts('systemd')[0]!;
});
afterAll(async () => {
  await Promise.all([restore(plain), restore(systemd)]);
});

describe('hostname compared with ansible.builtin.hostname', () => {
  test('plain host (file strategy): results, /etc/hostname and the running name after each step', async () => {
    const cases = steps(plain, [hn('hostnamectl where systemd does not run', { name: 'web-3', use: 'systemd' }, true)]);
    const theirs = await ansibleResults(plain.name, cases);
    const ours = await ourResults(plain.name, cases);
    expect(ours[0]).toMatchObject({ changed: true, name: 'web-1.example.com', ansible_facts: { ansible_hostname: 'web-1', ansible_nodename: 'web-1.example.com' } });
    // Ansible's file strategy on Debian writes the file and leaves the running name.
    expect(ours[2]!.stdout).toBe(`web-1.example.com\n${plain.name}`);
    expect(ours[4]).toMatchObject({ failed: true });
    compare(cases, theirs, ours);
  });

  test('systemd host (hostnamectl): results and both names after each step', async () => {
    const cases = steps(systemd);
    const theirs = await ansibleResults(systemd.name, cases);
    const ours = await ourResults(systemd.name, cases);
    expect(ours[2]!.stdout).toBe('web-1.example.com\nweb-1.example.com');
    compare(cases, theirs, ours);
  });

  test('the module contract; check mode carries the name to a later task', async () => {
    const s = await session(systemd);
    const r = await converge(s, hostname({ name: 'db-1' }));
    expect(r.check.plan?.diffs).toEqual([{ before: `hostname = ${systemd.name}\n`, after: 'hostname = db-1\n' }]);
    await restore(systemd);
    const predicted = await ourResults(systemd.name, [hn('set', { name: 'db-2' }), hn('again', { name: 'db-2' })], true);
    expect(predicted.map((x) => x.changed)).toEqual([true, false]);
    expect(await sshOk(systemd, 'hostname')).toBe(`${systemd.name}\n`);
  });
});
