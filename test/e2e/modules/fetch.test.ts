/**
 * fetch end to end: files from a lab host to the controller, compared with Ansible's fetch action
 * on the same host (each tool into its own controller directory): what each task registers
 * (changed, failed, msg, checksum, remote_checksum, md5sum, file, dest below its directory), the
 * files left on the controller, a second run that changes nothing, check mode skipping.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fetch, type FetchParams } from '../../../modules/index.js';
import type { TaskResult } from '../../../runner/module.types.js';
import type { LabHost } from '../../lab/state.js';
import { labHosts, ssh, sshOk } from '../../lab/testing.js';
import { ansibleResults, ourResults, pick, type ParityCase } from './play-parity.js';

let host: LabHost;
let base: string;

beforeAll(async () => {
  host = labHosts('plain')[3]!;
  base = await mkdtemp(path.join(tmpdir(), 'hw-fetch-'));
  await sshOk(host, "rm -rf /tmp/hw-fetch && mkdir -p /tmp/hw-fetch/dir && printf 'release 1\\n' > /tmp/hw-fetch/app.conf && head -c 300000 /dev/urandom > /tmp/hw-fetch/blob.bin");
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
  await ssh(host, 'rm -rf /tmp/hw-fetch');
});

/** The same cases for one tool, into its own controller directory. */
function cases(root: string): ParityCase[] {
  const c = (name: string, args: FetchParams, ignore = false): ParityCase => ({ name, ansible: { module: 'fetch', args: { ...args } }, ours: fetch(args), ignore_errors: ignore });
  return [
    c('per host tree', { src: '/tmp/hw-fetch/app.conf', dest: `${root}/tree` }),
    c('flat to a file', { src: '/tmp/hw-fetch/app.conf', dest: `${root}/flat/app.conf`, flat: true }),
    c('flat into a directory', { src: '/tmp/hw-fetch/blob.bin', dest: `${root}/flat/`, flat: true }),
    c('missing fails', { src: '/tmp/hw-fetch/nope', dest: `${root}/tree` }, true),
    c('missing tolerated', { src: '/tmp/hw-fetch/nope', dest: `${root}/tree`, fail_on_missing: false }),
    c('a directory', { src: '/tmp/hw-fetch/dir', dest: `${root}/tree` }, true),
  ];
}

const KEYS = ['changed', 'failed', 'msg', 'checksum', 'remote_checksum', 'md5sum', 'file'];
/** A result with its dest made relative to the tool's directory. */
const shown = (r: TaskResult | undefined, root: string) => ({ ...pick(r, KEYS), dest: typeof r?.dest === 'string' ? path.relative(root, r.dest) : r?.dest });

describe('fetch compared with ansible.builtin.fetch', () => {
  test('6 cases twice: registered results, controller files, second run unchanged', async () => {
    const theirsRoot = path.join(base, 'ansible');
    const oursRoot = path.join(base, 'ours');
    const theirs = [await ansibleResults(host.name, cases(theirsRoot)), await ansibleResults(host.name, cases(theirsRoot))];
    const ours = [await ourResults(host.name, cases(oursRoot)), await ourResults(host.name, cases(oursRoot))];
    expect(theirs[0]![0]).toMatchObject({ changed: true });
    for (const run of [0, 1]) {
      cases(oursRoot).forEach((c, i) => expect(shown(ours[run]![i], oursRoot), `${c.name} (run ${run + 1})`).toEqual(shown(theirs[run]![i], theirsRoot)));
    }
    expect(ours[1]!.every((r) => !r.changed)).toBe(true);
    for (const file of [`tree/${host.name}/tmp/hw-fetch/app.conf`, 'flat/app.conf', 'flat/blob.bin']) {
      expect(await readFile(path.join(oursRoot, file)), file).toEqual(await readFile(path.join(theirsRoot, file)));
    }
    expect((await readFile(path.join(oursRoot, 'flat/blob.bin'))).length).toBe(300000);
  });

  test('a changed host file is fetched again; check mode skips as Ansible does; a bad dest fails clearly', async () => {
    const root = path.join(base, 'again');
    await ourResults(host.name, cases(root).slice(0, 1));
    await sshOk(host, "printf 'release 2\\n' > /tmp/hw-fetch/app.conf");
    const [r] = await ourResults(host.name, cases(root).slice(0, 1));
    expect(r).toMatchObject({ changed: true });
    expect(await readFile(path.join(root, `tree/${host.name}/tmp/hw-fetch/app.conf`), 'utf8')).toBe('release 2\n');
    const [theirs, ours] = [await ansibleResults(host.name, cases(root).slice(0, 1), true), await ourResults(host.name, cases(root).slice(0, 1), true)];
    expect(pick(ours[0], ['skipped', 'msg'])).toEqual(pick(theirs[0], ['skipped', 'msg']));
    const [bad] = await ourResults(host.name, [{ name: 'x', ansible: { module: 'fetch', args: {} }, ours: fetch({ src: '/tmp/hw-fetch/app.conf', dest: root, flat: true }) }]);
    expect(bad).toMatchObject({ failed: true, msg: 'dest is an existing directory, use a trailing slash if you want to fetch src into that directory' });
  });
});
