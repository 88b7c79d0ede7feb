import type { IncomingMessage, ServerResponse } from 'node:http';
import * as zlib from 'node:zlib';
import { lz4FrameDecompress } from '../../batch/lz4.ts';
import { ClientGoneError, readBody } from './http-util.ts';
import type { Compression, LoadSpec } from './load-spec.ts';

/**
 * The body steps the BE's two load handlers share: Stream Load (`stream-load.ts`) and the
 * transaction interface's `load` (`transactions.ts`). What each does when a step fails (the answer's
 * dialect, what it records, which reason aborts the label) stays with the handler.
 */

/**
 * Reads the body of a load refused before `100 Continue` by a client that sent it anyway, so the
 * client is not still sending when the answer arrives. Resolves to the bytes read, or `undefined`
 * when the client went away first.
 */
export async function drainBody(req: IncomingMessage): Promise<number | undefined> {
  try {
    return (await readBody(req)).length;
  } catch {
    return undefined;
  }
}

/**
 * Sends `100 Continue` if the client waits for it, then reads the whole body. A client that goes
 * away first gives `ok: false` with the reason; any other error is thrown.
 */
export async function receiveBody(
  req: IncomingMessage,
  res: ServerResponse,
  expectsContinue: boolean,
): Promise<{ readonly ok: true; readonly body: Buffer } | { readonly ok: false; readonly message: string }> {
  if (expectsContinue) res.writeContinue();
  try {
    return { ok: true, body: await readBody(req) };
  } catch (error) {
    if (!(error instanceof ClientGoneError)) throw error;
    return { ok: false, message: error.message };
  }
}

/** Decompresses the body as the load's `compression` header asks and reads it as UTF-8. */
export function decodeBody(
  body: Buffer,
  spec: Pick<LoadSpec, 'compression'>,
): { readonly ok: true; readonly text: string } | { readonly ok: false; readonly message: string } {
  try {
    return { ok: true, text: decompress(body, spec.compression).toString('utf8') };
  } catch (error) {
    return {
      ok: false,
      message: `Failed to decompress the body (${spec.compression}): ${(error as Error).message}`,
    };
  }
}

function decompress(body: Buffer, compression: Compression | undefined): Buffer {
  switch (compression) {
    case undefined:
      return body;
    case 'gzip':
      return zlib.gunzipSync(body);
    case 'deflate':
      return zlib.inflateSync(body);
    case 'lz4_frame':
      return lz4FrameDecompress(body);
    case 'zstd':
      // Node < 22.15 has no zstd; a named import would fail the whole module there.
      if (typeof zlib.zstdDecompressSync !== 'function') throw new Error('zstd needs Node 22.15 or later');
      return zlib.zstdDecompressSync(body);
  }
}
