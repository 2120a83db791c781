/**
 * OpenPGP public keys for apt's signed-by, without gpg: fetching a key URL on the host (curl,
 * else wget) inside a probe, telling an ASCII-armoured key from a binary one, de-armouring (apt
 * reads a `.gpg` keyring only in binary) and the v4 fingerprint of the primary key (RFC 4880
 * 12.2: SHA-1 over 0x99, the packet's two-byte length and its body), so a task can pin the key
 * it expects. Pure but for the probe lines.
 */
import { createHash } from 'node:crypto';
import { sh } from '../../runner/shell.js';
import { fieldLine } from '../_lib/probe.js';

const BEGIN = '-----BEGIN PGP PUBLIC KEY BLOCK-----';

export const isArmored = (b: Buffer): boolean => b.includes(BEGIN);

/**
 * Probe lines that fetch `url` into a temp file and print `key <base64>`, or the NUL-delimited
 * `keyerror <why>` record (the download's message, or that the host has neither curl nor wget).
 */
export function keyFetchLines(url: string, validateCerts = true): string[] {
  return [
    sh`u=${url}; t=$(mktemp) || exit 1; trap 'rm -f -- "$t"' EXIT`,
    `if command -v curl >/dev/null 2>&1; then err=$(curl -fsSL${validateCerts ? '' : ' -k'} --max-time 30 -o "$t" -- "$u" 2>&1); rc=$?`,
    `elif command -v wget >/dev/null 2>&1; then err=$(wget -q${validateCerts ? '' : ' --no-check-certificate'} -T 30 -O "$t" -- "$u" 2>&1); rc=$?`,
    `else err='the host has neither curl nor wget'; rc=1; fi`,
    `if [ "$rc" = 0 ]; then printf 'key '; base64 -w0 < "$t"; echo; else ${fieldLine('keyerror', '"${err:-exit status $rc}"')}; fi`,
  ];
}

/** The binary key inside an ASCII-armoured block (headers, the CRC line and the END line left out). */
export function dearmor(armored: Buffer): Buffer | undefined {
  const lines = armored.toString('latin1').split(/\r?\n/);
  const start = lines.findIndex((l) => l.trim() === BEGIN);
  if (start < 0) return undefined;
  let i = start + 1;
  // Armor headers ("Comment: ...") end at the first blank line.
  while (i < lines.length && lines[i]!.trim() !== '' && lines[i]!.includes(': ')) i++;
  if (lines[i]?.trim() === '') i++;
  const body: string[] = [];
  for (; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (l.startsWith('-----END') || (l.startsWith('=') && l.length <= 5)) break;
    body.push(l);
  }
  const out = Buffer.from(body.join(''), 'base64');
  return out.length > 0 ? out : undefined;
}

/** The first packet of a binary key, when it is a public-key packet (tag 6): its body. */
function primaryKeyPacket(key: Buffer): Buffer | undefined {
  const b0 = key[0];
  if (b0 === undefined || (b0 & 0x80) === 0) return undefined;
  let tag: number;
  let len: number;
  let at: number;
  if (b0 & 0x40) {
    // New format: one-, two- or five-octet lengths.
    tag = b0 & 0x3f;
    const l0 = key[1] ?? 0;
    if (l0 < 192) [len, at] = [l0, 2];
    else if (l0 < 224) [len, at] = [((l0 - 192) << 8) + (key[2] ?? 0) + 192, 3];
    else if (l0 === 255) [len, at] = [key.readUInt32BE(2), 6];
    else return undefined;
  } else {
    tag = (b0 >> 2) & 0x0f;
    const lt = b0 & 3;
    if (lt === 0) [len, at] = [key[1] ?? 0, 2];
    else if (lt === 1) [len, at] = [key.readUInt16BE(1), 3];
    else if (lt === 2) [len, at] = [key.readUInt32BE(1), 5];
    else return undefined;
  }
  if (tag !== 6 || at + len > key.length) return undefined;
  return key.subarray(at, at + len);
}

/** The key in binary (de-armoured when needed), or undefined when it is not an OpenPGP public key. */
export function binaryKey(key: Buffer): Buffer | undefined {
  const bin = isArmored(key) ? dearmor(key) : key;
  return bin && primaryKeyPacket(bin) ? bin : undefined;
}

/** The primary key's fingerprint (upper-case hex) for a v4 key; undefined for other versions. */
export function fingerprint(key: Buffer): string | undefined {
  const bin = binaryKey(key);
  const body = bin && primaryKeyPacket(bin);
  if (!body || body[0] !== 4) return undefined;
  const head = Buffer.from([0x99, (body.length >> 8) & 0xff, body.length & 0xff]);
  return createHash('sha1').update(head).update(body).digest('hex').toUpperCase();
}
