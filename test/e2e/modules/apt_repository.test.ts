/**
 * apt_repository and deb822_repository end to end, against a REAL signed repository built and
 * served in another lab host (signed-repo.ts): the repository added with signed-by, apt-get update
 * verifying its signature, the package installed from it; a wrong key makes apt refuse. Compared
 * with ansible-core 2.14's apt_repository run by ansible-playbook on the same host (registered
 * results, the files it leaves, their names, content and modes, what apt then sees). deb822_repository
 * is ansible-core 2.15+, not installed here: it is held to its documented format instead.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apt, apt_repository, apt_signing_key, deb822_repository, shell } from '../../../modules/index.js';
import type { AptRepositoryParams } from '../../../modules/packages/apt_repository.js';
import { play, task } from '../../../runner/dsl.js';
import type { TaskResult } from '../../../runner/module.types.js';
import type { LabHost } from '../../lab/state.js';
import { aptInstall, eventually } from '../../lab/probes.js';
import { labHosts, resetHost, ssh, sshOk } from '../../lab/testing.js';
import { converge, remote, run, session, type HostSession } from './harness.js';
import { ansibleResults, ourResults, pick, playStatuses, type ParityCase } from './play-parity.js';
import { BUILD_SIGNED_REPO, serveSignedRepo, SIGNED_REPO_PORT } from './signed-repo.js';

let server: LabHost;
let client: LabHost;
let s: HostSession;
let base: string;
/** The signing key's fingerprint, as gpg on the server prints it. */
let fpr: string;

/** The client's apt state this file starts each part from: no sources of ours, no keys, no package. */
const CLEAN = 'rm -f /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources /etc/apt/keyrings/*; dpkg -r hw-signed >/dev/null 2>&1; apt-get -q update >/dev/null 2>&1; true';

beforeAll(async () => {
  [server, client] = labHosts('plain') as [LabHost, LabHost];
  base = `http://${server.address}:${SIGNED_REPO_PORT}`;
  // One at a time: a reset holds the lab's lock.
  await resetHost(client.name);
  await resetHost(server.name);
  await Promise.all([
    sshOk(server, `${aptInstall('gpg', 'gpg-agent')}\n${BUILD_SIGNED_REPO}\n${serveSignedRepo(server.address)}`, { timeoutMs: 240_000 }),
    // python3-apt: ansible's apt_repository needs it; curl: deb822_repository fetches key URLs with it.
    // Then Debian's own source is switched off (every apt-get update reads only the test repository)
    // and apt goes to the server directly: the lab's apt proxy refuses ports other than 80 and 443.
    sshOk(
      client,
      `${aptInstall('python3-apt', 'curl')}\nsed -i 's/^deb /#deb /' /etc/apt/sources.list && echo 'Acquire::http::Proxy::${server.address} "DIRECT";' > /etc/apt/apt.conf.d/99hw-direct && mkdir -p /etc/apt/keyrings && ${CLEAN}`,
      { timeoutMs: 240_000 },
    ),
  ]);
  await eventually('the repository served', () => ssh(client, `curl -fsS ${base}/repo/InRelease >/dev/null`), (r) => r.code === 0, 30_000);
  s = await session(client);
  fpr = (await sshOk(server, 'GNUPGHOME=/root/hw-gnupg gpg --with-colons --fingerprint hw@example.invalid')).match(/^fpr:+([0-9A-F]{40}):/m)![1]!;
}, 300_000);

// The client's sources and packages changed, the server runs an HTTP server: fresh hosts for the next files.
afterAll(async () => {
  if (client) await resetHost(client.name);
  if (server) await resetHost(server.name);
});

const look = 'for f in /etc/apt/sources.list.d/*; do [ -e "$f" ] && { echo "== $f $(stat -c %a "$f")"; cat "$f"; }; done; apt-cache policy hw-signed | sed -n 1,3p';
const sh = (name: string, cmd: string): ParityCase => ({ name, ansible: { module: 'shell', args: { cmd } }, ours: shell({ cmd }) });
const ar = (name: string, args: AptRepositoryParams, ignore = false): ParityCase => ({ name, ansible: { module: 'apt_repository', args: { ...args } }, ours: apt_repository(args), ignore_errors: ignore });

describe('apt_repository compared with ansible-core 2.14', () => {
  test('signed-by repository added (update verifies it), again, another file with a mode, removed, a wrong key refused and put back', async () => {
    const repo = `deb [signed-by=/etc/apt/keyrings/hw.asc] ${base}/repo ./`;
    const cases: ParityCase[] = [
      sh('start clean, the key in place', `${CLEAN}; curl -fsS -o /etc/apt/keyrings/hw.asc ${base}/key.asc`),
      ar('add the signed repository', { repo }),
      sh('look', look),
      ar('the same again', { repo: `deb  [signed-by=/etc/apt/keyrings/hw.asc]   ${base}/repo   ./` }),
      ar('another file, its mode, no update', { repo: `deb [signed-by=/etc/apt/keyrings/hw.asc] ${base}/repo/ ./`, filename: 'hw-second', mode: '0600', update_cache: false }),
      sh('look', look),
      ar('removed', { repo: `deb [signed-by=/etc/apt/keyrings/hw.asc] ${base}/repo/ ./`, state: 'absent', update_cache: false }),
      ar('removed again', { repo: `deb [signed-by=/etc/apt/keyrings/hw.asc] ${base}/repo/ ./`, state: 'absent' }),
      sh('the wrong key', `curl -fsS -o /etc/apt/keyrings/wrong.asc ${base}/wrong.asc`),
      ar('signed by a key that did not sign it: the update fails', { repo: `deb [signed-by=/etc/apt/keyrings/wrong.asc] ${base}/repo/./ ./`, filename: 'hw-wrong', update_cache_retries: 1 }, true),
      sh('look', look),
    ];
    const theirs = await ansibleResults(client.name, cases);
    const ours = await ourResults(client.name, cases);
    const status = (rs: TaskResult[]) => rs.map((r, i) => `${cases[i]!.name}: ${r.failed ? 'failed' : r.changed ? 'changed' : 'ok'}`);
    expect(status(ours)).toEqual(status(theirs));
    const parityCases = cases.filter((c) => c.ansible.module === 'apt_repository').length;
    expect(parityCases).toBeGreaterThanOrEqual(5);
    cases.forEach((c, i) => {
      const keys = c.ansible.module === 'shell' ? ['stdout'] : theirs[i]!.failed ? ['failed'] : ['failed', 'changed', 'repo', 'state'];
      expect(pick(ours[i], keys), c.name).toEqual(pick(theirs[i], keys));
    });
    // What both left: the file named after the URL, apt reading the repository through the key.
    const file = `/etc/apt/sources.list.d/${server.address.replace(/\./g, '_')}_${SIGNED_REPO_PORT}_repo.list`;
    expect(ours[2]!.stdout).toContain(`== ${file} 644\n${repo}\n`);
    expect(ours[2]!.stdout).toMatch(/Candidate: 1\.0/);
    expect(ours[5]!.stdout).toContain(`== /etc/apt/sources.list.d/hw-second.list 600\n`);
    // The refused repository's file was taken away again (both tools).
    expect(ours[9]!.msg).toMatch(/NO_PUBKEY|not signed|signature/i);
    expect(ours[10]!.stdout).not.toContain('hw-wrong');
  });
});

describe('the module contract on the host', () => {
  test('apt_signing_key from the URL (fingerprint pinned), then apt_repository: check predicts, the run changes, the next does not; apt installs from it', async () => {
    await remote(s, CLEAN);
    const key = await converge(s, apt_signing_key({ dest: '/etc/apt/keyrings/hw.asc', url: `${base}/key.asc`, id: fpr }));
    expect(key.first.result).toMatchObject({ dest: '/etc/apt/keyrings/hw.asc', fingerprint: fpr });
    expect(await remote(s, 'cat /etc/apt/keyrings/hw.asc')).toBe((await sshOk(server, 'cat /srv/www/key.asc')).replace(/\n$/, ''));
    const repo = `deb [signed-by=/etc/apt/keyrings/hw.asc] ${base}/repo ./`;
    const { check } = await converge(s, apt_repository({ repo, filename: 'hw' }));
    expect(check.plan?.diffs).toEqual([{ before: '', after: `${repo}\n`, before_header: '/dev/null', after_header: '/etc/apt/sources.list.d/hw.list' }]);
    expect(check.result).toMatchObject({ repo, state: 'present' });
    await converge(s, apt({ name: 'hw-signed' }));
    expect(await remote(s, 'cat /usr/share/hw-signed/hello')).toBe('hello');
  });

  test('apt_signing_key from a controller file into a .gpg keyring (de-armoured: apt verifies with it); another id refused', async () => {
    await remote(s, CLEAN);
    const dir = await mkdtemp(path.join(tmpdir(), 'hw-key-'));
    try {
      await writeFile(path.join(dir, 'hw.asc'), await sshOk(server, 'cat /srv/www/key.asc'));
      const wrongId = await run(s, apt_signing_key({ dest: '/etc/apt/keyrings/hw.gpg', src: 'hw.asc', id: '0123456789ABCDEF' }), false, dir);
      expect(wrongId).toMatchObject({ failed: true, msg: `the key's fingerprint is ${fpr}, not 0123456789ABCDEF: refused` });
      await converge(s, apt_signing_key({ dest: '/etc/apt/keyrings/hw.gpg', src: 'hw.asc' }), { playbookDir: dir });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(await remote(s, "od -An -tx1 -N1 /etc/apt/keyrings/hw.gpg | tr -d ' '")).toBe('98');
    await converge(s, apt_repository({ repo: `deb [signed-by=/etc/apt/keyrings/hw.gpg] ${base}/repo ./` }));
    expect(await remote(s, 'apt-cache policy hw-signed | grep Candidate')).toContain('1.0');
  });

  test('deb822_repository with a key URL: the key fetched on the host into /etc/apt/keyrings, apt verifies with it and installs', async () => {
    await remote(s, CLEAN);
    const params = { name: 'HW signed', uris: `${base}/repo`, suites: './', signed_by: `${base}/key.asc` };
    const { check } = await converge(s, deb822_repository(params));
    const text = `X-Repolib-Name: HW signed\nSigned-By: /etc/apt/keyrings/hw-signed.asc\nSuites: ./\nTypes: deb\nURIs: ${base}/repo\n`;
    expect(check.result).toMatchObject({ repo: text, dest: '/etc/apt/sources.list.d/hw-signed.sources', key_filename: '/etc/apt/keyrings/hw-signed.asc' });
    expect(check.plan?.diffs?.map((d) => d.after_header)).toEqual(['/etc/apt/keyrings/hw-signed.asc', '/etc/apt/sources.list.d/hw-signed.sources']);
    expect(await remote(s, 'cat /etc/apt/sources.list.d/hw-signed.sources; stat -c %a /etc/apt/sources.list.d/hw-signed.sources /etc/apt/keyrings/hw-signed.asc')).toBe(`${text}644\n644`);
    const key = await sshOk(server, 'cat /srv/www/key.asc');
    expect(await remote(s, 'cat /etc/apt/keyrings/hw-signed.asc')).toBe(key.replace(/\n$/, ''));
    await converge(s, apt({ name: 'hw-signed', update_cache: true }), { idempotent: false });
    expect(await remote(s, "dpkg-query -W -f '${Version}' hw-signed")).toBe('1.0');
  });

  test('the wrong key: apt refuses the repository; an inline armoured key is accepted; absent removes the files', async () => {
    await remote(s, CLEAN);
    await converge(s, deb822_repository({ name: 'hw', uris: `${base}/repo`, suites: './', signed_by: `${base}/wrong.asc` }));
    const refused = await run(s, apt({ name: 'hw-signed', update_cache: true }));
    expect(refused.failed).toBe(true);
    expect(refused.msg).toMatch(/NO_PUBKEY|not signed|signature/i);
    expect(await remote(s, 'dpkg -s hw-signed >/dev/null 2>&1 && echo installed || echo absent')).toBe('absent');

    const inline = await sshOk(server, 'cat /srv/www/key.asc');
    const { first } = await converge(s, deb822_repository({ name: 'hw', uris: `${base}/repo`, suites: './', signed_by: inline }));
    expect(first.result).toMatchObject({ key_filename: null, dest: '/etc/apt/sources.list.d/hw.sources' });
    expect(await remote(s, 'cat /etc/apt/sources.list.d/hw.sources')).toContain('Signed-By:\n    -----BEGIN PGP PUBLIC KEY BLOCK-----\n    .\n');
    const installed = await run(s, apt({ name: 'hw-signed', update_cache: true }));
    expect(installed).toMatchObject({ failed: false, changed: true });

    // The wrong key file from the first step stays until absent removes it with the .sources file.
    const { check } = await converge(s, deb822_repository({ name: 'hw', state: 'absent' }));
    expect(check.result).toMatchObject({ repo: null, key_filename: '/etc/apt/keyrings/hw.gpg' });
    expect(await remote(s, 'ls /etc/apt/sources.list.d /etc/apt/keyrings')).toBe('/etc/apt/keyrings:\n\n/etc/apt/sources.list.d:');
  });

  test('a key URL that does not answer fails clearly and changes nothing', async () => {
    await remote(s, CLEAN);
    const r = await run(s, deb822_repository({ name: 'hw', uris: `${base}/repo`, suites: './', signed_by: `${base}/no-such-key.asc` }));
    expect(r.failed).toBe(true);
    expect(r.msg).toMatch(/^Could not fetch signed_by key: .*404/);
    expect(await remote(s, 'ls /etc/apt/sources.list.d /etc/apt/keyrings')).toBe('/etc/apt/keyrings:\n\n/etc/apt/sources.list.d:');
  });
});

describe('check mode across tasks', () => {
  test('a key and a repository that would be added, then apt from it: apt depends on it; the run does both; a second check predicts no change', async () => {
    await remote(s, CLEAN);
    const plays = [
      play({
        hosts: 'all',
        gather_facts: false,
        tasks: [
          task('its key', apt_signing_key({ dest: '/etc/apt/keyrings/hw.asc', url: `${base}/key.asc` })),
          task('add the repository', apt_repository({ repo: `deb [signed-by=/etc/apt/keyrings/hw.asc] ${base}/repo ./` })),
          task('the same line in a second task', apt_repository({ repo: `deb [signed-by=/etc/apt/keyrings/hw.asc] ${base}/repo ./` })),
          task('a deb822 source too', deb822_repository({ name: 'hw', uris: `${base}/repo`, suites: './', signed_by: '/etc/apt/keyrings/hw.asc' })),
          task('install from it', apt({ name: 'hw-signed' })),
        ],
      }),
    ];
    expect(await playStatuses(client.name, plays, true)).toEqual(['changed', 'changed', 'ok', 'changed', 'depends on a deb822 source too']);
    expect(await remote(s, 'ls /etc/apt/sources.list.d /etc/apt/keyrings')).toBe('/etc/apt/keyrings:\n\n/etc/apt/sources.list.d:');
    expect(await playStatuses(client.name, plays, false)).toEqual(['changed', 'changed', 'ok', 'changed', 'changed']);
    expect(await playStatuses(client.name, plays, true)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
  });
});
