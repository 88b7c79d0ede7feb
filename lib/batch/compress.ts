import * as zlib from 'node:zlib';
import type { BodyCompression } from '../config/compression.ts';
import { lz4FrameCompress } from './lz4.ts';

/**
 * Compresses a finished Stream Load body with `sink.properties.compression`. Synchronous, like the
 * rest of serialization: at level 1 a 2 MB JSON body takes a few ms, less than sending the bytes
 * saved over most links (see README, Performance).
 *
 * @example
 * compressBody(Buffer.from('[{"id":1}]'), { codec: 'zstd', level: 1 }); // a zstd frame
 */
export function compressBody(body: Buffer, compression: BodyCompression): Buffer {
  if (compression.codec === 'gzip') return zlib.gzipSync(body, { level: compression.level });
  if (compression.codec === 'lz4_frame') return lz4FrameCompress(body);
  // zlib is read as a namespace so that Node < 22.15 (no zstd) can still load this module;
  // the config refuses zstd there.
  return zlib.zstdCompressSync(body, {
    params: { [zlib.constants.ZSTD_c_compressionLevel]: compression.level },
    pledgedSrcSize: body.length,
  });
}
