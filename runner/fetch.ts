/**
 * FetchAction: reads a host file (or a command's stdout) back to the controller. The bytes stream
 * from the ssh channel to a temp file beside `dest` (never whole in memory; the channel's window
 * makes the host wait for the disk), hashed as they arrive. On the host, `tee` feeds the same bytes
 * to `sha256sum` and `wc -c` through fifos, so the size and checksum the host reports are of
 * exactly what it sent. Only when both match is the temp file renamed over `dest`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { BecomeSpec, Connection } from './connection/types.js';
import type { FetchAction } from './module.types.js';
import { sh } from './shell.js';

/** stderr line of the fetch script: `hostwright-fetch: <size> <sha256>`, or `hostwright-fetch: error <why>`. */
const FETCH_MARK = 'hostwright-fetch:';

/** A FetchAction that reads a command's stdout (a backup streamed off the host) into `dest`. */
export function fetchStream(script: string, dest: string, describe: string): FetchAction {
  return { kind: 'fetch', path: describe, dest, stream: script };
}

/** The fetch itself failed (missing file, bad exit code, checksum mismatch, controller disk): the action fails. */
export class FetchError extends Error {
  override name = 'FetchError';
}

export interface Fetched {
  dest: string;
  /** sha256 of the file, hex. */
  checksum: string;
  size: number;
}

export function fetchScript(action: FetchAction): string {
  const fail = (why: string) => `{ echo "${FETCH_MARK} error ${why}" >&2; exit 1; }`;
  const source =
    action.stream !== undefined
      ? [sh`src=${action.stream}`]
      : [
          sh`f=${action.path}`,
          `[ -e "$f" ] || ${fail('no such file on the host')}`,
          `[ ! -d "$f" ] || ${fail('is a directory')}`,
          `[ -r "$f" ] || ${fail('not readable')}`,
          `src='exec cat -- "$0"'`,
        ];
  return [
    ...source,
    `d=$(mktemp -d) || exit 1`,
    `trap 'rm -rf -- "$d"' EXIT`,
    `mkfifo "$d/h" "$d/s" || exit 1`,
    `sha256sum < "$d/h" > "$d/sum" &`,
    `wc -c < "$d/s" > "$d/size" &`,
    `{ /bin/sh -c "$src" "\${f-}"; echo "$?" > "$d/rc"; } | tee "$d/h" "$d/s"`,
    `wait`,
    `rc=$(cat "$d/rc")`,
    `[ "$rc" = 0 ] || { echo "${FETCH_MARK} error exit code $rc" >&2; exit 1; }`,
    `read -r sum _ < "$d/sum"; read -r size < "$d/size"`,
    `echo "${FETCH_MARK} $size $sum" >&2`,
  ].join('\n') + '\n';
}

/**
 * Streams the action's source into `dest` atomically and verifies it. Resolves with what was
 * written, or rejects with a message naming the source; `dest` is untouched on any failure.
 */
export async function fetchToFile(conn: Connection, action: FetchAction, become?: BecomeSpec): Promise<Fetched> {
  const dest = path.resolve(action.dest);
  const tmp = path.join(path.dirname(dest), `.${path.basename(dest)}.hostwright-${randomBytes(4).toString('hex')}`);
  const file = await mkdir(path.dirname(dest), { recursive: true })
    .then(() => open(tmp, 'wx'))
    .catch((e: Error) => {
      throw new FetchError(`fetching ${action.path} failed: cannot write ${dest} on the controller: ${e.message}`);
    });
  const hash = createHash('sha256');
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      file.write(chunk).then(() => cb(), cb);
    },
  });
  const what = action.stream !== undefined ? action.path : `${conn.host}:${action.path}`;
  try {
    const exec = await conn.exec(fetchScript(action), { stdoutTo: sink, ...(become ? { become } : {}) }).catch((e: Error) => {
      if (sink.errored) throw new FetchError(`fetching ${what} failed: writing ${tmp} on the controller: ${e.message}`);
      throw e;
    });
    await new Promise<void>((resolve, reject) => sink.end((e?: Error | null) => (e ? reject(e) : resolve())));
    const marks = exec.stderr.split('\n').filter((l) => l.startsWith(FETCH_MARK));
    const [first, second] = (marks.at(-1) ?? '').slice(FETCH_MARK.length).trim().split(' ');
    if (exec.rc !== 0 || first === 'error' || marks.length === 0) {
      const why = first === 'error' ? (marks.at(-1) ?? '').slice(FETCH_MARK.length).trim().slice('error '.length) : `rc=${exec.rc}`;
      const other = exec.stderr.split('\n').filter((l) => l && !l.startsWith(FETCH_MARK)).join('\n').trim();
      throw new FetchError(`fetching ${what} failed: ${why}${other ? `: ${other}` : ''}`);
    }
    const checksum = hash.digest('hex');
    if (Number(first) !== size || second !== checksum) {
      throw new FetchError(`fetching ${what} failed: received ${size} bytes (sha256 ${checksum}) but the host sent ${first} bytes (sha256 ${second})`);
    }
    await file.sync();
    await file.close();
    await rename(tmp, dest).catch((e: Error) => {
      throw new FetchError(`fetching ${what} failed: cannot rename into ${dest}: ${e.message}`);
    });
    return { dest, checksum, size };
  } catch (e) {
    await file.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  }
}
