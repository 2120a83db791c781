/**
 * RelayAction: bytes from a command on one host into a command on another, through the
 * controller, over the run's own connection to each. The source's stdout goes into a PassThrough
 * that is piped into the sink's stdin, so at most a window's worth of bytes is in the controller's
 * memory: when the sink's channel is full the PassThrough fills, the source's channel is paused
 * (process.ts), and the source host waits.
 *
 * Ends: the source finishing (well or not) ends the sink's input — what the sink then sees is an
 * end of input like any other, which is why the sink must check what it got. The sink finishing
 * first (it refused, or failed) destroys the pipe, which kills the source's command.
 */
import { PassThrough } from 'node:stream';
import type { BecomeSpec, Connection, ExecResult } from './connection/types.js';
import type { RelayAction } from './module.types.js';

/** Another host's connection, as the runner holds it, with the become to use there. */
export interface PeerConnection {
  conn: Connection;
  become?: BecomeSpec;
}

/** Finds the connection of an inventory host (rejects with the reason when there is none). */
export type PeerLookup = (host: string) => Promise<PeerConnection>;

/** What a relay did: the sink's result (undefined when it never ran) and the failure, if any. */
export interface RelayOutcome {
  sink?: ExecResult;
  error?: string;
}

/** Bytes buffered between the two connections before the source is paused. */
const RELAY_BUFFER = 1 << 20;

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export async function relay(conn: Connection, action: RelayAction, peer: PeerLookup | undefined, become: BecomeSpec | undefined): Promise<RelayOutcome> {
  if (!peer) return { error: `${action.describe}: this run holds no connection to other hosts` };
  let target: PeerConnection;
  try {
    target = await peer(action.to);
  } catch (e) {
    return { error: `${action.describe} failed: ${errorText(e)}` };
  }
  const on = target.become ? { become: target.become } : {};
  if (action.source === undefined) {
    try {
      const alone = await target.conn.exec(action.sink, on);
      return alone.rc === 0 ? { sink: alone } : { sink: alone, error: `${action.describe} failed on ${action.to} (rc=${alone.rc}): ${alone.stderr.trim() || alone.stdout.trim()}` };
    } catch (e) {
      return { error: `${action.describe} failed on ${action.to}: ${errorText(e)}` };
    }
  }
  const pipe = new PassThrough({ highWaterMark: RELAY_BUFFER });
  const sink = target.conn
    .exec(action.sink, { stdinFrom: pipe, ...on })
    .finally(() => {
      // The sink no longer reads: a source still writing is killed (its stdoutTo fails).
      if (!pipe.writableEnded) pipe.destroy(new Error(`${action.to} stopped reading`));
    });
  const source = conn.exec(action.source, { stdoutTo: pipe, ...(become ? { become } : {}) }).finally(() => {
    if (!pipe.destroyed) pipe.end();
  });
  const [src, dst] = await Promise.allSettled([source, sink]);
  if (dst.status === 'rejected') return { error: `${action.describe} failed on ${action.to}: ${errorText(dst.reason)}` };
  const received = dst.value;
  if (received.rc !== 0) {
    const why = received.stderr.trim() || received.stdout.trim() || `rc=${received.rc}`;
    // The source's own failure explains a sink that got too little: say both.
    const cause = src.status === 'fulfilled' && src.value.rc !== 0 ? ` (on ${conn.host}: ${src.value.stderr.trim() || `rc=${src.value.rc}`})` : '';
    return { sink: received, error: `${action.describe} failed on ${action.to} (rc=${received.rc}): ${why}${cause}` };
  }
  if (src.status === 'rejected') return { sink: received, error: `${action.describe} failed on ${conn.host}: ${errorText(src.reason)}` };
  if (src.value.rc !== 0) return { sink: received, error: `${action.describe} failed on ${conn.host} (rc=${src.value.rc}): ${src.value.stderr.trim()}` };
  return { sink: received };
}
