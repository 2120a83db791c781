/**
 * authorized_keys lines parsed and written the way ansible.posix's authorized_key does (so a file
 * either tool wrote is read the same by the other and rewritten byte for byte alike): a key line
 * is `[options] type key [comment]`, options split on commas outside quotes, and written back as
 * `options type key comment\n` (with the space before an empty comment, as Ansible writes it).
 * Lines that are not keys are kept verbatim. Pure; tested in test/unit/modules/accounts.test.ts.
 */

const KEY_TYPES = new Set([
  'sk-ecdsa-sha2-nistp256@openssh.com', 'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com', 'webauthn-sk-ecdsa-sha2-nistp256@openssh.com',
  'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp256-cert-v01@openssh.com', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-sha2-nistp521', 'ecdsa-sha2-nistp521-cert-v01@openssh.com', 'sk-ssh-ed25519@openssh.com', 'sk-ssh-ed25519-cert-v01@openssh.com',
  'ssh-ed25519', 'ssh-ed25519-cert-v01@openssh.com', 'ssh-dss', 'ssh-rsa', 'ssh-xmss@openssh.com', 'ssh-xmss-cert-v01@openssh.com',
  'rsa-sha2-256', 'rsa-sha2-512', 'ssh-rsa-cert-v01@openssh.com', 'rsa-sha2-256-cert-v01@openssh.com', 'rsa-sha2-512-cert-v01@openssh.com',
  'ssh-dss-cert-v01@openssh.com',
]);

/** Key options in order; a key may repeat (`permitopen` twice). A value of null is a flag. */
export type KeyOptions = [string, string | null][];

export interface ParsedKey {
  /** The key data (base64), or for a kept line the line itself. */
  key: string;
  /** The key type, or 'skipped' for a line kept verbatim. */
  type: string;
  options?: KeyOptions;
  comment?: string;
  /** Position for writing back. */
  rank: number;
}

export function parseOptions(text: string | undefined): KeyOptions {
  const out: KeyOptions = [];
  if (!text) return out;
  for (const m of text.matchAll(/(?:[^,"']|"[^"]*"|'[^']*')+/g)) {
    const part = m[0];
    const eq = part.indexOf('=');
    out.push(eq >= 0 ? [part.slice(0, eq), part.slice(eq + 1)] : [part, null]);
  }
  return out;
}

/** One line (a key with optional options and comment); undefined when it holds no known key type. */
export function parseKey(raw: string, rank: number): ParsedKey | undefined {
  const line = raw.replace(/\\#/g, '#');
  const parts = line.split(/\s+/).filter(Boolean);
  if (parts[0] === '#') return { key: line, type: 'skipped', rank };
  const at = parts.findIndex((p) => KEY_TYPES.has(p));
  if (at < 0 || at + 1 >= parts.length) return undefined;
  return { key: parts[at + 1]!, type: parts[at]!, options: parseOptions(at > 0 ? parts.slice(0, at).join(' ') : undefined), comment: parts.slice(at + 2).join(' '), rank };
}

/** The file's entries by key data (a later duplicate replaces an earlier one, as in Ansible's dict). */
export function parseKeys(content: string): Map<string, ParsedKey> {
  const keys = new Map<string, ParsedKey>();
  const lines = content.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  lines.forEach((line, rank) => {
    const k = parseKey(line, rank) ?? { key: line, type: 'skipped', rank };
    keys.set(k.key, k);
  });
  return keys;
}

export function serializeKeys(keys: Map<string, ParsedKey>): string {
  return [...keys.values()]
    .sort((a, b) => a.rank - b.rank)
    .map((k) => {
      if (k.type === 'skipped') return k.key;
      const opts = (k.options ?? []).map(([n, v]) => (v === null ? n : `${n}=${v}`)).join(',');
      return `${opts ? `${opts} ` : ''}${k.type} ${k.key} ${k.comment ?? ''}\n`;
    })
    .join('');
}

/** Options equal as Ansible's keydict compares them: the same names with the same values, in any name order. */
export function sameOptions(a: KeyOptions | undefined, b: KeyOptions | undefined): boolean {
  const group = (o: KeyOptions | undefined): string => {
    const m = new Map<string, (string | null)[]>();
    for (const [k, v] of o ?? []) m.set(k, [...(m.get(k) ?? []), v]);
    return JSON.stringify([...m].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  };
  return group(a) === group(b);
}

export function dirnameOf(path: string): string {
  const i = path.replace(/\/+$/, '').lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}
