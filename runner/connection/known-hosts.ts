/**
 * OpenSSH known_hosts, pure: parsing (plain names, `[host]:port`, comma lists, wildcards, hashed
 * `|1|salt|hash` entries, `@revoked` and `@cert-authority` markers) and the verdict on a key a
 * server presented. The I/O (reading the files, the ssh2 hostVerifier) lives in ssh.ts.
 */
import { createHash, createHmac } from 'node:crypto';
import { matchPatternList } from './pattern.js';

export interface KnownHostEntry {
  file: string;
  /** 1-based line number, for messages that point at the entry. */
  line: number;
  marker?: 'revoked' | 'cert-authority';
  /** The host field as written (hashed or a pattern list). */
  hosts: string;
  keyType: string;
  /** The key blob, base64 as in the file. */
  key: string;
}

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return; // unknown marker: OpenSSH ignores the line
    }
    const [hosts, keyType, key] = fields;
    if (!hosts || !keyType || !key) return;
    entries.push({ file, line: index + 1, ...(marker ? { marker } : {}), hosts, keyType, key });
  });
  return entries;
}

/** How a host is written in known_hosts: the bare name on port 22, `[name]:port` otherwise. */
export function hostForm(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Does the entry's host field cover this host form? Hashed entries are HMAC-SHA1(salt, name). */
export function entryMatches(entry: KnownHostEntry, form: string): boolean {
  if (entry.hosts.startsWith('|1|')) {
    const [, , salt, hash] = entry.hosts.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(form).digest('base64');
    return mac === hash;
  }
  return matchPatternList(form, entry.hosts.split(','));
}

/** The key type named inside an SSH wire-format public key blob (its first string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** `SHA256:<base64 without padding>`, as `ssh-keygen -l` and ssh print it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export interface HostKeyQuery {
  /** Inventory name of the host, for messages. */
  name: string;
  /** The address dialed and its port. */
  address: string;
  port: number;
  /** The files that were read, for messages. */
  files: string[];
}

export type HostKeyVerdict =
  /** `found`: the known_hosts file:line whose key matched. */
  | { ok: true; found: string }
  | { ok: false; reason: 'unknown' | 'changed' | 'revoked'; message: string };

/** The host forms looked up: the address dialed, and the inventory name when it differs. */
export function lookupForms(q: HostKeyQuery): string[] {
  const forms = [hostForm(q.address, q.port)];
  if (q.name !== q.address) forms.push(hostForm(q.name, q.port));
  return forms;
}

/**
 * The verdict on `blob` for this host. A revoked key is refused outright; a key listed for the host
 * is accepted; another key of the same type listed for it means the key changed (refused, pointing at
 * the old entry); otherwise the host is unknown. `@cert-authority` lines are ignored: host
 * certificates are not supported, so a host that relies on them is reported as unknown.
 */
export function checkHostKey(entries: readonly KnownHostEntry[], q: HostKeyQuery, blob: Buffer): HostKeyVerdict {
  const type = keyTypeOf(blob);
  const b64 = blob.toString('base64');
  const fp = fingerprint(blob);
  const forms = lookupForms(q);
  const forHost = entries.filter((e) => forms.some((f) => entryMatches(e, f)));
  const who = q.name === q.address ? `${q.address}` : `${q.name} (${q.address})`;

  const revoked = forHost.find((e) => e.marker === 'revoked' && e.key === b64);
  if (revoked) {
    return {
      ok: false,
      reason: 'revoked',
      message: `host key for ${who} (${type} ${fp}) is marked @revoked in ${revoked.file}:${revoked.line}; refusing to connect`,
    };
  }
  const plain = forHost.filter((e) => e.marker === undefined);
  const match = plain.find((e) => e.key === b64);
  if (match) return { ok: true, found: `${match.file}:${match.line}` };

  const old = plain.find((e) => e.keyType === type);
  const keyscan = `ssh-keyscan${q.port === 22 ? '' : ` -p ${q.port}`} ${q.address}`;
  if (old) {
    return {
      ok: false,
      reason: 'changed',
      message:
        `REMOTE HOST KEY CHANGED for ${who}: it offers ${type} ${fp}, which differs from the key in ` +
        `${old.file}:${old.line}. Someone could be intercepting the connection, or the host was reinstalled. ` +
        `Only if you have verified the new key: remove the old entry (ssh-keygen -R '${hostForm(q.address, q.port)}' -f ${old.file}) ` +
        `and add the new one (${keyscan} >> ${old.file})`,
    };
  }
  return {
    ok: false,
    reason: 'unknown',
    message:
      `host key for ${who} (${type} ${fp}) is not in known_hosts (${q.files.join(', ') || 'no files'}); ` +
      `verify it and add it, e.g. ${keyscan} >> ~/.ssh/known_hosts, ` +
      `or set ansible_host_key_checking=false for this host`,
  };
}

/**
 * Key types known for the host, so the client can ask the server for one of those first (as
 * OpenSSH orders HostKeyAlgorithms), instead of being offered a type it cannot verify.
 */
export function knownKeyTypes(entries: readonly KnownHostEntry[], q: HostKeyQuery): string[] {
  const forms = lookupForms(q);
  const types = entries
    .filter((e) => e.marker === undefined && forms.some((f) => entryMatches(e, f)))
    .map((e) => e.keyType);
  return [...new Set(types)];
}
