/**
 * How Hostwright authenticates: ssh-agent (when SSH_AUTH_SOCK answers), private key files
 * (passphrase-protected too; parsed once per run), then a password (and keyboard-interactive with it).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import type { AnyAuthMethod, ParsedKey } from 'ssh2';
import { requireCommonJs } from '../lazy.js';
import type { ConnectSpec } from './types.js';

// Node's own loader (runner/lazy.ts): ssh2 is CommonJS throughout; tsx scanning its files cost ~80 ms.
const { utils } = requireCommonJs<typeof import('ssh2')>('ssh2');

interface LoadedKey {
  key?: ParsedKey;
  note?: string;
}

/**
 * Parsed keys for the whole run: decrypting a passphrase-protected key (bcrypt KDF) costs about a
 * second of CPU, which must not be paid once per host. Keyed by file and a hash of the passphrase.
 */
const keyCache = new Map<string, Promise<LoadedKey>>();

function loadKeyCached(file: string, passphrase: string | undefined): Promise<LoadedKey> {
  const id = `${file}\0${passphrase === undefined ? '-' : createHash('sha256').update(passphrase).digest('hex')}`;
  let loaded = keyCache.get(id);
  if (!loaded) {
    loaded = loadKey(file, passphrase);
    keyCache.set(id, loaded);
  }
  return loaded;
}

/** One key file, parsed; a problem with it is a note for the auth failure message, not an error. */
async function loadKey(file: string, passphrase: string | undefined): Promise<LoadedKey> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch {
    return {}; // a missing default key is not worth mentioning
  }
  const parsed = utils.parseKey(data, passphrase);
  if (parsed instanceof Error) {
    const encrypted = /encrypted|passphrase/i.test(parsed.message);
    return {
      note: encrypted
        ? `${file} is passphrase-protected and ${passphrase === undefined ? 'no passphrase was given' : 'the passphrase is wrong'}`
        : `${file} could not be read as a private key`,
    };
  }
  return { key: Array.isArray(parsed) ? parsed[0] : parsed };
}

const agentProbes = new Map<string, Promise<boolean>>();

/**
 * Whether SSH_AUTH_SOCK leads to a live agent (checked once per run). ssh2 aborts the whole
 * connection when the agent can't be reached, and a stale SSH_AUTH_SOCK is common (a closed
 * session's forwarded agent); OpenSSH just skips it, and so do we.
 */
function agentAnswers(path: string): Promise<boolean> {
  let probe = agentProbes.get(path);
  if (!probe) {
    probe = new Promise<boolean>((resolve) => {
      const sock = createConnection(path);
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    agentProbes.set(path, probe);
  }
  return probe;
}

export interface LabelledMethod {
  method: AnyAuthMethod;
  /** For the failure message: `agent`, `publickey <file>`, `password`. */
  label: string;
}

/** Methods in OpenSSH's order: agent keys, key files, then password (and keyboard-interactive with it). */
export async function authMethods(spec: ConnectSpec): Promise<{ methods: LabelledMethod[]; notes: string[] }> {
  const username = spec.user;
  const methods: LabelledMethod[] = [];
  const notes: string[] = [];
  const agent = process.env.SSH_AUTH_SOCK;
  if (agent && (await agentAnswers(agent))) methods.push({ method: { type: 'agent', username, agent }, label: 'agent' });
  const passphrase = spec.passphrase?.reveal();
  for (const file of spec.privateKeyFiles) {
    const { key, note } = await loadKeyCached(file, passphrase);
    if (key) methods.push({ method: { type: 'publickey', username, key }, label: `publickey ${file}` });
    if (note) notes.push(note);
  }
  const password = spec.password?.reveal();
  if (password !== undefined) {
    methods.push({ method: { type: 'password', username, password }, label: 'password' });
    methods.push({
      method: {
        type: 'keyboard-interactive',
        username,
        prompt: (_n, _i, _l, prompts, finish) => finish(prompts.map(() => password)),
      },
      label: 'keyboard-interactive',
    });
  }
  return { methods, notes };
}
