/**
 * An archive series: one directory per job, `<dest>/<job>/<job>-<YYYYMMDDTHHMMSSZ>-<suffix>.tar.<gz|zst>[.age]`
 * with `<archive>.sha256` beside it (of the file as stored: encrypted archives are checked without the key). The UTC timestamp makes names sort in time order; the random
 * suffix makes two runs in the same second never collide. Only names of exactly this shape count
 * as archives of the series: temp files (`.<name>.partial`), checksums and other jobs' files never do.
 */
import type { Dated } from './retention.js';

export const DEFAULT_DEST = '/var/backups/hostwright';

/** A job name is a directory and a file-name prefix: no slashes, no leading dot. */
export const JOB_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]*$';

export type Compression = 'gzip' | 'zstd';

/**
 * Shell function `hash`: the sha256 of stdin as `<hex> ...`. openssl's uses the CPU's SHA
 * extensions (about 4x coreutils' sha256sum on the lab's hosts, where the hash, not zstd, was the
 * slowest part of a run: bench/backup.ts); sha256sum where there is no openssl.
 */
export const HASH_FUNCTION = 'if command -v openssl >/dev/null 2>&1; then hash() { openssl dgst -sha256 -r; }; else hash() { sha256sum; }; fi';

export interface Archive extends Dated {
  compression: Compression;
  /** Encrypted with age (`.age`). */
  encrypted: boolean;
}

export function seriesDir(dest: string, job: string): string {
  return `${dest.replace(/\/+$/, '')}/${job}`;
}

/** `20261205T191800Z` → Date, or undefined when it is no real time. */
export function parseStamp(stamp: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return t.getUTCMonth() === mo - 1 && t.getUTCDate() === d && t.getUTCHours() === h ? t : undefined;
}

export function archiveName(job: string, stamp: string, suffix: string, compression: Compression, encrypted = false): string {
  return `${job}-${stamp}-${suffix}.tar.${compression === 'zstd' ? 'zst' : 'gz'}${encrypted ? '.age' : ''}`;
}

/** The archive a file name denotes in this job's series, or undefined (another job's, a temp file). */
export function parseArchiveName(job: string, name: string): Archive | undefined {
  if (!name.startsWith(`${job}-`)) return undefined;
  const m = /^(\d{8}T\d{6}Z)-([a-z0-9]+)\.tar\.(gz|zst)(\.age)?$/.exec(name.slice(job.length + 1));
  if (!m) return undefined;
  const time = parseStamp(m[1]!);
  return time ? { name, time, compression: m[3] === 'zst' ? 'zstd' : 'gzip', encrypted: m[4] !== undefined } : undefined;
}

/** This job's archives among a directory's entries, oldest first. */
export function seriesArchives(job: string, entries: readonly string[]): Archive[] {
  return entries
    .map((e) => parseArchiveName(job, e))
    .filter((a): a is Archive => a !== undefined)
    .sort((a, b) => a.time.getTime() - b.time.getTime() || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Shell words that make tar read archive `file` (a shell word) with its compression: `-f FILE`, or
 * for an encrypted one `-f -` after `age -d -i KEY -- FILE |` (the prefix goes before `tar`).
 */
export function tarReader(a: Pick<Archive, 'compression' | 'encrypted'>, fileWord: string, keyWord: string | undefined): { prefix: string; args: string } {
  const z = a.compression === 'zstd' ? '--zstd' : '--gzip';
  if (!a.encrypted) return { prefix: '', args: `${z} -f ${fileWord}` };
  return { prefix: `age -d -i ${keyWord ?? '/dev/null'} -- ${fileWord} | `, args: `${z} -f -` };
}
