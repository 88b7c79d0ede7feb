import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { lz4FrameDecompress } from '../../lz4.ts';
import type { Catalog, RowError } from './catalog.ts';
import type { FaultQueue } from './faults.ts';
import type { LabelStore } from './labels.ts';
import type { Compression } from './load-spec.ts';

/** One load that reached the BE, as {@link StandIn.loads} reports it. */
export interface LoadRecord {
  /** `stream` for `/api/{db}/{table}/_stream_load`, `transaction` for `/api/transaction/load`. */
  readonly kind: 'stream' | 'transaction';
  readonly database: string;
  readonly table: string;
  readonly label: string;
  /** Request headers, names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  /** Body bytes as received (before decompression). */
  readonly bodyBytes: number;
  /** The answer's `Status` (`Success`, `Fail`, `Label Already Exists`, `OK`, ...), or `Reset` for a reset fault. */
  readonly status: string;
  readonly message: string;
  /** -1 when no transaction was begun. */
  readonly txnId: number;
  readonly numberTotalRows: number;
  readonly numberLoadedRows: number;
  readonly numberFilteredRows: number;
  readonly errorUrl?: string;
}

/** What the FE and BE handlers share. */
export interface Context {
  readonly catalog: Catalog;
  readonly labels: LabelStore;
  readonly faults: FaultQueue;
  readonly loads: LoadRecord[];
  readonly errorLogs: Map<string, string>;
  /** user → password; changed by {@link StandIn.setPassword}. */
  readonly users: Map<string, string>;
  feUrl: string;
  beUrl: string;
  nextTxnId(): number;
  /** A wait that ends early (resolving) when the stand-in closes. */
  sleep(ms: number): Promise<void>;
}

/** Stores the filtered rows' reasons and returns the `ErrorURL` serving them, StarRocks' error-log style. */
export function storeErrorLog(context: Context, errors: readonly RowError[]): string | undefined {
  if (errors.length === 0) return undefined;
  const file = `error_log_${randomBytes(8).toString('hex')}`;
  context.errorLogs.set(
    file,
    errors.map((error) => `Error: ${error.reason}. Row: ${error.source}\n`).join(''),
  );
  return `${context.beUrl}/api/_load_error_log?file=${file}`;
}

export function decompress(body: Buffer, compression: Compression | undefined): Buffer {
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
