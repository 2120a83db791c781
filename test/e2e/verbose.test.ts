/**
 * -vvvv shows how the connection went, as ansible-playbook's -vvvv shows ssh's own account: the
 * endpoint, the server's host key with the known_hosts line it matched (its fingerprint checked
 * against OpenSSH's ssh-keygen), each authentication method tried and the one that worked, and
 * which way each command went (the shell session or a channel of its own). -vvv shows none of it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { labHosts, labState, ssh } from '../lab/testing.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const PLAYBOOK = path.join(ROOT, 'test/e2e/playbooks/live-view/connect.ts');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

async function playbook(host: string, verbosity: string): Promise<string> {
  const { stdout } = await run(TSX, [PLAYBOOK, '-i', labState().inventoryFile, '-l', host, verbosity], { cwd: ROOT, env: { ...process.env, CI: 'true' } });
  return stdout;
}

describe('-vvvv: connection detail', () => {
  test('endpoint, host key and its known_hosts line, auth tried and used, session and channel use', async () => {
    const host = labHosts('plain')[0]!;
    const state = labState();
    const out = await playbook(host.name, '-vvvv');
    const mine = out.split('\n').filter((l) => l.startsWith(`<${host.name}> SSH: `)).map((l) => l.slice(`<${host.name}> SSH: `.length));
    expect(mine[0]).toBe(`connecting to root@${host.address}:22 (timeout 10s)`);

    const hostKey = mine.find((l) => l.startsWith('server host key '));
    const m = /^server host key (\S+) (SHA256:\S+) matches (.+):(\d+)$/.exec(hostKey ?? '');
    expect(m, hostKey).not.toBeNull();
    const [, type, fp, file, line] = m!;
    expect(file).toBe(state.knownHostsFile);
    // The line it names holds the key OpenSSH fingerprints the same way.
    const entry = (await readFile(file!, 'utf8')).split('\n')[Number(line) - 1]!;
    expect(entry.split(' ')[1]).toBe(type);
    const dir = await mkdtemp(path.join(tmpdir(), 'hw-verbose-'));
    await writeFile(path.join(dir, 'entry'), `${entry}\n`);
    const { stdout: keygen } = await run('ssh-keygen', ['-lf', path.join(dir, 'entry')]);
    await rm(dir, { recursive: true, force: true });
    expect(keygen).toContain(fp);

    const keyFile = state.keyFile;
    expect(mine).toContain(`trying authentication: publickey ${keyFile}`);
    expect(mine).toContain(`authenticated as root with publickey ${keyFile}`);
    expect(mine.indexOf(`authenticated as root with publickey ${keyFile}`)).toBeGreaterThan(mine.indexOf(hostKey!));
    expect(mine).toContain('shell session open on its own channel: commands without stdin run through it');
    expect(mine).toContain('command through the shell session');
    expect(mine.some((l) => /^command on a channel of its own \(stdin\); \d of 8 channels in use$/.test(l))).toBe(true);
    // Never a secret: no key material, only its path.
    expect(out).not.toContain('PRIVATE KEY');

    const vvv = await playbook(host.name, '-vvv');
    expect(vvv).toContain(`<${host.name}> EXEC`);
    expect(vvv).not.toContain('SSH: ');
    await ssh(host, 'rm -f /tmp/hostwright-verbose-test');
  });
});
