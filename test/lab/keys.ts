/**
 * SSH keys the lab keeps between runs: one client key accepted on every host, and one ed25519 host
 * key per host name, so a known_hosts written for `lab01` stays valid across down/up.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { run } from './exec.js';
import { CLIENT_KEY, HOSTKEY_DIR } from './paths.js';

async function ensureKey(file: string, comment: string): Promise<void> {
  if (existsSync(file) && existsSync(`${file}.pub`)) return;
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // Generate beside the final name and rename, so a killed run never leaves half a key pair.
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.rm(tmp, { force: true });
  await fs.rm(`${tmp}.pub`, { force: true });
  await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', tmp]);
  await fs.rename(`${tmp}.pub`, `${file}.pub`);
  await fs.rename(tmp, file);
}

export async function ensureClientKey(): Promise<string> {
  await ensureKey(CLIENT_KEY, 'hostwright-lab client');
  return CLIENT_KEY;
}

export interface HostKey {
  privateKey: string;
  publicKey: string;
}

export async function ensureHostKey(host: string): Promise<HostKey> {
  const file = path.join(HOSTKEY_DIR, `${host}_ed25519`);
  await ensureKey(file, host);
  return { privateKey: await fs.readFile(file, 'utf8'), publicKey: (await fs.readFile(`${file}.pub`, 'utf8')).trim() };
}
